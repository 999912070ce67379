"""Presentation mode: on when the URL says ``present=1``, kept across page switches."""

from __future__ import annotations

import streamlit as st

from dashboard.ui.state import PRESENT_STATE, SLIDE_STATE


def presenting() -> bool:
    """Presentation mode: on when the URL says ``present=1``, kept across page switches."""
    if st.query_params.get("present") == "1":
        st.session_state[PRESENT_STATE] = True
    return bool(st.session_state.get(PRESENT_STATE, False))


def set_presenting(on: bool) -> None:
    st.session_state[PRESENT_STATE] = on
    st.session_state[SLIDE_STATE] = 0
    if on:
        st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]
