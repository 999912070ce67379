"""Charts and tables shown with their sources, as-of date and downloads of what they show."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Iterable, Sequence
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.charts.theme import for_screen
from dashboard.datasets.citations import (
    SourceDates,
    distinct_source_ids,
    short_source_line,
    source_entries,
    source_line,
    sources_table,
)
from dashboard.datasets.loader import LoadedPackage
from dashboard.export.model import ViewItem
from dashboard.export.tables import to_csv_bytes, to_xlsx_bytes
from dashboard.ui.text import plain
from dashboard.ui.view import drawn, record

# Plotly fetches its world outline from a CDN unless told otherwise; the app serves it itself
# from dashboard/static/ (server.enableStaticServing).
PLOTLY_CONFIG = {
    "topojsonURL": "app/static/",
    "displaylogo": False,
    # One button (download as PNG): the full bar of zoom and pan buttons covered the range
    # buttons and labels at the top of a chart on a phone. Drag still zooms; a double click
    # resets.
    "modeBarButtons": [["toImage"]],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
MAX_TABLE_ROWS = 1000  # rows sent to the browser per table; downloads carry every row
# Streamlit's table rows (and header) are 35 px, and a table is at most 400 px high, scrolling
# inside. A bordered st.metric is 108 px. Tables and metrics are drawn by scripts the browser
# loads after the page's first paint: given their height up front, their place is kept
# meanwhile, and nothing below them jumps down when they appear (layout shift, which
# Lighthouse counts against a page, and which makes a reader lose their place).
TABLE_ROW_PX = 35
TABLE_MAX_PX = 400
METRIC_PX = 108
MAX_SOURCES_LISTED = 40  # sources listed under "All sources"; the XLSX download has them all
# The tabs of a chart panel: the chart (open at first), and the data it draws as a table.
CHART_TAB = "Chart"
TABLE_TAB = "Table"


TableOrBuilder = pd.DataFrame | Callable[[], pd.DataFrame]


def _built(frame: TableOrBuilder) -> pd.DataFrame:
    return frame() if callable(frame) else frame


def _csv_of(frame: TableOrBuilder, source_lines: list[str]) -> bytes:
    return to_csv_bytes(_built(frame), source_lines)


def _xlsx_of(
    frame: TableOrBuilder, sheet: str, package: LoadedPackage, source_ids: list[str]
) -> bytes:
    return to_xlsx_bytes({sheet: _built(frame)}, sources_table(package, source_ids))


def download_buttons(
    frame: TableOrBuilder,
    *,
    key: str,
    file_stem: str,
    package: LoadedPackage,
    source_ids: Iterable[str],
    as_of: SourceDates,
) -> None:
    """CSV and XLSX of exactly `frame`, each with its sources, built only when clicked.

    `frame` may be a function that builds the table, so a large one costs nothing per rerun;
    the workbook's sources sheet is looked up on the click too.
    """
    ids = distinct_source_ids(source_ids)
    line = source_line(package, ids, as_of, limit=20)
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
        data=partial(_xlsx_of, frame, file_stem, package, ids),
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
    as_of: SourceDates,
    column_config: dict | None = None,
) -> None:
    shown = frame.head(MAX_TABLE_ROWS)
    st.dataframe(
        shown,
        hide_index=True,
        height=table_height(shown),
        column_config=lead_column_pinned(frame, column_config),
        key=f"{key}_table",
    )
    if len(frame) > MAX_TABLE_ROWS:
        st.caption(
            f"Showing the first {MAX_TABLE_ROWS:,} of {len(frame):,} rows; the downloads have all."
        )
    sources_note(package, source_ids, as_of, key=key)
    download_buttons(
        frame, key=key, file_stem=file_stem, package=package, source_ids=source_ids, as_of=as_of
    )


def table_height(frame: pd.DataFrame) -> int:
    """The height, in pixels, `st.dataframe` gives `frame` by itself, to give it up front."""
    return min((len(frame) + 1) * TABLE_ROW_PX + 2, TABLE_MAX_PX)


def lead_column_pinned(frame: pd.DataFrame, column_config: dict | None = None) -> dict:
    """`column_config` with the table's first column (what each row is: a country, a date, a
    dataset) pinned, so it stays in view while a phone scrolls the other columns sideways."""
    config = dict(column_config or {})
    if len(frame.columns):
        lead = str(frame.columns[0])
        given = config.get(lead)
        base = {"label": given} if isinstance(given, str) else dict(given or {})
        config[lead] = {**base, "pinned": True}
    return config


def show_table(
    frame: pd.DataFrame,
    *,
    key: str,
    file_stem: str,
    package: LoadedPackage,
    source_ids: Iterable[str],
    as_of: SourceDates,
    column_config: dict | None = None,
    title: str | None = None,
) -> None:
    """A table with its source line and downloads of exactly what it shows.

    The table also becomes a sheet of the view's workbook export (named `title` or
    `file_stem`). In presentation mode tables are not shown (slides are charts), nor in a tab
    that is not open (`view.out_of_sight`).
    """
    ids = distinct_source_ids(source_ids)
    line = source_line(package, ids, as_of)
    record(ViewItem(title or file_stem, frame, line, None, list(ids), as_of))
    if not drawn():
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
    as_of: SourceDates,
    on_select: Callable[[], None] | None = None,
    selection_mode: str | Sequence[str] = "points",
    table: pd.DataFrame | None = None,
    table_title: str | None = None,
    table_note: str | None = None,
) -> None:
    """A chart panel, as in OWID's Grapher: the chart with its source and as-of date, and its
    data behind a "Table" tab, with every source and the downloads.

    The Table tab shows `data`, or `table` when given (another frame of the same values, e.g.
    one column per year; `table_title` names it, `table_note` says how to read it), and is built
    only while open. The chart is recorded for the view's deck export and for presentation
    mode, which shows the recorded charts one per slide instead of the page; `table` is a
    sheet of the view's workbook too.

    `on_select` is called when marks are selected on the chart; the whole page then reruns
    (it usually sets a filter), while a switch between the tabs reruns the panel alone.
    """
    ids = distinct_source_ids(source_ids)
    line = source_line(package, ids, as_of)
    # The figure's title is HTML-escaped for plotly (charts.safe_text); the page, the slides
    # and the exports take the text itself and escape it their own way.
    shown_title = html.unescape(fig.layout.title.text or "")
    title = shown_title or file_stem.replace("_", " ").capitalize()
    record(ViewItem(title, data, line, fig, list(ids), as_of))
    if table is not None:
        record(ViewItem(table_title or f"{title} (table)", table, line, None, list(ids), as_of))
    if not drawn():
        return
    _chart_panel(
        fig,
        data if table is None else table,
        key=key,
        file_stem=file_stem,
        package=package,
        ids=ids,
        as_of=as_of,
        title=shown_title,
        table_title=table_title or shown_title,
        table_note=table_note,
        on_select=on_select,
        selection_mode=selection_mode,
    )


@st.fragment
def _chart_panel(
    fig: go.Figure,
    table: pd.DataFrame,
    *,
    key: str,
    file_stem: str,
    package: LoadedPackage,
    ids: list[str],
    as_of: SourceDates,
    title: str,
    table_title: str,
    table_note: str | None,
    on_select: Callable[[], None] | None,
    selection_mode: str | Sequence[str],
) -> None:
    """The panel's two tabs, of which only the open one is built and sent (lazy tabs): a filter
    change draws the chart, not its table. A fragment, so switching tabs reruns this panel
    alone; a selection on the chart reruns the whole page (`_then_whole_page`)."""
    chart_tab, table_tab = st.tabs(
        [CHART_TAB, TABLE_TAB], key=panel_tab_key(key), on_change="rerun"
    )
    if table_tab.open:
        with table_tab:
            if table_title:
                st.markdown("#### " + plain(table_title))
            if table_note:
                st.caption(plain(table_note))
            _table_with_downloads(
                table,
                key=f"{key}_data",
                file_stem=file_stem,
                package=package,
                source_ids=ids,
                as_of=as_of,
            )
        return
    with chart_tab:
        if title:
            st.markdown("#### " + plain(title))
        st.plotly_chart(
            for_screen(fig),
            key=key,
            theme=None,
            config=PLOTLY_CONFIG,
            on_select=partial(_then_whole_page, on_select) if on_select else "ignore",
            selection_mode=selection_mode,
        )
        source_caption(package, ids, as_of)


def _then_whole_page(on_select: Callable[[], None]) -> None:
    """A chart selection's callback, then a rerun of the whole page: the selection sets the
    page's filters, and a widget of a fragment would otherwise rerun that fragment alone."""
    on_select()
    st.rerun(scope="app")


def source_caption(
    package: LoadedPackage, source_ids: Iterable[object], as_of: SourceDates
) -> None:
    """The one short source line, with its as-of date, that every chart and table shows."""
    st.caption(plain(short_source_line(package, distinct_source_ids(source_ids), as_of)))


def sources_note(
    package: LoadedPackage, source_ids: Iterable[object], as_of: SourceDates, *, key: str
) -> None:
    """One short source line under a chart or table, with its sources one click away (the
    first MAX_SOURCES_LISTED; the XLSX download lists every one)."""
    ids = distinct_source_ids(source_ids)
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    row.caption(plain(short_source_line(package, ids, as_of)), width="content")
    with row.popover("All sources", type="tertiary", key=f"{key}_sources"):
        entries = source_entries(package, ids)
        st.markdown(_entries_markdown(tuple(entries[:MAX_SOURCES_LISTED]), len(entries)))


@functools.lru_cache(maxsize=1024)
def _entries_markdown(entries: tuple[str, ...], total: int) -> str:
    """The sources as a markdown list of plain text (escaped once per list, not per rerun)."""
    listed = [f"- {plain(entry)}" for entry in entries or ("No source is recorded.",)]
    if total > len(entries):
        listed.append(f"\n…and {total - len(entries):,} more: the XLSX download lists every one.")
    return "\n".join(listed)


def panel_tab_key(chart_key: str) -> str:
    """Session-state key of the Chart/Table tabs of chart `chart_key`'s panel: its value is
    the open tab's label (CHART_TAB or TABLE_TAB)."""
    return f"{chart_key}_panel"
