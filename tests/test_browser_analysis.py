"""Compare, EU programmes and Cooperation areas in a real browser: the indicator in the URL,
chart clicks that set filters, and each page clean (no foreign request, no console error)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

INTERNET = "Individuals using the Internet (% of population)"


def click_mark(page, mark) -> None:
    """Click a chart mark as a user does: plotly's drag layer above the marks takes the click."""
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_compare_keeps_the_indicator_in_the_url_and_a_bar_click_sets_the_country(
    app_page,
) -> None:
    app_page.open("/compare")
    page = app_page.page
    expect(page).to_have_url(re.compile(r"indicator=GB\.XPD\.RSDV\.GD\.ZS"))
    indicator = page.get_by_role("combobox", name="Indicator")
    indicator.click()
    page.get_by_role("option", name=INTERNET, exact=True).click()
    expect(page).to_have_url(re.compile(r"indicator=IT\.NET\.USER\.ZS"))
    app_page.wait_idle()

    page.reload()
    app_page.wait_idle()
    expect(indicator).to_have_value(INTERNET)
    expect(page).to_have_url(re.compile(r"indicator=IT\.NET\.USER\.ZS"))
    app_page.screenshot("compare")

    # Its table and back (the panel reruns alone), then a click on a bar filters the page.
    panel = page.locator(".st-key-cmp_ranking_panel")
    panel.get_by_role("tab", name="Table").click()
    app_page.wait_idle()
    expect(panel.locator("[data-testid=stDataFrame]")).to_be_visible()
    panel.get_by_role("tab", name="Chart").click()
    app_page.wait_idle()
    ranking = panel.locator("[data-testid=stPlotlyChart]")
    expect(ranking.locator("g.point path").first).to_be_visible()
    click_mark(page, ranking.locator("g.point path").last)
    expect(page).to_have_url(re.compile(r"country=[A-Z]{3}(&|$)"))
    app_page.wait_idle()
    expect(ranking.locator("g.point path")).to_have_count(1)
    # The whole page followed the click, not the ranking's panel alone.
    expect(page.get_by_text("The countries in the filter are drawn in colour")).to_be_visible()
    expect(app_page.chosen("Country")).to_have_count(1)
    app_page.assert_clean()


def test_switching_a_charts_tab_reruns_its_panel_alone(app_page) -> None:
    """A chart panel is a fragment: its Chart/Table tabs rerun the panel, not the page (whose
    sidebar, notes and other chart a full rerun sends again)."""
    page = app_page.page
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda _: received.append(1)))
    app_page.open("/compare?country=PAK,ROU")

    def messages(action) -> int:
        received.clear()
        action()
        app_page.wait_idle()
        return len(received)

    def rerun_page() -> None:
        page.get_by_role("heading", name="Compare indicators").click()
        page.keyboard.press("r")  # Streamlit's "rerun" shortcut: the whole page

    whole_page = messages(rerun_page)
    for chart_key in ("cmp_trend", "cmp_ranking"):
        panel = page.locator(f".st-key-{chart_key}_panel")
        to_table = messages(lambda p=panel: p.get_by_role("tab", name="Table").click())
        expect(panel.locator("[data-testid=stDataFrame]")).to_be_visible()
        to_chart = messages(lambda p=panel: p.get_by_role("tab", name="Chart").click())
        expect(panel.locator("[data-testid=stPlotlyChart]")).to_be_visible()
        assert 0 < to_table < whole_page / 2 and 0 < to_chart < whole_page / 2
    app_page.assert_clean()


def test_programmes_treemap_click_sets_the_programme_filter(app_page) -> None:
    app_page.open("/programmes")
    page = app_page.page
    expect(page.get_by_text("Pakistan's eligibility and route")).to_be_visible()
    treemap = page.locator("[data-testid=stPlotlyChart]").first
    expect(treemap.locator("g.slice").first).to_be_visible()
    app_page.screenshot("programmes")
    click_mark(page, treemap.locator("g.slice", has_text="Erasmus+").first)
    expect(page).to_have_url(re.compile(r"programme=erasmus-plus"))
    app_page.wait_idle()
    app_page.assert_clean()


def test_areas_matrix_cell_click_sets_country_and_area(app_page) -> None:
    app_page.open("/areas?country=ROU")
    page = app_page.page
    matrix = page.locator("[data-testid=stPlotlyChart]").first
    expect(matrix.locator("g.points path").first).to_be_visible()
    app_page.screenshot("areas")
    click_mark(page, matrix.locator("g.trace").first.locator("g.points path").first)
    expect(page).to_have_url(re.compile(r"area=[a-z-]+"))
    app_page.wait_idle()
    expect(page.get_by_text("Country profile: Romania")).to_be_visible()
    app_page.assert_clean()
