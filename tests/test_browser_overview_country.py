"""Overview and country profile in a real browser: metrics, maps drawn from the app's own
server, a map click that sets the country filter in the URL, and Romania's profile."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import WatchedPage

pytestmark = pytest.mark.browser

MAP_COUNTRIES = ".js-plotly-plot .choroplethlayer path.choroplethlocation"
# Drawing a map waits for its world outline; give it longer than expect's default 5 s.
DRAWN = 30_000
PARTNERS_ON_MAP = {
    "AZE",
    "BGD",
    "BLR",
    "CHN",
    "IRN",
    "KAZ",
    "KGZ",
    "KOR",
    "PSE",
    "ROU",
    "RUS",
    "TJK",
    "TUR",
    "UZB",
}


def test_overview_shows_metrics_and_a_map_drawn_locally(app_page) -> None:
    app_page.open("/")
    page = app_page.page
    metrics = page.locator("[data-testid=stMetric]")
    expect(metrics).to_have_count(4)
    expect(metrics.filter(has_text="Meetings in the period")).to_be_visible()
    expect(metrics.filter(has_text="EU budget reachable")).to_contain_text("€121.7 bn")
    # The world outline and the partner countries are SVG paths: the topojson was served.
    expect(page.locator(".js-plotly-plot .geolayer path").first).to_be_attached()
    expect(page.locator(MAP_COUNTRIES)).to_have_count(14, timeout=DRAWN)
    app_page.screenshot("overview")
    app_page.assert_clean()


def test_clicking_a_country_on_the_map_sets_the_country_filter(app_page) -> None:
    app_page.open("/")
    page = app_page.page
    countries = page.locator(MAP_COUNTRIES)
    expect(countries).to_have_count(14, timeout=DRAWN)
    countries.first.click(force=True)
    expect(page).to_have_url(re.compile(r"[?&]country=[A-Z]{3}$"))
    app_page.wait_idle()
    assert page.url.rsplit("=", 1)[1] in PARTNERS_ON_MAP
    partners = page.locator("[data-testid=stMetric]").filter(has_text="Partners tracked")
    expect(partners.locator("[data-testid=stMetricValue]")).to_have_text("1")
    country_filter = page.locator("[data-testid=stMultiSelect]").first
    expect(country_filter.locator("[data-tag]")).to_have_count(1)
    app_page.assert_clean()


def test_country_page_for_romania_shows_its_hubs_on_their_tab(app_page) -> None:
    app_page.open("/country?country=ROU")
    page = app_page.page
    expect(page.locator("h2").filter(has_text="Romania")).to_be_visible()
    expect(page.get_by_role("heading", name="Open follow-ups")).to_be_visible()
    expect(page.locator("[data-testid=stMetric]")).to_have_count(6)
    expect(page.locator(".js-plotly-plot")).to_have_count(1)  # the indicator's trend
    expect(page.get_by_text("Hubs: Cluj-Napoca, Timișoara")).to_have_count(0)
    page.get_by_role("tab", name="Companies and hubs").click()
    expect(page.get_by_text("Hubs: Cluj-Napoca, Timișoara")).to_be_visible()
    expect(page.get_by_role("heading", name="Open follow-ups")).to_have_count(0)
    expect(page.get_by_role("heading", name="Tech hubs in Romania")).to_be_visible()
    hubs_chart = page.locator(".js-plotly-plot").filter(has=page.locator(".scattergeo"))
    expect(hubs_chart).to_be_visible(timeout=DRAWN)
    expect(hubs_chart.locator(".scattergeo text").filter(has_text="Timișoara")).to_have_count(
        1, timeout=DRAWN
    )
    expect(hubs_chart.locator(".geolayer path").first).to_be_attached()
    app_page.screenshot("country")
    app_page.assert_clean()


def test_picking_a_country_on_the_profile_changes_the_url_and_the_page(app_page) -> None:
    app_page.open("/country?country=ROU,KOR")
    page = app_page.page
    expect(page.locator("h2").filter(has_text="Romania")).to_be_visible()
    picker = page.locator("[data-testid=stSelectbox]").filter(has_text="Country").first
    picker.click()
    page.keyboard.type("Türkiye")
    page.get_by_role("option", name="Türkiye", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"[?&]country=TUR(,|%2C)KOR$"))
    app_page.wait_idle()
    expect(page.locator("h2").filter(has_text="Türkiye")).to_be_visible()
    expect(page.get_by_text("Compared with Pakistan and South Korea.")).to_be_visible()
    # A change draws one chart and at most the open tab's two tables (meetings, open
    # follow-ups; a notice instead of one that has nothing recorded).
    expect(page.locator(".js-plotly-plot")).to_have_count(1)
    expect(page.get_by_role("heading", name="Open follow-ups")).to_be_visible()
    assert page.locator("[data-testid=stDataFrame]").count() <= 2
    app_page.assert_clean()


@pytest.mark.parametrize("width", [1440, 390])
def test_country_headline_figures_wrap_and_are_read_whole(browser, app_server, width) -> None:
    """The headline figures share rows on a desk and wrap on a phone, each label and value
    shown whole (not cut short with an ellipsis) and inside the screen."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        app_page = WatchedPage(context.new_page(), app_server.url)
        app_page.open("/country?country=ROU")
        page = app_page.page
        metrics = page.locator("[data-testid=stMetric]")
        expect(metrics).to_have_count(6)
        expect(metrics.first).to_contain_text("R&D spend (% of GDP), 2023")
        boxes = [metrics.nth(i).bounding_box() for i in range(6)]
        assert all(box and box["x"] >= 0 and box["x"] + box["width"] <= width for box in boxes)
        rows = len({round(box["y"]) for box in boxes if box})
        assert rows <= 2 if width > 1000 else rows == 6
        cut = metrics.locator("[data-testid=stMetricLabel] p, [data-testid=stMetricValue] div")
        assert cut.count() >= 6
        assert (
            cut.evaluate_all("els => els.filter(e => e.scrollWidth > e.clientWidth + 1).length")
            == 0
        )
        app_page.screenshot(f"country-headlines-{width}")
        app_page.assert_clean()
    finally:
        context.close()
