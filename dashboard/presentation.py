"""Presentation mode and the current view's exports (Streamlit side).

A page records every chart and table it shows (`ui.show_chart` / `ui.show_table`) in the
current `View`. After the page has run, `app.py` either offers that view as a deck and a
workbook (normal mode) or shows its charts one per slide, large and without the app's chrome
(presentation mode, ``?present=1`` in the URL).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.charts.country_page import PAGE_RUNS
from dashboard.charts.theme import FIGURE_LOCK, for_screen
from dashboard.datasets.citations import sources_table
from dashboard.export.model import View
from dashboard.ui.display import PLOTLY_CONFIG
from dashboard.ui.page import package_for_this_run
from dashboard.ui.present import presenting, set_presenting
from dashboard.ui.state import SLIDE_STATE
from dashboard.ui.text import plain
from dashboard.ui.view import current_view

# Hides the sidebar, header and toolbar, and enlarges type for the back of a room.
CHROME_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"] {
    display: none !important;
}
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; max-width: 100% !important; }
[data-testid="stApp"] { font-size: 1.35rem; }
[data-testid="stCaptionContainer"] { font-size: 1.1rem; }
</style>
"""
SLIDE_FONT_SIZE = 24


def _step(delta: int, count: int) -> None:
    st.session_state[SLIDE_STATE] = (st.session_state.get(SLIDE_STATE, 0) + delta) % count


def _slide_figure(figure: go.Figure) -> go.Figure:
    """The chart enlarged for the back of a room. Its title and source line move out of the
    figure into the slide's heading and caption, which wrap on any screen."""
    with FIGURE_LOCK:
        slide = go.Figure(for_screen(figure))
        slide.update_layout(
            font_size=SLIDE_FONT_SIZE,
            height=680,
            legend_font_size=20,
            margin={"b": 60},
        )
        slide.update_xaxes(automargin=True)
        slide.update_yaxes(automargin=True)
    return slide


def run_presenting(page: st.navigation) -> None:  # type: ignore[valid-type]
    """Run the page out of sight to collect its charts, then show one chart per slide."""
    st.html(CHROME_CSS)
    hidden = st.empty()
    with hidden.container():
        page.run()
    hidden.empty()

    view = current_view()
    charts = view.charts if view else []
    if not charts:
        st.info("This page has no charts to present.")
        st.button("Exit presentation", on_click=set_presenting, args=(False,), key="exit_present")
        return
    index = min(st.session_state.get(SLIDE_STATE, 0), len(charts) - 1)
    item = charts[index]
    st.markdown("## " + plain(item.title))
    st.plotly_chart(_slide_figure(item.figure), key="slide_chart", theme=None, config=PLOTLY_CONFIG)
    st.caption(plain(item.source))
    previous, position, following, leave = st.columns([1, 2, 1, 1])
    previous.button(
        "◀ Previous", on_click=_step, args=(-1, len(charts)), key="slide_prev", width="stretch"
    )
    position.markdown(f"**{plain(view.title)}** — slide {index + 1} of {len(charts)}")
    following.button(
        "Next ▶", on_click=_step, args=(1, len(charts)), key="slide_next", width="stretch"
    )
    leave.button("Exit presentation", on_click=set_presenting, args=(False,), key="exit_present")


def _deck_bytes(view: View) -> bytes:
    from dashboard.export.deck import build_deck  # python-pptx loads only when asked for

    return build_deck(view)


def _workbook_bytes(view: View, sources: pd.DataFrame) -> bytes:
    from dashboard.export.workbook import build_workbook

    return build_workbook(view, sources)


def view_tools() -> None:
    """Sidebar: present this view, or download it as a deck (PPTX) or workbook (XLSX)."""
    view = current_view()
    with st.sidebar:
        st.divider()
        st.button(
            "Present this page",
            on_click=set_presenting,
            args=(True,),
            icon=":material/slideshow:",
            key="start_present",
            width="stretch",
            disabled=not (view and view.charts),
        )
        if view is None or not view.items:
            return
        ids = [sid for item in view.items for sid in item.source_ids]
        package = package_for_this_run()
        stem = view.title.lower().replace(" ", "-")
        st.download_button(
            "Download view as slides (PPTX)",
            data=lambda: _deck_bytes(view),
            file_name=f"{stem}.pptx",
            mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            key="view_pptx",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
            disabled=not view.charts,
        )
        st.download_button(
            "Download view as workbook (XLSX)",
            data=lambda: _workbook_bytes(view, sources_table(package, ids)),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key="view_xlsx",
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )


def run(page) -> None:
    """Run the selected page in the mode the URL/session asks for."""
    with PAGE_RUNS.running():
        if presenting():
            run_presenting(page)
        else:
            page.run()
            view_tools()
