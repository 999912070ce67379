"""Every table a page shows is a sheet of its "view as workbook", on every page."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard.datasets import load_package
from dashboard.datasets.citations import sources_table
from dashboard.export.workbook import ABOUT_SHEET, build_workbook, item_sheet_names
from dashboard.ui.display import CHART_TAB, TABLE_TAB
from dashboard.ui.state import VIEW_STATE
from tests.helpers import open_chart_data, open_every_chart_table, run_app

PAGES = {
    "views/overview.py": {},
    "views/country.py": {"country": "ROU"},
    "views/compare.py": {},
    "views/programmes.py": {},
    "views/areas.py": {},
    "views/timeline.py": {"event": "2025-08-09-ROU"},
    "views/followups.py": {},
    "views/sources.py": {},
}
# Pages whose last tables sit in tabs that build on open, by the tabs' session-state key.
TABBED = {"views/country.py": "country_details_tab"}


def _tables_shown(at: AppTest, page: str) -> list[list[str]]:
    """The columns of each table the page shows, in order; on a tabbed page, with each tab
    opened in turn (a tab not open holds nothing until it is clicked)."""
    shown = [list(frame.value.columns) for frame in at.dataframe]
    tab_key = TABBED.get(page)
    if tab_key is None:
        return shown
    labels = [tab.label for tab in _page_tabs(at)]
    in_tabs: list[list[str]] = []
    for index, label in enumerate(labels):
        if index:
            at.session_state[tab_key] = label
            at.run()
        tabs = _page_tabs(at)
        opened = [list(frame.value.columns) for frame in tabs[index].get("dataframe")]
        assert all(not tab.children for n, tab in enumerate(tabs) if n != index)
        in_tabs += opened
    outside = [list(frame.value.columns) for frame in at.dataframe][: -len(opened) or None]
    return outside + in_tabs


def _page_tabs(at: AppTest) -> list:
    """The page's own tabs, not the Chart and Table tabs of its chart panels."""
    return [tab for tab in at.tabs if tab.label not in (CHART_TAB, TABLE_TAB)]


def _panel_tables(at: AppTest) -> list[list[str]]:
    """The columns of the tables in the page's chart panels, each panel's Table tab opened
    (a chart's data, or another table of its values such as Compare's "Values by year")."""
    open_every_chart_table(at)
    assert not at.exception
    return [
        list(frame.value.columns)
        for tab in at.tabs
        if tab.label == TABLE_TAB
        for frame in tab.get("dataframe")
    ]


@pytest.mark.parametrize("page", list(PAGES))
def test_the_view_workbook_has_a_sheet_for_every_table_the_page_shows(page: str) -> None:
    at = run_app(page, PAGES[page])
    assert not at.exception
    view = at.session_state[VIEW_STATE]
    tables = [list(item.data.columns) for item in view.items if item.figure is None]
    charts = [list(item.data.columns) for item in view.items if item.figure is not None]
    in_panels = _panel_tables(run_app(page, PAGES[page]))
    assert all(table in charts or table in tables for table in in_panels)
    panels_only = [table for table in in_panels if table not in charts]  # not a chart's data
    assert _tables_shown(at, page) == [table for table in tables if table not in panels_only]
    assert all(table in tables for table in panels_only)

    ids = [source for item in view.items for source in item.source_ids]
    workbook = build_workbook(view, sources_table(load_package(), ids))
    names = load_workbook(io.BytesIO(workbook), read_only=True).sheetnames
    assert names == [ABOUT_SHEET, *item_sheet_names(view), "Sources"]


def test_the_data_behind_an_open_chart_is_its_sheet_too() -> None:
    at = open_chart_data(run_app("views/followups.py"), "followups_by_status")
    view = at.session_state[VIEW_STATE]
    charts = {tuple(item.data.columns) for item in view.items if item.figure is not None}
    tables = [list(item.data.columns) for item in view.items if item.figure is None]
    for frame in at.dataframe:
        columns = list(frame.value.columns)
        assert columns in tables or tuple(columns) in charts
