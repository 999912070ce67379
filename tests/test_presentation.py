"""Presentation mode: the current view's charts one per slide, without the app's chrome."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import page_text, run_app


def test_presentation_mode_shows_one_chart_at_a_time_and_steps_through() -> None:
    at = run_app("views/country.py", query={"country": "ROU", "present": "1"})
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1
    first = page_text(at)
    match = re.search(r"slide 1 of (\d+)", first)
    assert match and int(match.group(1)) >= 2
    at.button(key="slide_next").click().run()
    assert "slide 2 of" in page_text(at)
    at.button(key="slide_prev").click().run()
    assert "slide 1 of" in page_text(at)


def test_leaving_presentation_mode_brings_the_page_back() -> None:
    at = run_app("views/country.py", query={"country": "ROU", "present": "1"})
    at.button(key="exit_present").click().run()
    assert not at.exception
    assert "slide 1 of" not in page_text(at)
    # The profile again: its headline figures and its one chart (the trend).
    assert len(at.metric) >= 1
    assert len(at.get("plotly_chart")) == 1


@pytest.mark.browser
def test_presentation_hides_the_sidebar_and_moves_between_charts(app_page) -> None:
    app_page.open("/country?country=ROU&present=1")
    page = app_page.page
    expect(page.get_by_text(re.compile(r"slide 1 of \d+"))).to_be_visible()
    expect(page.locator("[data-testid=stSidebar]")).to_be_hidden()
    expect(page.locator(".js-plotly-plot")).to_have_count(1)
    slide_title = page.locator("[data-testid=stMain] h2").first
    expect(slide_title).to_be_visible()
    first_title = slide_title.text_content()

    page.get_by_role("button", name="Next ▶").click()
    expect(page.get_by_text(re.compile(r"slide 2 of \d+"))).to_be_visible()
    app_page.wait_idle()
    expect(slide_title).not_to_have_text(first_title or "")
    app_page.screenshot("presentation-slide-2")

    page.get_by_role("button", name="◀ Previous").click()
    expect(page.get_by_text(re.compile(r"slide 1 of \d+"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"present=1"))
    app_page.assert_clean()
