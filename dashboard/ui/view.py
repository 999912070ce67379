"""What the current page has shown so far in this run, for its exports and slides."""

from __future__ import annotations

import streamlit as st

from dashboard.export.model import View, ViewItem
from dashboard.ui.state import VIEW_STATE


def current_view() -> View | None:
    """The charts and tables the current page has shown so far in this run."""
    return st.session_state.get(VIEW_STATE)


def record(item: ViewItem) -> None:
    view = current_view()
    if view is not None:
        view.items.append(item)
