"""The filters in the URL query string: read when the URL is new, written back on every run.

Untrusted values are parsed in one place, `dashboard.datasets.filters.parse_query`.
"""

from __future__ import annotations

import streamlit as st

from dashboard.datasets.filters import QUERY_KEYS, Filters, parse_query, to_query
from dashboard.datasets.loader import LoadedPackage
from dashboard.ui.options import known_values
from dashboard.ui.state import PRESENT_STATE, URL_NOTICES_STATE, WIDGET_KEYS


def url_signature(params: dict[str, list[str]]) -> tuple:
    return tuple(sorted((k, tuple(v)) for k, v in params.items() if k in QUERY_KEYS and v))


def _current_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def restore_from_url(package: LoadedPackage) -> None:
    """Copy the URL's filters into the widgets when the URL is new to this session.

    A page switch clears the query string; the session's filters then stay as they were and
    are written back to the URL below, so the view survives switching pages.
    """
    state = st.session_state
    params = _current_params()
    signature = url_signature(params)
    if "_filters_ready" in state and (not signature or signature == state.get("_url_sig")):
        return
    filters, notices = parse_query(params, known_values(package))
    state[WIDGET_KEYS["country"]] = list(filters.countries)
    state[WIDGET_KEYS["area"]] = list(filters.areas)
    state[WIDGET_KEYS["programme"]] = list(filters.programmes)
    state[WIDGET_KEYS["from"]] = filters.start
    state[WIDGET_KEYS["to"]] = filters.end
    state["_filters_ready"] = True
    state[URL_NOTICES_STATE] = notices


def write_url(filters: Filters, force: bool) -> None:
    """Put the filters in the query string (only the keys whose value changed, unless `force`:
    after a page switch the browser's address bar has dropped them)."""
    wanted = to_query(filters)
    for key in QUERY_KEYS:
        if key in wanted:
            if force or st.query_params.get_all(key) != [wanted[key]]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]
    if force and st.session_state.get(PRESENT_STATE):
        st.query_params["present"] = "1"
    st.session_state["_url_sig"] = url_signature({k: [v] for k, v in wanted.items()})
