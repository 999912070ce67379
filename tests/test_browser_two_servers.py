"""Two `streamlit run` processes on one real PostgreSQL (a shared deployment): a meeting saved
through one shows in the other at its next rerun."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from dashboard.bench.server import StreamlitServer
from tests.conftest import FIXED_TODAY, WatchedPage, app_server_for
from tests.postgres import postgres_server  # noqa: F401 (fixture)
from tests.signin import EDITOR, oidc_provider, sign_in, signin_server  # noqa: F401
from tests.test_browser_signin import record_meeting

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def two_servers(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server,  # noqa: ANN001, F811
    oidc_provider,  # noqa: ANN001, F811
) -> Iterator[tuple[StreamlitServer, StreamlitServer]]:
    """One app with sign-in (where the editor records) and one without (public reading), both
    on the same PostgreSQL database."""
    url = postgres_server.new_database()
    folder = tmp_path_factory.mktemp("two-servers")
    writing = signin_server(folder / "a", oidc_provider, public_read=True, database_url=url)
    reading = app_server_for(
        {
            "DASHBOARD_TODAY": FIXED_TODAY,
            "DASHBOARD_CACHE_DIR": str(folder / "b" / "cache"),
            "DASHBOARD_DATABASE_URL": url,
        }
    )
    try:
        writing.start()
        reading.start()
        yield writing, reading
    finally:
        writing.stop()
        reading.stop()


def _tab(browser, url: str) -> WatchedPage:  # noqa: ANN001
    page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    page.set_default_timeout(60_000)
    return WatchedPage(page, url)


def test_a_meeting_saved_through_one_process_shows_in_the_other(
    browser,  # noqa: ANN001
    two_servers: tuple[StreamlitServer, StreamlitServer],
) -> None:
    writing, reading = two_servers
    title = "Shared deployment check: meeting seen by the other process"
    reader = _tab(browser, reading.url)
    editor = _tab(browser, writing.url)
    try:
        reader.open("/timeline")  # a session already open before the save
        expect(reader.page.get_by_text(title)).to_have_count(0)

        editor.open("/")
        sign_in(editor, EDITOR)
        record_meeting(editor, title, "Send the list of joint projects")

        # The reader's next reruns, in the same session: to another page and back.
        sidebar = reader.page.locator("[data-testid=stSidebar]")
        sidebar.get_by_role("link", name="Follow-ups").click()
        reader.wait_idle()
        sidebar.get_by_role("link", name="Meetings timeline").click()
        reader.wait_idle()
        box = (
            reader.page.locator("[data-testid=stSelectbox]")
            .filter(has=reader.page.get_by_label("Event details", exact=True))
            .first
        )
        box.locator("input").click()
        reader.page.keyboard.type("Shared deployment check")
        reader.page.get_by_role("option").filter(has_text=title).first.click()
        reader.wait_idle()
        details = reader.page.locator(".st-key-event_details")
        expect(details.get_by_text(title, exact=True)).to_be_visible()
        details.get_by_text("Status history of these actions").click()
        expect(
            details.locator("strong").get_by_text("Send the list of joint projects")
        ).to_be_visible()
    finally:
        reader.page.context.close()
        editor.page.context.close()
