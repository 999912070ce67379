"""Markup inside data is shown as text, never run or rendered, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import FIXED_TODAY, WatchedPage, app_server_for
from tests.helpers import rewrite_cell

pytestmark = pytest.mark.browser

HOSTILE_TITLE = '<img src=x onerror="alert(1)"> **Forum** [link](javascript:alert(2))'


def test_markup_in_a_meeting_title_is_shown_literally(browser, data_copy, tmp_path) -> None:
    rewrite_cell(data_copy / "meetings.csv", 18, "title", HOSTILE_TITLE)  # 2025-08-09-ROU
    server = app_server_for(
        {
            "DASHBOARD_TODAY": FIXED_TODAY,
            "DASHBOARD_DATA_DIR": str(data_copy),
            "DASHBOARD_CACHE_DIR": str(tmp_path / "cache"),
        }
    )
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    dialogs: list[str] = []
    try:
        server.start()
        app_page = WatchedPage(context.new_page(), server.url)
        app_page.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        app_page.open("/timeline?event=2025-08-09-ROU")
        details = app_page.page.locator(".st-key-event_details")
        expect(details).to_contain_text('<img src=x onerror="alert(1)">')
        expect(details).to_contain_text("**Forum**")
        assert app_page.page.locator("img[src=x]").count() == 0
        assert details.locator("a[href^='javascript']").count() == 0
        assert dialogs == []
        app_page.assert_clean()
    finally:
        context.close()
        server.stop()
