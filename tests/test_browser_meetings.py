"""Meetings timeline and follow-ups in a real browser: click an event, filter, follow an action."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PAGE_MENU_LINK

pytestmark = pytest.mark.browser

# Centre of the marker whose customdata[0] is the meeting id, read from plotly's own data.
MARKER_CENTRE_JS = """
(meetingId) => {
  const chart = document.querySelector('.js-plotly-plot');
  const traces = chart.querySelectorAll('.scatterlayer .trace');
  for (let t = 0; t < chart.data.length; t++) {
    const custom = chart.data[t].customdata || [];
    for (let p = 0; p < custom.length; p++) {
      if (custom[p] && custom[p][0] === meetingId) {
        const box = traces[t].querySelectorAll('.points path')[p].getBoundingClientRect();
        return {x: box.x + box.width / 2, y: box.y + box.height / 2};
      }
    }
  }
  return null;
}
"""


def _open_via_sidebar(app_page, start: str, page_title: str) -> None:
    """Open `start` (the home page, maybe with filters) and go to a page as a user does."""
    app_page.open(start)
    app_page.page.locator(PAGE_MENU_LINK, has_text=page_title).click()
    app_page.wait_idle()


def _details(app_page):
    return app_page.page.locator(".st-key-event_details")


def test_clicking_an_event_opens_its_details_with_the_source_link(app_page) -> None:
    _open_via_sidebar(app_page, "/", "Meetings timeline")
    page = app_page.page
    page.locator(".js-plotly-plot .scatterlayer .points path").first.wait_for()
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    centre = page.evaluate(MARKER_CENTRE_JS, "2025-08-09-ROU")
    assert centre is not None, "the Romania meeting of 2025-08-09 is not on the chart"
    page.mouse.move(centre["x"], centre["y"])
    page.mouse.click(centre["x"], centre["y"])
    expect(page).to_have_url(re.compile(r"event=2025-08-09-ROU"))
    app_page.wait_idle()
    details = _details(app_page)
    expect(details).to_contain_text("Magsi meets Romanian Ambassador Dan Stoenescu")
    expect(details.get_by_role("link", name="Open the source document")).to_have_attribute(
        "href", re.compile(r"^https://pid\.gov\.pk/")
    )
    expect(details).to_contain_text("Invitation to Federal Minister Khalid Hussain Magsi")
    app_page.screenshot("timeline")
    app_page.assert_clean()


def test_romania_filter_shows_only_romanias_events(app_page) -> None:
    _open_via_sidebar(app_page, "/?country=ROU", "Meetings timeline")
    page = app_page.page
    expect(page).to_have_url(re.compile(r"/timeline\?country=ROU"))
    expect(
        page.get_by_text(re.compile(r"4 event\(s\) with 1 partner\(s\): Romania"))
    ).to_be_visible()
    page.locator(".js-plotly-plot .scatterlayer .points path").first.wait_for()
    expect(page.locator(".js-plotly-plot .ytick text")).to_have_text(["Romania"])
    app_page.assert_clean()


def test_following_an_action_opens_its_meeting(app_page) -> None:
    _open_via_sidebar(app_page, "/?country=ROU", "Follow-ups")
    page = app_page.page
    flagged = page.locator("[data-testid=stDataFrame]").first
    expect(flagged).to_be_visible()
    app_page.screenshot("followups")
    picker = page.locator("[data-testid=stSelectbox]").filter(
        has_text="Open the meeting behind an action"
    )
    picker.locator("input").click()
    page.keyboard.type("Romania–Pakistan Science and Technology Forum")
    page.get_by_role("option").first.click()
    app_page.wait_idle()
    page.get_by_role("button", name="Open meeting").click()
    expect(page).to_have_url(re.compile(r"/timeline\?.*event=2025-08-09-ROU"))
    app_page.wait_idle()
    details = _details(app_page)
    expect(details).to_contain_text("Magsi meets Romanian Ambassador Dan Stoenescu")
    expect(details.get_by_role("link", name="Open the source document")).to_be_visible()
    app_page.assert_clean()


def test_clicking_a_country_bar_filters_the_follow_ups(app_page) -> None:
    _open_via_sidebar(app_page, "/", "Follow-ups")
    page = app_page.page
    chart = page.locator(".st-key-followups_by_country .js-plotly-plot")
    chart.locator(".barlayer .point path").first.wait_for()
    chart.scroll_into_view_if_needed()
    box = chart.evaluate(
        """(chart) => {
          const t = chart.data.findIndex((trace) => trace.name === 'Proposed');
          const p = chart.data[t].customdata.findIndex((row) => row[0] === 'ROU');
          const bar = chart.querySelectorAll('.barlayer .trace')[t].querySelectorAll('.point')[p];
          const r = bar.getBoundingClientRect();
          return {x: r.x + r.width / 2, y: r.y + r.height / 2};
        }"""
    )
    page.mouse.move(box["x"], box["y"])
    page.mouse.click(box["x"], box["y"])
    expect(page).to_have_url(re.compile(r"country=ROU"))
    app_page.wait_idle()
    expect(page.get_by_test_id("stMetric").filter(has_text="Actions shown")).to_contain_text("6")
    app_page.assert_clean()
