"""Values the user picked on a chart (its selection state)."""

from __future__ import annotations

import streamlit as st


def selection_values(key: str, field: str) -> list[str]:
    """Values of `field` (customdata[0], location, x…) of the points selected on chart `key`."""
    state = st.session_state.get(key)
    if state is None:
        return []
    selection = (
        state.get("selection", {}) if isinstance(state, dict) else getattr(state, "selection", {})
    )
    points = (
        selection.get("points", [])
        if isinstance(selection, dict)
        else getattr(selection, "points", [])
    )
    values = []
    for point in points:
        value = point.get(field)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is not None and str(value) not in values:
            values.append(str(value))
    return values
