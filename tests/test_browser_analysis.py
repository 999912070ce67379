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

    ranking = page.locator("[data-testid=stPlotlyChart]").nth(1)
    click_mark(page, ranking.locator("g.point path").last)
    expect(page).to_have_url(re.compile(r"country=[A-Z]{3}(&|$)"))
    app_page.wait_idle()
    expect(ranking.locator("g.point path")).to_have_count(1)
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
