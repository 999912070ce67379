"""The real app in a real browser: the home page loads, with nothing fetched from elsewhere."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_home_page_loads_without_errors(app_page) -> None:
    app_page.open("/")
    page = app_page.page
    assert page.locator("h1").first.inner_text().strip() != ""
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stAlertContentError]").count() == 0
    app_page.screenshot("home")
    app_page.assert_clean()


def test_sources_page_lists_every_table(app_page) -> None:
    app_page.open("/sources")
    page = app_page.page
    page.locator("[data-testid=stDataFrame]").first.wait_for()
    expect(page.get_by_text("Every table passed validation")).to_be_visible()
    app_page.screenshot("sources")
    app_page.assert_clean()
