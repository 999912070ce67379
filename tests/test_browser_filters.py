"""The shared filters in a real browser: URL both ways, across pages, against hostile links."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import FIXED_TODAY, PAGE_MENU_LINK, WatchedPage, app_server_for

pytestmark = pytest.mark.browser


def test_changing_a_filter_updates_the_url_and_reload_restores_it(app_page) -> None:
    app_page.open("/")
    app_page.choose("Country", "Romania")
    expect(app_page.page).to_have_url(re.compile(r"country=ROU"))
    app_page.wait_idle()

    app_page.page.reload()
    app_page.wait_idle()
    expect(app_page.chosen("Country")).to_have_text(["Romania"])
    app_page.assert_clean()


def test_filters_survive_switching_pages(app_page) -> None:
    app_page.open("/?country=ROU&area=ai")
    app_page.page.locator(PAGE_MENU_LINK, has_text="Sources").click()
    expect(app_page.page).to_have_url(re.compile(r"/sources\?.*country=ROU"))
    expect(app_page.page).to_have_url(re.compile(r"area=ai"))
    app_page.wait_idle()
    expect(app_page.chosen("Country")).to_have_text(["Romania"])
    app_page.assert_clean()


def test_a_shared_link_opens_the_same_view_on_another_page(app_page) -> None:
    app_page.open("/sources?country=PAK,ROU&from=2025-01-01")
    tags = app_page.chosen("Country")
    expect(tags).to_have_text(["Pakistan", "Romania"])
    dates = app_page.page.locator("[data-testid=stSidebar] [data-testid=stDateInput] input")
    expect(dates.first).to_have_value("2025-01-01")
    app_page.assert_clean()


HOSTILE = [
    "/?country=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "/?country=ZZZ&country=ROU&country=ROU",
    "/?country=" + "A" * 5000,
    "/?from=99999-99-99&to=yesterday",
    "/?area=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&programme=..%2F..%2Fetc",
]


@pytest.mark.parametrize("path", HOSTILE)
def test_hostile_links_show_a_notice_and_no_error(app_page, path: str) -> None:
    dialogs: list[str] = []
    app_page.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    app_page.open(path)
    notices = app_page.page.locator("[data-testid=stAlertContentInfo]")
    expect(notices.first).to_contain_text("Ignored")
    assert dialogs == [], "markup from the URL was executed"
    assert app_page.page.locator("img[src=x]").count() == 0
    assert "ZZZ" not in app_page.page.url and "script" not in app_page.page.url
    app_page.assert_clean()


def test_a_deep_link_is_the_first_request_a_new_server_gets(browser, tmp_path) -> None:
    """A colleague's link opened before anyone visited the home page still gets the full app:
    the page menu, the filter sidebar and the link's filters."""
    server = app_server_for({"DASHBOARD_TODAY": FIXED_TODAY, "DASHBOARD_CACHE_DIR": str(tmp_path)})
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        server.start()
        app_page = WatchedPage(context.new_page(), server.url)
        app_page.open("/compare?country=ROU")
        expect(app_page.chosen("Country")).to_have_text(["Romania"])
        expect(app_page.page.locator(PAGE_MENU_LINK, has_text="Compare indicators")).to_be_visible()
        app_page.assert_clean()
    finally:
        context.close()
        server.stop()


def test_the_benchmark_switches_pages_through_the_sidebar_menu(app_page) -> None:
    """The benchmark opens each page as a user does, by its link in the sidebar menu; when the
    menu changes shape the benchmark must still find the links (it once silently could not)."""
    from dashboard.bench.browser import open_page

    app_page.open("/")
    for path, title in (("/compare", "Compare indicators"), ("/", "S&T Partnerships Dashboard")):
        open_page(app_page.page, path, timeout_ms=30_000)
        expect(app_page.page.get_by_role("heading", level=1)).to_have_text(title)
    app_page.assert_clean()
