"""The Record pages as a new editor meets them, in Chromium at 1440 and 390 px: required fields
refused next to the field, one meeting per double click, a sources picker where Enter picks one
source, an empty form and a confirmation in view after Save, words instead of codes in every
choice, no data filters, a phone menu that closes, and "Signed out" after signing out.

One real app with sign-in (the OIDC mock) serves the whole module; each width signs in once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from dashboard.bench.server import StreamlitServer
from dashboard.records import RecordsStore
from tests.conftest import DATA_DIR, PAGE_MENU_LINK, WatchedPage
from tests.signin import (
    ADMIN,
    EDITOR,
    VIEWER,
    oidc_provider,  # noqa: F401 (fixture)
    sign_in,
    signin_server,
)

pytestmark = pytest.mark.browser
WIDTHS = {"desktop": 1440, "phone": 390}
ROMANIA_SOURCE = "pid-2025-08-09-romania"
# Codes a person must never have to read: every coded value whose label differs from it.
CODES = {
    row["value"]
    for row in csv.DictReader((DATA_DIR / "labels.csv").open(encoding="utf-8"))
    if row["value"] != row["label"]
}
NOT_PARTNERS = ["Africa Eastern and Southern", "Antarctica", "World", "Euro area"]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    oidc_provider,  # noqa: ANN001, F811
) -> Iterator[StreamlitServer]:
    folder = tmp_path_factory.mktemp("record-pages")
    app = signin_server(
        folder, oidc_provider, public_read=True, database_url=f"sqlite:///{folder / 'r.sqlite'}"
    )
    try:
        yield app.start()
    finally:
        app.stop()


@pytest.fixture(scope="module")
def store(server: StreamlitServer) -> Iterator[RecordsStore]:
    records = RecordsStore(server.env["DASHBOARD_DATABASE_URL"], DATA_DIR)
    try:
        yield records
    finally:
        records.close()


def _signed_in(browser, server: StreamlitServer, width: int, email: str) -> Iterator[WatchedPage]:  # noqa: ANN001
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    app = WatchedPage(page, server.url)
    try:
        app.open("/")
        if width < 768:  # on a phone the menu, with Sign in, is behind the menu button
            page.get_by_test_id("stExpandSidebarButton").click()
        sign_in(app, email)
        # The round trip to the provider (and its page's stylesheet) is sign-in, not the app.
        app.foreign_requests.clear()
        app.console_errors.clear()
        yield app
    finally:
        context.close()


@pytest.fixture(scope="module", params=list(WIDTHS))
def editor(request: pytest.FixtureRequest, browser, server: StreamlitServer):  # noqa: ANN001, ANN201
    yield from _signed_in(browser, server, WIDTHS[request.param], EDITOR)


@pytest.fixture(scope="module")
def admin(browser, server: StreamlitServer):  # noqa: ANN001, ANN201
    yield from _signed_in(browser, server, WIDTHS["desktop"], ADMIN)


def visit(app: WatchedPage, path: str) -> None:
    """Open `path`; on a phone, with the menu closed (it covers the page when open)."""
    app.open(path)
    if width_of(app) < 768:
        collapse = app.page.get_by_test_id("stSidebarCollapseButton").locator("button")
        if collapse.is_visible():
            collapse.click()
        expect(app.page.get_by_test_id("stSidebar")).not_to_be_in_viewport()


def width_of(app: WatchedPage) -> int:
    return app.page.viewport_size["width"]


def field(app: WatchedPage, kind: str, label: str):  # noqa: ANN201
    """The widget of `kind` (its data-testid) labelled `label`."""
    page = app.page
    return page.get_by_test_id(kind).filter(has=page.get_by_label(label, exact=True)).first


def pick(app: WatchedPage, label: str, typed: str, option: str | None = None) -> None:
    """Choose in the selectbox labelled `label` as a person does: type, then click the option."""
    box = field(app, "stSelectbox", label)
    box.locator("input").click()
    app.page.keyboard.type(typed)
    app.page.get_by_role("option", name=option or typed, exact=True).first.click()


def type_date(app: WatchedPage, label: str, day: str) -> None:
    field(app, "stDateInput", label).locator("[role=spinbutton]").first.click()
    app.page.keyboard.type(day.replace("-", ""))


def fill_meeting(app: WatchedPage, title: str | None, day: str = "2026-11-20") -> None:
    """Partner, date, type, title (unless None) and an existing main source."""
    pick(app, "Partner", "Romania")
    type_date(app, "Date", day)
    pick(app, "Type", "Meeting")
    if title is not None:
        app.page.get_by_label("Title", exact=True).fill(title)
    pick(app, "Main source", "2025-08-09 · PR No. 100", _source_label())


def _source_label() -> str:
    import pandas as pd

    sources = pd.read_csv(DATA_DIR / "sources.csv").set_index("source_id")
    row = sources.loc[ROMANIA_SOURCE]
    return f"{row['publisher']} · {row['published']} · {row['title']}"


def save(app: WatchedPage) -> None:
    app.page.get_by_role("button", name="Save").click()


def titled(store: RecordsStore, title: str) -> int:
    meetings = store.tables()["meetings"]
    return int((meetings["title"] == title).sum())


def test_an_empty_title_is_refused_next_to_its_field(editor: WatchedPage, store) -> None:  # noqa: ANN001
    visit(editor, "/record_meeting")
    expect(field(editor, "stTextInput", "Title")).to_contain_text("(required)")
    fill_meeting(editor, None)
    before = len(store.tables()["meetings"])
    save(editor)
    # Refused in the browser, before anything is sent: the field is marked, in view, and says
    # why (to screen readers, and in the tooltip of its mark).
    title = field(editor, "stTextInput", "Title")
    expect(title.locator("input")).to_have_attribute("aria-invalid", "true")
    expect(title.locator("input")).to_be_in_viewport()
    expect(title.get_by_role("alert")).to_have_text("This field is required.")
    expect(editor.page.get_by_role("button", name="Save")).to_be_enabled()
    assert len(store.tables()["meetings"]) == before
    editor.assert_clean()


def test_two_clicks_make_one_meeting(editor: WatchedPage, store) -> None:  # noqa: ANN001
    title = f"Double-clicked talks at {width_of(editor)} px"
    visit(editor, "/record_meeting")
    fill_meeting(editor, title)
    editor.page.get_by_role("button", name="Save").dblclick()
    confirmation = editor.page.get_by_test_id("stAlertContentSuccess")
    expect(confirmation.get_by_text(f"Recorded “{title}”")).to_be_visible()
    editor.wait_idle()
    assert titled(store, title) == 1
    editor.assert_clean()


def test_enter_in_the_sources_picker_picks_one_source(editor: WatchedPage) -> None:
    visit(editor, "/record_meeting")
    page = editor.page
    others = editor.multiselect("Other sources")
    others.locator("input").click()
    page.keyboard.type("Daily Times")
    expect(page.get_by_role("option").first).to_be_visible()
    assert page.get_by_role("option", name=re.compile("^Select")).count() == 0
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    chips = editor.chosen("Other sources")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Daily Times")
    # The main source is one choice of its own, shown as the main source.
    main = field(editor, "stSelectbox", "Main source")
    main.locator("input").click()
    page.keyboard.type("Daily Times")
    page.keyboard.press("Enter")
    expect(main.locator("input")).to_have_value(re.compile("^Daily Times · "))
    editor.assert_clean()


def test_after_save_the_form_is_empty_and_the_confirmation_in_view(
    editor: WatchedPage,
    store,  # noqa: ANN001
) -> None:
    title = f"Talks on a joint AI lab at {width_of(editor)} px"
    visit(editor, "/record_meeting")
    page = editor.page
    fill_meeting(editor, title, day="2026-11-21")
    page.get_by_label("Outcomes", exact=True).fill("Both sides agreed to draft a plan.")
    expect(field(editor, "stTextArea", "Outcomes")).to_contain_text("34 of 5,000 characters")
    page.get_by_label("Action", exact=True).first.fill("Send the draft plan")
    save(editor)
    confirmation = page.get_by_test_id("stAlertContentSuccess")
    expect(
        confirmation.get_by_text(f"Recorded “{title}” with Romania on 2026-11-21")
    ).to_be_in_viewport()
    expect(page.get_by_test_id("stToast")).to_contain_text(title)
    editor.wait_idle()
    expect(page.get_by_label("Title", exact=True)).to_have_value("")
    expect(page.get_by_label("Outcomes", exact=True)).to_have_value("")
    expect(field(editor, "stSelectbox", "Partner").locator("input")).to_have_value("")
    assert titled(store, title) == 1
    page.get_by_role("link", name="Open it on the meetings timeline").click()
    editor.wait_idle()
    expect(page.locator(".st-key-event_details")).to_contain_text(title)
    editor.screenshot(f"record-meeting-saved-{width_of(editor)}")
    editor.assert_clean()


def _choices(app: WatchedPage) -> list[str]:
    """The text of every option of every selectbox and multiselect on the page."""
    page = app.page
    seen: list[str] = []
    for kind in ("stSelectbox", "stMultiSelect"):
        boxes = page.get_by_test_id(kind)
        for n in range(boxes.count()):
            box = boxes.nth(n)
            if not box.is_visible():  # in a closed expander: the same choices as an open one
                continue
            box.scroll_into_view_if_needed()
            field = box.locator("input")
            field.click()
            expect(field).to_have_attribute("aria-expanded", "true")
            listbox = page.locator(f"[id='{field.get_attribute('aria-controls')}']")
            expect(listbox.get_by_role("option").first).to_be_visible()
            seen += listbox.get_by_role("option").all_inner_texts()
            page.keyboard.press("Escape")
            expect(field).to_have_attribute("aria-expanded", "false")
    for radio in page.get_by_test_id("stRadio").all():
        seen += radio.get_by_role("radio").evaluate_all("els => els.map(e => e.ariaLabel || '')")
        seen += radio.locator("label").all_inner_texts()
    return seen


def test_every_choice_on_the_record_pages_shows_words_not_codes(editor: WatchedPage) -> None:
    offered: dict[str, set[str]] = {}
    pages = ["/record_meeting"]
    if width_of(editor) >= 768:
        # On a phone the other forms' choices are the same widgets; AppTest checks every
        # option of every Record page (tests/test_record_forms.py).
        pages += [
            "/correct_meeting?meeting=2025-08-09-ROU",
            "/update_followup?action=2025-08-09-rou-mou",
        ]
    for path in pages:
        visit(editor, path)
        # Each kind of widget is drawn once its code has loaded: wait for them.
        expect(editor.page.get_by_test_id("stFormSubmitButton").first).to_be_visible()
        expect(editor.page.get_by_test_id("stSelectbox").first).to_be_visible()
        # The Record pages draw no data filters in the sidebar.
        assert editor.page.get_by_text("Filters", exact=True).count() == 0, path
        shown = [text.strip() for text in _choices(editor)]
        assert shown, path
        codes = sorted(CODES & set(shown))
        assert codes == [], f"codes offered on {path}: {codes}"
        offered[path.split("?")[0]] = set(shown)
    assert {"MoU signed", "Exchange", "Several days"} <= offered["/record_meeting"]
    if len(offered) > 1:
        assert {"Another ministry (adjacent to S&T)"} <= offered["/correct_meeting"]
        assert {"In progress", "Inferred"} <= offered["/update_followup"]
    editor.assert_clean()


def test_partners_are_countries_and_organisations(editor: WatchedPage) -> None:
    visit(editor, "/record_meeting")
    page = editor.page
    partner = field(editor, "stSelectbox", "Partner").locator("input")
    for name in NOT_PARTNERS:
        partner.click()
        page.keyboard.type(name)
        expect(page.get_by_role("option", name=name, exact=True)).to_have_count(0)
        page.keyboard.press("Escape")
        partner.fill("")
    pick(editor, "Partner", "European Union")
    pick(editor, "Partner", "Romania")
    editor.assert_clean()


def test_on_a_phone_choosing_a_page_closes_the_menu(editor: WatchedPage) -> None:
    if width_of(editor) >= 768:
        pytest.skip("the menu covers the page only on a phone")
    visit(editor, "/")
    page = editor.page
    page.get_by_test_id("stExpandSidebarButton").click()
    menu = page.locator(PAGE_MENU_LINK, has_text="Record a meeting")
    expect(menu).to_be_in_viewport()
    menu.click()
    editor.wait_idle()
    expect(page.get_by_role("heading", name="Record a meeting")).to_be_in_viewport()
    expect(menu).not_to_be_in_viewport()
    editor.assert_clean()


def test_after_a_withdrawal_the_link_shows_its_history_and_restore_asks_anew(
    admin: WatchedPage,
    store,  # noqa: ANN001
) -> None:
    title = "Talks to be withdrawn"
    meeting_id = store.record_meeting(
        store_identity(ADMIN),
        {"date": "2026-11-22", "partner_iso3": "ROU", "event_type": "meeting", "title": title},
        source_ids=[ROMANIA_SOURCE],
    )
    admin.open(f"/correct_meeting?meeting={meeting_id}")
    page = admin.page
    page.get_by_label("Reason", exact=True).fill("recorded twice")
    page.get_by_role("button", name="Withdraw").click()
    confirmation = page.get_by_test_id("stAlertContentSuccess")
    expect(confirmation.get_by_text(f"Withdrawn “{title}”")).to_be_in_viewport()
    page.get_by_role("link", name="See the withdrawn meeting and its history").click()
    admin.wait_idle()
    history = page.get_by_test_id("stExpander").filter(has_text="History")
    expect(history.get_by_text(re.compile(r"· withdraw: "))).to_be_visible()
    expect(page.get_by_role("button", name="Restore")).to_be_visible()
    expect(page.get_by_label("Reason", exact=True)).to_have_value("")
    admin.assert_clean()


def store_identity(email: str):  # noqa: ANN201
    from dashboard.records import AccessRules

    return AccessRules.from_mapping({"editors": [EDITOR], "admins": [ADMIN]}).identity_for(email)


def test_after_sign_out_the_app_says_signed_out(browser, server: StreamlitServer) -> None:  # noqa: ANN001
    for app in _signed_in(browser, server, WIDTHS["desktop"], VIEWER):
        page = app.page
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(f"{app.base_url}/**")
        expect(page.get_by_text("Signed out.")).to_be_visible()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
