"""Shared Streamlit pieces every page uses: the filter sidebar kept in the URL, the data
problem banner, and charts/tables shown with their sources and downloads.

Pages stay thin: they pick data, call a chart function and hand the result to `show_chart`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.datasets import clock
from dashboard.datasets.citations import resource_as_of, source_line, sources_table
from dashboard.datasets.filters import (
    QUERY_KEYS,
    Filters,
    KnownValues,
    parse_query,
    to_query,
)
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.store import get_package
from dashboard.export.model import View, ViewItem
from dashboard.export.tables import to_csv_bytes, to_xlsx_bytes

# Plotly fetches its world outline from a CDN unless told otherwise; the app serves it itself
# from dashboard/static/ (server.enableStaticServing).
PLOTLY_CONFIG = {
    "topojsonURL": "app/static/",
    "displaylogo": False,
    "modeBarButtonsToRemove": ["sendDataToCloud"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

WIDGET_KEYS = {
    "country": "flt_country",
    "area": "flt_area",
    "programme": "flt_programme",
    "from": "flt_from",
    "to": "flt_to",
}
SOURCES_PAGE = "views/sources.py"
MAX_TABLE_ROWS = 1000  # rows sent to the browser per table; downloads carry every row
FILTERS_STATE = "_filters"  # this run's Filters, set by the entrypoint's filter_sidebar
VIEW_STATE = "_view"  # this run's View: what the page has shown, for exports and slides
PRESENT_STATE = "_present"


@dataclass(frozen=True)
class FilterOptions:
    """What the filter widgets offer, with display names: the same for every rerun of every
    session, so built once per loaded package. Callers must not change it."""

    countries: list[str]  # countries and the EU, partners first
    country_names: dict[str, str]  # every code in the countries table, aggregates too
    areas: list[str]
    area_names: dict[str, str]
    programmes: list[str]
    programme_names: dict[str, str]


@per_package
def filter_options(package: LoadedPackage) -> FilterOptions:
    countries = package.table("countries")
    selectable = countries[countries["kind"].isin(["country", "union"])].sort_values(
        ["is_partner", "name"], ascending=[False, True]
    )
    areas = package.table("cooperation_areas")
    programmes = package.table("programmes")
    return FilterOptions(
        countries=list(selectable["iso3"]),
        country_names=dict(zip(countries["iso3"], countries["name"], strict=False)),
        areas=list(areas["area_id"]),
        area_names=dict(zip(areas["area_id"], areas["name"], strict=False)),
        programmes=list(programmes["programme_id"]),
        programme_names=dict(zip(programmes["programme_id"], programmes["name"], strict=False)),
    )


@dataclass(frozen=True)
class PageContext:
    package: LoadedPackage
    filters: Filters
    today: date

    @functools.cached_property
    def country_names(self) -> dict[str, str]:
        return filter_options(self.package).country_names

    def country_name(self, iso3: str) -> str:
        return self.country_names.get(iso3, iso3)

    def nothing_found(self, what: str, in_period: str = "in this period") -> str:
        """A plain sentence for an empty view that names the filters that emptied it, e.g.
        "No meetings recorded for Tuvalu in this period." """
        filters = self.filters
        text = f"No {what}"
        if filters.countries:
            text += " recorded for " + ", ".join(self.country_name(c) for c in filters.countries)
        if filters.start or filters.end:
            text += f" {in_period}"
        if filters.areas:
            text += " in the chosen cooperation areas"
        return text


def _known_values(package: LoadedPackage) -> KnownValues:
    return KnownValues(
        countries=frozenset(package.table("countries")["iso3"].dropna()),
        areas=frozenset(package.table("cooperation_areas")["area_id"].dropna()),
        programmes=frozenset(package.table("programmes")["programme_id"].dropna()),
    )


def _url_signature(params: dict[str, list[str]]) -> tuple:
    return tuple(sorted((k, tuple(v)) for k, v in params.items() if k in QUERY_KEYS and v))


def _current_params() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def _restore_from_url(package: LoadedPackage) -> None:
    """Copy the URL's filters into the widgets when the URL is new to this session.

    A page switch clears the query string; the session's filters then stay as they were and
    are written back to the URL below, so the view survives switching pages.
    """
    state = st.session_state
    params = _current_params()
    signature = _url_signature(params)
    if "_filters_ready" in state and (not signature or signature == state.get("_url_sig")):
        return
    filters, notices = parse_query(params, _known_values(package))
    state[WIDGET_KEYS["country"]] = list(filters.countries)
    state[WIDGET_KEYS["area"]] = list(filters.areas)
    state[WIDGET_KEYS["programme"]] = list(filters.programmes)
    state[WIDGET_KEYS["from"]] = filters.start
    state[WIDGET_KEYS["to"]] = filters.end
    state["_filters_ready"] = True
    state["_url_notices"] = notices


def set_filter(name: str, values: Sequence[str] | date | None) -> None:
    """Change one filter (for chart selections and links); takes effect on the next rerun."""
    st.session_state[WIDGET_KEYS[name]] = list(values) if isinstance(values, Sequence) else values


def _write_url(filters: Filters, force: bool) -> None:
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
    st.session_state["_url_sig"] = _url_signature({k: [v] for k, v in wanted.items()})


def filter_sidebar(page_id: str) -> None:
    """The filter widgets, read from and written to the URL. Called by the entrypoint only:
    widgets rendered there keep their state when the user switches pages."""
    package = get_package()
    if package.spec is None:
        st.session_state[FILTERS_STATE] = Filters()
        return
    _restore_from_url(package)
    filters = _sidebar(package)
    page_changed = st.session_state.get("_page_id") != page_id
    st.session_state["_page_id"] = page_id
    _write_url(filters, force=page_changed)
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

    # Re-assigning each filter's value marks it as set by the app in this run, so the browser
    # is sent the value to show; otherwise a value set from the URL or a chart click could be
    # applied by the server while the widget still showed its old value.
    for key in WIDGET_KEYS.values():
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
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


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")


def plain(value: object) -> str:
    """Data text made safe for st.markdown: every markdown or HTML character is taken
    literally, so markup inside data is shown, never interpreted. Missing values become ""."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


def data_problem_banner(package: LoadedPackage) -> None:
    """A plain-words notice when the data has problems; details live on the Sources page."""
    errors = package.errors
    unavailable = sorted(package.unavailable)
    if not errors and not unavailable:
        return
    text = f"The data has {len(errors)} problem(s)"
    if unavailable:
        text += "; these tables could not be loaded: " + ", ".join(unavailable)
    text += ". Affected rows are left out; everything else is shown. Details on the Sources page."
    st.warning(text, icon=":material/warning:")


def presenting() -> bool:
    """Presentation mode: on when the URL says ``present=1``, kept across page switches."""
    if st.query_params.get("present") == "1":
        st.session_state[PRESENT_STATE] = True
    return bool(st.session_state.get(PRESENT_STATE, False))


def set_presenting(on: bool) -> None:
    st.session_state[PRESENT_STATE] = on
    st.session_state["_slide"] = 0
    if on:
        st.query_params["present"] = "1"
    elif "present" in st.query_params:
        del st.query_params["present"]


def current_view() -> View | None:
    """The charts and tables the current page has shown so far in this run."""
    return st.session_state.get(VIEW_STATE)


def _record(item: ViewItem) -> None:
    view = current_view()
    if view is not None:
        view.items.append(item)


def page_setup(title: str, needs: Iterable[str] = (), caption: str | None = None) -> PageContext:
    """Everything a page does first: title, banner, URL notices, its filters, required tables.

    Stops the page with a clear message when a table it needs could not be loaded; the
    sidebar and the other pages keep working.
    """
    package = get_package()
    if package.spec is None:
        st.title(title)
        problem = package.problems[0]
        st.error(f"The data package cannot be read — {problem.describe()}.")
        st.stop()
    filters = st.session_state.get(FILTERS_STATE, Filters())
    names = filter_options(package).country_names
    st.session_state[VIEW_STATE] = View(title, filters.describe(names), clock.today().isoformat())
    st.title(title)
    if caption:
        st.caption(caption)
    data_problem_banner(package)
    for notice in st.session_state.pop("_url_notices", []):
        st.info(notice, icon=":material/link_off:")
    missing = [name for name in needs if not package.has(name)]
    if missing:
        st.error(
            "This page needs the table(s) "
            + ", ".join(f"'{m}'" for m in missing)
            + ", which could not be loaded. See the Sources page for what is wrong."
        )
        st.page_link(SOURCES_PAGE, label="Open the Sources page", icon=":material/dataset:")
        st.stop()
    return PageContext(package, filters, clock.today())


TableOrBuilder = pd.DataFrame | Callable[[], pd.DataFrame]


def _built(frame: TableOrBuilder) -> pd.DataFrame:
    return frame() if callable(frame) else frame


def _csv_of(frame: TableOrBuilder, source_lines: list[str]) -> bytes:
    return to_csv_bytes(_built(frame), source_lines)


def _xlsx_of(frame: TableOrBuilder, sheet: str, sources: pd.DataFrame) -> bytes:
    return to_xlsx_bytes({sheet: _built(frame)}, sources)


def download_buttons(
    frame: TableOrBuilder,
    *,
    key: str,
    file_stem: str,
    package: LoadedPackage,
    source_ids: Iterable[str],
    as_of: str,
) -> None:
    """CSV and XLSX of exactly `frame`, each with its sources, built only when clicked.

    `frame` may be a function that builds the table, so a large one costs nothing per rerun.
    """
    ids = list(source_ids)
    line = source_line(package, ids, as_of, limit=20)
    sources = sources_table(package, ids)
    row = st.container(horizontal=True)
    row.download_button(
        "Download CSV",
        data=partial(_csv_of, frame, [line]),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    row.download_button(
        "Download XLSX",
        data=partial(_xlsx_of, frame, file_stem, sources),
        file_name=f"{file_stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )


def _table_with_downloads(
    frame: pd.DataFrame,
    *,
    key: str,
    file_stem: str,
    package: LoadedPackage,
    source_ids: list[str],
    as_of: str,
    column_config: dict | None = None,
) -> None:
    st.dataframe(
        frame.head(MAX_TABLE_ROWS), hide_index=True, column_config=column_config, key=f"{key}_table"
    )
    if len(frame) > MAX_TABLE_ROWS:
        st.caption(
            f"Showing the first {MAX_TABLE_ROWS:,} of {len(frame):,} rows; the downloads have all."
        )
    st.caption(source_line(package, source_ids, as_of))
    download_buttons(
        frame, key=key, file_stem=file_stem, package=package, source_ids=source_ids, as_of=as_of
    )


def show_table(
    frame: pd.DataFrame,
    *,
    key: str,
    file_stem: str,
    package: LoadedPackage,
    source_ids: Iterable[str],
    as_of: str,
    column_config: dict | None = None,
    title: str | None = None,
) -> None:
    """A table with its source line and downloads of exactly what it shows.

    The table also becomes a sheet of the view's workbook export (named `title` or
    `file_stem`). In presentation mode tables are not shown: slides are charts.
    """
    ids = list(source_ids)
    _record(ViewItem(title or file_stem, frame, source_line(package, ids, as_of), None, ids))
    if presenting():
        return
    _table_with_downloads(
        frame,
        key=key,
        file_stem=file_stem,
        package=package,
        source_ids=ids,
        as_of=as_of,
        column_config=column_config,
    )


def show_chart(
    fig: go.Figure,
    data: pd.DataFrame,
    *,
    key: str,
    file_stem: str,
    package: LoadedPackage,
    source_ids: Iterable[str],
    as_of: str,
    on_select: Callable[[], None] | None = None,
    selection_mode: str | Sequence[str] = "points",
) -> None:
    """A chart, its source and as-of date, and its data as a table with downloads.

    The chart is also recorded for the view's deck export and for presentation mode, which
    shows the recorded charts one per slide instead of the page.
    """
    ids = list(source_ids)
    line = source_line(package, ids, as_of)
    title = fig.layout.title.text or file_stem.replace("_", " ").capitalize()
    _record(ViewItem(title, data, line, fig, ids))
    if presenting():
        return
    st.plotly_chart(
        fig,
        key=key,
        theme=None,
        config=PLOTLY_CONFIG,
        on_select=on_select if on_select else "ignore",
        selection_mode=selection_mode,
    )
    st.caption(line)
    # Built only while open: the table would otherwise be sent on every rerun, unseen.
    with st.expander(
        "Data behind this chart", key=data_toggle_key(key), on_change="rerun"
    ) as data_box:
        if data_box.open:
            _table_with_downloads(
                data,
                key=f"{key}_data",
                file_stem=file_stem,
                package=package,
                source_ids=ids,
                as_of=as_of,
            )


def data_toggle_key(chart_key: str) -> str:
    """Session-state key of the "Data behind this chart" expander of chart `chart_key`."""
    return f"{chart_key}_data_open"


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


def as_of_for(package: LoadedPackage, *tables: str) -> str:
    return resource_as_of(package, *tables)
