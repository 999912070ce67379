"""Sign-in and roles in a real browser: a real OpenID Connect provider, a real streamlit server
with ``public_read = false``, Chromium driven through the provider's login form."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from itsdangerous import URLSafeTimedSerializer
from playwright.sync_api import expect

from dashboard.bench.server import StreamlitServer
from dashboard.records import AccessRules, RecordsStore
from tests.conftest import DATA_DIR, PAGE_MENU_LINK, WatchedPage
from tests.signin import (
    COOKIE_SECRET,
    EDITOR,
    VIEWER,
    oidc_provider,  # noqa: F401 (fixture)
    shown,
    sign_in,
    sign_out,
    signin_server,
)

pytestmark = pytest.mark.browser
USER_COOKIE = "_streamlit_user"
RECORD_PAGES = ["/record_meeting", "/update_followup", "/correct_meeting", "/changes"]


@pytest.fixture(scope="module")
def private_server(
    tmp_path_factory: pytest.TempPathFactory,
    oidc_provider,  # noqa: ANN001, F811
) -> Iterator[StreamlitServer]:
    """The app with sign-in, public_read = false, on its own SQLite records database."""
    folder = tmp_path_factory.mktemp("signin")
    server = signin_server(
        folder, oidc_provider, public_read=False, database_url=f"sqlite:///{folder / 'r.sqlite'}"
    )
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def visitor(browser, private_server: StreamlitServer) -> Iterator[WatchedPage]:  # noqa: ANN001
    """A fresh browser (no cookies) on the private app, recording what the websocket brings."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    watched = WatchedPage(page, private_server.url)
    watched.received = []  # type: ignore[attr-defined]
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda frame: watched.received.append(  # type: ignore[attr-defined]
                frame if isinstance(frame, bytes) else frame.encode()
            ),
        ),
    )
    try:
        yield watched
    finally:
        context.close()


def assert_clean_but_provider(app: WatchedPage, provider_url: str) -> None:
    """No request left the app's server except the sign-in round trip to the provider (whose
    own page asks a CDN for its stylesheet; the test browser resolves no outside host)."""
    provider_page = (provider_url, "https://cdn.jsdelivr.net/npm/@picocss/")
    app.foreign_requests = [r for r in app.foreign_requests if not r.startswith(provider_page)]
    app.console_errors = [
        e for e in app.console_errors if not any(page in e for page in provider_page)
    ]
    app.assert_clean()


def _meeting_titles() -> list[str]:
    with (DATA_DIR / "meetings.csv").open(encoding="utf-8", newline="") as f:
        return [row["title"] for row in csv.DictReader(f) if row["title"]]


def _shows_sign_in_page_only(app: WatchedPage) -> None:
    expect(app.page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(app.page.get_by_text("Please sign in")).to_be_visible()
    assert app.page.locator(PAGE_MENU_LINK).count() == 0
    assert app.page.locator("[data-testid=stException]").count() == 0


def test_signed_out_visitor_gets_the_sign_in_page_and_no_data(visitor: WatchedPage) -> None:
    titles = _meeting_titles()
    for path in ("/", "/timeline", "/followups", "/record_meeting"):
        visitor.open(path)
        _shows_sign_in_page_only(visitor)
        html = visitor.page.content()
        received = b"".join(visitor.received)  # type: ignore[attr-defined]
        for secret in ["Romania", "Horizon Europe", *titles[:5]]:
            assert secret not in html, f"{secret!r} in the page at {path}"
            assert secret.encode() not in received, f"{secret!r} sent over the websocket"
    visitor.assert_clean()


def test_sign_out_clears_the_session(visitor: WatchedPage) -> None:
    visitor.open("/")
    sign_in(visitor, VIEWER)
    expect(visitor.page.get_by_text("Overview").first).to_be_visible()
    sign_out(visitor)
    _shows_sign_in_page_only(visitor)
    visitor.open("/followups")  # a new session in the same browser: still signed out
    _shows_sign_in_page_only(visitor)


def _user_payload(app: WatchedPage) -> tuple[dict, dict]:
    cookie = next(c for c in app.page.context.cookies() if c["name"] == USER_COOKIE)
    payload = URLSafeTimedSerializer(COOKIE_SECRET, salt=USER_COOKIE).loads(cookie["value"])
    return cookie, json.loads(payload)


@pytest.mark.parametrize("fault", ["tampered", "expired"])
def test_a_tampered_or_expired_cookie_means_signed_out(visitor: WatchedPage, fault: str) -> None:
    visitor.open("/")
    sign_in(visitor, VIEWER)
    cookie, payload = _user_payload(visitor)
    if fault == "tampered":
        # Someone edits the cookie to claim the editor's address: the signature no longer fits.
        payload["email"] = EDITOR
        value = URLSafeTimedSerializer("not-the-secret", salt=USER_COOKIE).dumps(
            json.dumps(payload)
        )
    else:
        # Correctly signed, but 60 days ago: past the cookie's lifetime.
        with mock.patch("itsdangerous.timed.time.time", return_value=time.time() - 60 * 86400):
            value = URLSafeTimedSerializer(COOKIE_SECRET, salt=USER_COOKIE).dumps(
                json.dumps(payload)
            )
    context = visitor.page.context
    context.clear_cookies(name=USER_COOKIE)
    context.add_cookies([{**cookie, "value": value}])
    visitor.open("/")
    _shows_sign_in_page_only(visitor)


def test_a_viewer_sees_no_record_form_anywhere(
    visitor: WatchedPage,
    oidc_provider,  # noqa: ANN001, F811
) -> None:
    visitor.open("/")
    sign_in(visitor, VIEWER)
    expect(visitor.page.get_by_text(f"Signed in as {shown(VIEWER)} · viewer")).to_be_visible()
    for path in RECORD_PAGES:
        visitor.open(path)
        expect(visitor.page.get_by_text("recording here needs the editor role")).to_be_visible()
        assert visitor.page.locator("[data-testid=stForm]").count() == 0, path
    visitor.open("/update_followup?action=" + _an_action_id())
    expect(visitor.page.get_by_text("Status history")).to_be_visible()
    assert visitor.page.locator("[data-testid=stForm]").count() == 0
    assert_clean_but_provider(visitor, oidc_provider.url)


def _an_action_id() -> str:
    with (DATA_DIR / "followups.csv").open(encoding="utf-8", newline="") as f:
        return next(csv.DictReader(f))["action_id"]


# The main source's choice for a source described in the form (ui/meeting_form.py).
NEW_SOURCE_CHOICE = "➕ A new source: describe it under “New source” below"


def pick(app: WatchedPage, label: str, option: str) -> None:
    """Choose `option` in the selectbox labelled `label`, as a user types it."""
    box = (
        app.page.locator("[data-testid=stSelectbox]")
        .filter(has=app.page.get_by_label(label, exact=True))
        .first
    )
    box.locator("input").click()
    app.page.keyboard.type(option)
    app.page.get_by_role("option", name=option, exact=True).first.click()


def type_date(app: WatchedPage, label: str, day: str) -> None:
    """Type a date (YYYY-MM-DD) into the date field labelled `label`, segment by segment."""
    field = app.page.get_by_label(label, exact=True)
    field.locator("[role=spinbutton]").first.click()
    app.page.keyboard.type(day.replace("-", ""))


def record_meeting(app: WatchedPage, title: str, action: str) -> None:
    """Fill in and save the Record a meeting form: Romania, 2026-11-20, a new source and one
    follow-up action."""
    app.open("/record_meeting")
    pick(app, "Partner", "Romania")
    type_date(app, "Date", "2026-11-20")
    pick(app, "Type", "Meeting")
    app.page.get_by_label("Title", exact=True).fill(title)
    pick(app, "Main source", NEW_SOURCE_CHOICE)
    app.page.get_by_label("Publisher", exact=True).fill("Ministry of Science and Technology")
    app.page.get_by_label("Source title", exact=True).fill("Press note on the meeting")
    app.page.get_by_label("Link (URL)", exact=True).fill("https://most.gov.pk/press/2026-11-20")
    type_date(app, "Published on", "2026-11-20")
    app.page.get_by_label("Licence or terms", exact=True).fill("Government press release")
    app.page.get_by_label("Action", exact=True).first.fill(action)
    pick(app, "Kind of action", "MoU")
    app.page.get_by_role("button", name="Save").click()
    expect(app.page.get_by_text("with 1 follow-up action(s)").first).to_be_visible()
    app.wait_idle()


def test_an_editor_records_a_meeting_and_updates_its_follow_up(
    visitor: WatchedPage,
    oidc_provider,  # noqa: ANN001, F811
) -> None:
    page = visitor.page
    visitor.open("/")
    sign_in(visitor, EDITOR)
    expect(page.get_by_text(f"Signed in as {shown(EDITOR)} · editor")).to_be_visible()
    title = "Joint working group on <b>AI</b> — Întâlnire"
    action = "Exchange the draft MoU text"
    record_meeting(visitor, title, action)

    # The confirmation's link opens the meeting on the timeline, with its follow-up.
    page.get_by_role("link", name="Open it on the meetings timeline").click()
    visitor.wait_idle()
    details = page.locator(".st-key-event_details")
    expect(details.get_by_text(title, exact=True)).to_be_visible()  # markup shown as text
    page.get_by_text("Status history of these actions").click()
    expect(details.locator("strong").get_by_text(action)).to_be_visible()
    expect(
        details.get_by_text(f"Proposed from 2026-11-20 (reported) · recorded by {shown(EDITOR)}")
    ).to_be_visible()

    # Update the follow-up from the Follow-ups page.
    visitor.open("/followups")
    pick(visitor, "Open the meeting behind an action", f"Romania · {action}")
    page.get_by_role("link", name="Update this follow-up's status").click()
    visitor.wait_idle()
    pick(visitor, "New status", "Agreed")
    type_date(visitor, "Took effect on", "2026-11-27")
    page.get_by_label("Note", exact=True).fill("Both sides confirmed by letter")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("is now Agreed").first).to_be_visible()  # the page and a toast

    page.get_by_role("link", name="Open its meeting on the timeline").click()
    visitor.wait_idle()
    page.get_by_text("Status history of these actions").click()
    details = page.locator(".st-key-event_details")
    expect(
        details.get_by_text(
            "Agreed from 2026-11-27 (reported) — Both sides confirmed by letter · recorded by "
            + shown(EDITOR)
        )
    ).to_be_visible()
    page.get_by_text("History", exact=True).click()
    expect(details.get_by_text(f"· {shown(EDITOR)} · insert")).to_be_visible()

    # The follow-ups table (its CSV download holds what the table shows) has the new status.
    visitor.open("/followups")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").first.click()
    with Path(download.value.path()).open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    ours = [row for row in rows if row.get("Action") == action]
    assert len(ours) == 1 and ours[0]["Status"] == "Agreed", ours
    assert_clean_but_provider(visitor, oidc_provider.url)


def test_a_stale_edit_is_refused_and_shows_what_changed_meanwhile(
    visitor: WatchedPage, private_server: StreamlitServer
) -> None:
    with (DATA_DIR / "meetings.csv").open(encoding="utf-8", newline="") as f:
        meeting_id = next(csv.DictReader(f))["meeting_id"]
    visitor.open("/")
    sign_in(visitor, EDITOR)
    visitor.open(f"/correct_meeting?meeting={meeting_id}")
    page = visitor.page
    expect(page.get_by_label("Place", exact=True)).to_be_visible()

    # Meanwhile a colleague saves a correction to the same meeting.
    store = RecordsStore(private_server.env["DASHBOARD_DATABASE_URL"])
    colleague = AccessRules.from_mapping({"editors": ["@most.gov.pk"]}).identity_for(
        "colleague@most.gov.pk"
    )
    store.correct_meeting(colleague, meeting_id, {"location": "Islamabad (corrected)"})

    page.get_by_label("Title", exact=True).fill("My correction, made on the old version")
    page.get_by_role("button", name="Save").click()
    warning = page.get_by_text("Nothing was saved: someone else changed this record")
    expect(warning).to_be_visible()
    expect(page.get_by_text("now Islamabad (corrected)")).to_be_visible()
    now = store.meeting(meeting_id)
    assert now["location"] == "Islamabad (corrected)"
    assert now["title"] != "My correction, made on the old version"
    store.close()
