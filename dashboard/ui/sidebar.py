"""The filter widgets in the sidebar, kept in step with the URL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import streamlit as st

from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage
from dashboard.ui.options import filter_options
from dashboard.ui.page import package_for_this_run
from dashboard.ui.state import FILTERS_STATE, WIDGET_KEYS
from dashboard.ui.url import restore_from_url, write_url


def set_filter(name: str, values: Sequence[str] | date | None) -> None:
    """Change one filter (for chart selections and links); takes effect on the next rerun."""
    st.session_state[WIDGET_KEYS[name]] = list(values) if isinstance(values, Sequence) else values


def filter_sidebar(page_id: str, shown: bool = True) -> None:
    """The filter widgets, read from and written to the URL. Called by the entrypoint only:
    widgets rendered there keep their state when the user switches pages. A page that the
    filters do not concern (the Record pages) gets none, and the filters are kept, out of
    the URL, for the next page that uses them."""
    package = package_for_this_run()
    if package.spec is None:
        st.session_state[FILTERS_STATE] = Filters()
        return
    if not shown:
        _keep_filters()
        st.session_state["_page_id"] = page_id
        st.session_state[FILTERS_STATE] = _current_filters()
        return
    restore_from_url(package)
    filters = _sidebar(package)
    page_changed = st.session_state.get("_page_id") != page_id
    st.session_state["_page_id"] = page_id
    write_url(filters, force=page_changed)
    st.session_state[FILTERS_STATE] = filters


def _clear_filters() -> None:
    for name in ("country", "area", "programme"):
        set_filter(name, [])
    for name in ("from", "to"):
        set_filter(name, None)


def _sidebar(package: LoadedPackage) -> Filters:
    options = filter_options(package)
    names, area_names = options.country_names, options.area_names
    programme_names = options.programme_names

    _keep_filters()
    with st.sidebar:
        st.subheader("Filters")
        country_options = list(
            dict.fromkeys(options.countries + st.session_state.get(WIDGET_KEYS["country"], []))
        )
        st.multiselect(
            "Country",
            country_options,
            key=WIDGET_KEYS["country"],
            format_func=lambda c: names.get(c, c),
            placeholder="All partners",
            help="Partner countries are listed first.",
        )
        st.multiselect(
            "Cooperation area",
            options.areas,
            key=WIDGET_KEYS["area"],
            format_func=lambda a: area_names.get(a, a),
            placeholder="All areas",
        )
        st.multiselect(
            "Programme",
            options.programmes,
            key=WIDGET_KEYS["programme"],
            format_func=lambda p: programme_names.get(p, p),
            placeholder="All programmes",
        )
        col_from, col_to = st.columns(2)
        col_from.date_input(
            "From",
            key=WIDGET_KEYS["from"],
            min_value=date(1960, 1, 1),
            max_value=date(2100, 12, 31),
            format="YYYY-MM-DD",
        )
        col_to.date_input(
            "To",
            key=WIDGET_KEYS["to"],
            min_value=date(1960, 1, 1),
            max_value=date(2100, 12, 31),
            format="YYYY-MM-DD",
        )
        st.button("Clear filters", width="stretch", on_click=_clear_filters, key="clear_filters")
    return _current_filters()


def _keep_filters() -> None:
    """Re-assign each filter's value. It marks the value as set by the app in this run, so the
    browser is sent the value to show (otherwise a value set from the URL or a chart click
    could be applied by the server while the widget still showed its old value), and keeps it
    through a run that draws no filters."""
    for key in WIDGET_KEYS.values():
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def _current_filters() -> Filters:
    start = st.session_state.get(WIDGET_KEYS["from"])
    end = st.session_state.get(WIDGET_KEYS["to"])
    if start and end and start > end:
        start, end = end, start
    return Filters(
        countries=tuple(st.session_state.get(WIDGET_KEYS["country"], [])),
        areas=tuple(st.session_state.get(WIDGET_KEYS["area"], [])),
        programmes=tuple(st.session_state.get(WIDGET_KEYS["programme"], [])),
        start=start,
        end=end,
    )
