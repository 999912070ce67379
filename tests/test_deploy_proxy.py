"""Two replicas behind nginx, as deploy/ installs them: nginx from the project's own site file
(TLS, a cookie that keeps each browser on its replica, websockets), two `streamlit run`
processes on one PostgreSQL database, sign-in at oidc-provider-mock, Chromium."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.ui.reconnect import NOTICE
from tests.conftest import WatchedPage
from tests.deploy import Deployment, deployment, replica_of, tab
from tests.postgres import postgres_server  # noqa: F401 (fixture)
from tests.signin import EDITOR, oidc_provider, shown, sign_in  # noqa: F401 (fixture)
from tests.test_browser_signin import (
    NEW_SOURCE_CHOICE,
    assert_clean_but_provider,
    pick,
    record_meeting,
    type_date,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server,  # noqa: ANN001, F811
    oidc_provider,  # noqa: ANN001, F811
) -> Iterator[Deployment]:
    yield from deployment(
        tmp_path_factory.mktemp("deploy"), postgres_server.new_database(), oidc_provider
    )


def _served(deployed: Deployment, name: str, wait_for: str | None = None) -> list[tuple[str, str]]:
    """(path, replica) of every request the browser `name` made, from nginx's access log. A
    websocket is logged when it closes: with `wait_for`, wait (up to 10 s) for that path."""
    for _ in range(100):
        served = [
            (line.path.split("?")[0], line.replica)
            for line in deployed.proxy.log_lines()
            if line.agent.endswith(f"deployment-test/{name}")
        ]
        if wait_for is None or any(path.endswith(wait_for) for path, _ in served):
            return served
        time.sleep(0.1)
    raise AssertionError(f"no {wait_for} from {name} in nginx's access log")


def _followup_actions(app: WatchedPage) -> set[str]:
    """In the browser's session (no reload): the Follow-ups page through the sidebar, and the
    actions its CSV download lists. The download is a file the session made on its replica."""
    page = app.page
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="Follow-ups").click()
    app.wait_idle()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").first.click()
    with Path(download.value.path()).open(encoding="utf-8-sig") as f:
        return {row.get("Action") or "" for row in csv.DictReader(f)}


def test_sign_in_and_a_saved_meeting_through_the_proxy(
    browser,  # noqa: ANN001
    deployed: Deployment,
    oidc_provider,  # noqa: ANN001, F811
) -> None:
    deployed.ensure_running()
    action = "Proxy check: send the list of joint projects"
    editor = tab(browser, deployed, "editor")  # a new visitor: nginx picks its replica
    reader = None
    try:
        editor.open("/")
        home = replica_of(editor)
        # A colleague whom nginx placed on the other replica, with a page open already.
        reader = tab(browser, deployed, "reader", replica=deployed.other(home))
        reader.open("/")

        sign_in(editor, EDITOR)
        record_meeting(editor, "Proxy check: a meeting recorded through nginx", action)
        # The colleague's next rerun, on the other replica, shows it.
        assert action in _followup_actions(reader)
        assert replica_of(editor) == home
        assert replica_of(reader) == deployed.other(home)
        assert_clean_but_provider(editor, oidc_provider.url)
        reader.assert_clean()
    finally:
        editor.page.context.close()
        if reader is not None:
            reader.page.context.close()

    # Every request of each browser went to its own replica: the sign-in round trip (its
    # callback back on the replica that started it), the pages and the websockets.
    editor_served = _served(deployed, "editor", wait_for="/_stcore/stream")
    assert {replica for _, replica in editor_served} == {home}
    paths = [path for path, _ in editor_served]
    assert "/auth/login" in paths and "/oauth2callback" in paths
    reader_served = _served(deployed, "reader", wait_for="/_stcore/stream")
    assert {replica for _, replica in reader_served} == {deployed.other(home)}


def test_large_sign_in_cookies_pass_the_proxy(deployed: Deployment) -> None:
    """st.login's cookies come in 4 KB chunks; 12 KB of them must not be refused (nginx's
    default header buffers take 8 KB)."""
    deployed.ensure_running()
    cookies = "; ".join(f"_streamlit_user_tokens_{n}={'x' * 3000}" for n in range(1, 5))
    status, _, body = deployed.proxy.get("/", headers={"Cookie": cookies})
    assert status == 200 and b"<html" in body.lower()


def test_scripts_come_compressed_with_their_cache_lifetime(deployed: Deployment) -> None:
    deployed.ensure_running()
    _, _, page = deployed.proxy.get("/")
    script = next(part.split('"')[0] for part in page.decode().split('src="')[1:])
    encodings = ["gzip", "br"] if deployed.proxy.brotli else ["gzip"]
    for encoding in encodings:
        status, headers, body = deployed.proxy.get(
            "/" + script.lstrip("./"), headers={"Accept-Encoding": encoding}
        )
        assert status == 200 and headers["content-encoding"] == encoding
        assert headers["cache-control"] == "public, immutable, max-age=31536000"
        assert "Accept-Encoding" in headers["vary"]
        _, plain_headers, plain = deployed.proxy.get("/" + script.lstrip("./"))
        assert "content-encoding" not in plain_headers and len(body) < len(plain) / 2


def _recorded(deployed: Deployment, title: str) -> bool:
    store = deployed.store()
    try:
        return title in set(store.tables()["meetings"]["title"])
    finally:
        store.close()


def _fill_meeting_form(app: WatchedPage, title: str) -> None:
    """The Record a meeting form's fields as `record_meeting` fills them, on the page as it is
    (no reload), without a follow-up action and without saving."""
    page = app.page
    pick(app, "Partner", "Romania")
    type_date(app, "Date", "2026-11-21")
    pick(app, "Type", "Meeting")
    page.get_by_label("Title", exact=True).fill(title)
    pick(app, "Main source", NEW_SOURCE_CHOICE)
    page.get_by_label("Publisher", exact=True).fill("Ministry of Science and Technology")
    page.get_by_label("Source title", exact=True).fill("Press note on the drill")
    page.get_by_label("Link (URL)", exact=True).fill("https://most.gov.pk/press/2026-11-21")
    type_date(app, "Published on", "2026-11-21")
    page.get_by_label("Licence or terms", exact=True).fill("Government press release")


def test_a_stopped_replica_s_browsers_continue_on_the_other(
    browser,  # noqa: ANN001
    deployed: Deployment,
) -> None:
    deployed.ensure_running()
    action = "Failover check: share the drill notes"
    title = "Failover check: typed while the replica stopped"
    editor = tab(browser, deployed, "failover")
    page = editor.page
    try:
        editor.open("/")
        sign_in(editor, EDITOR)
        home = replica_of(editor)
        record_meeting(editor, "Failover check: saved before the replica stopped", action)
        # The next meeting, begun in the same session: half of the form filled in.
        page.get_by_label("Title", exact=True).fill(title)

        # The replica this browser is on stops; the page reconnects through the proxy.
        with page.expect_websocket():
            deployed.replicas[home].stop()
        survivor = deployed.other(home)

        # The person fills in the rest and presses Save. The other replica's new session did
        # not know the form: the press saves nothing, and the page says so. (Today's Record
        # forms are then drawn again empty: their widgets' keys count the forms saved in the
        # session, and this session has saved none.)
        _fill_meeting_form(editor, title)
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text(NOTICE.split("**")[1])).to_be_visible()
        editor.wait_idle()
        assert not _recorded(deployed, title)
        assert replica_of(editor) == survivor
        # Still signed in; filled in again and saved again, the meeting is saved, on the other
        # replica.
        expect(page.get_by_text(f"Signed in as {shown(EDITOR)} · editor")).to_be_visible()
        _fill_meeting_form(editor, title)
        page.get_by_role("button", name="Save").click()
        editor.wait_idle()
        assert _recorded(deployed, title)

        # The stopped replica is back. This browser stays on the replica that has its session,
        # so a file that session makes (a download) still reaches it; it holds what was saved
        # before the stop.
        deployed.replicas[home].start()
        assert action in _followup_actions(editor)
        assert replica_of(editor) == survivor
    finally:
        page.context.close()
