"""The Record pages' forms without a browser (the store's checks, not the browser's): messages
in the form's words next to each field, an empty form and a linked confirmation after Save, a
meeting recorded twice caught, follow-ups that show their meeting's areas, a withdrawal that
links to the meeting's history, words instead of codes, and no data filters."""

from __future__ import annotations

import csv
import secrets
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.records import RecordsStore
from tests.conftest import APP, DATA_DIR
from tests.helpers import as_read

EDITOR = "editor@most.gov.pk"
ADMIN = "it.admin@most.gov.pk"
RECORD = "views/record_meeting.py"
CORRECT = "views/correct_meeting.py"
UPDATE = "views/update_followup.py"
ROMANIA_SOURCE = "pid-2025-08-09-romania"
CODES = {
    row["value"]
    for row in csv.DictReader((DATA_DIR / "labels.csv").open(encoding="utf-8"))
    if row["value"] != row["label"]
}


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RecordsStore:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    store = RecordsStore(url, DATA_DIR)
    store.upgrade()
    yield store
    store.close()


def signed_in(email: str, page: str, query: dict[str, str] | None = None) -> AppTest:
    """The app with sign-in configured and Streamlit saying `email` is signed in, on `page`."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": secrets.token_urlsafe(48),
        "client_id": "dashboard",
        "client_secret": "test",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.secrets["access"] = {"editors": [EDITOR], "admins": [ADMIN]}
    at.user = {"is_logged_in": True, "email": email, "email_verified": True}
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page)
    return at.run()


def key(at: AppTest, form: str, field: str) -> str:
    """The current key of a form's field (forms are drawn afresh after each save)."""
    state = at.session_state  # AppTest's session state has no .get
    generation = state[f"_form_{form}"] if f"_form_{form}" in state else 0  # noqa: SIM401
    return f"{form}_{generation}_{field}"


def fill(at: AppTest, title: str, **extra: str) -> None:
    def k(field: str) -> str:
        return key(at, "record_meeting", field)

    at.selectbox(key=k("partner_iso3")).select("ROU")
    at.date_input(key=k("date")).set_value(date(2026, 11, 20))
    at.selectbox(key=k("event_type")).select("meeting")
    at.text_input(key=k("title")).input(title)
    at.selectbox(key=k("main_source")).select(ROMANIA_SOURCE)
    for field, value in extra.items():
        widget = at.text_area if field in ("outcomes", "caveats") else at.text_input
        widget(key=k(field)).input(value)


def save(at: AppTest, label: str = "Save") -> AppTest:
    return next(b for b in at.button if b.label == label).click().run()


def errors(at: AppTest) -> list[str]:
    return [as_read(e.value) for e in at.error]


def test_an_empty_form_names_each_required_field_in_its_own_words(database) -> None:  # noqa: ANN001
    at = signed_in(EDITOR, RECORD)
    before = len(database.tables()["meetings"])
    save(at)
    shown = errors(at)
    assert shown[0] == (
        "Nothing was saved. Correct what is marked below: Partner; Date; Type; Title; Main source."
    )
    for field in ("Partner", "Date", "Type", "Title"):
        assert f"{field} is required." in shown
    assert any(e.startswith("Main source is required: choose it from the list") for e in shown)
    assert len(database.tables()["meetings"]) == before


def test_messages_say_what_to_do_and_never_speak_of_files(database) -> None:  # noqa: ANN001
    at = signed_in(EDITOR, RECORD)
    fill(at, "Talks", outcomes="Minutes at https://example.org/minutes")
    save(at)
    assert (
        "Outcomes holds a link. Links go in Sources: add the page as a new source below, and "
        "keep only words here." in errors(at)
    )
    at.text_area(key=key(at, "record_meeting", "outcomes")).input("x" * 6_000)
    save(at)
    assert "Outcomes has 6,000 characters; at most 5,000 fit. Shorten it." in errors(at)
    for message in errors(at):
        assert not any(word in message for word in ("kept", ".csv", "source_id", "_")), message


def test_after_save_the_form_is_empty_and_the_confirmation_links_to_the_meeting(
    database,  # noqa: ANN001
) -> None:
    at = signed_in(EDITOR, RECORD)
    fill(at, "Talks on a joint AI lab")
    at.multiselect(key=key(at, "record_meeting", "areas")).select("ai").select("cybersecurity")
    at.text_input(key=key(at, "record_meeting", "fu1_description")).input("Send the draft plan")
    save(at)
    assert not at.exception
    assert [as_read(s.value) for s in at.success] == [
        "Recorded “Talks on a joint AI lab” with Romania on 2026-11-20, with 1 follow-up action(s)."
    ]
    link = next(
        p for p in at.get("page_link") if p.proto.label == "Open it on the meetings timeline"
    )
    meeting_id = database.tables()["meetings"]["meeting_id"].iloc[-1]
    assert "timeline" in link.proto.page and f"event={meeting_id}" in link.proto.query_string
    assert at.text_input(key=key(at, "record_meeting", "title")).value == ""
    assert at.selectbox(key=key(at, "record_meeting", "partner_iso3")).value is None
    assert at.multiselect(key=key(at, "record_meeting", "areas")).value == []

    # The follow-up has no area of its own: it is about its meeting's two areas, and shows so.
    at.switch_page("views/followups.py")
    at.run()
    table = next(df.value for df in at.dataframe if "Flag" in df.value.columns)
    row = table[table["Action"] == "Send the draft plan"]
    assert row["Area"].tolist() == ["Artificial intelligence (AI); Cybersecurity"]


def test_a_meeting_recorded_twice_is_caught_with_a_link_until_confirmed(database) -> None:  # noqa: ANN001
    at = signed_in(EDITOR, RECORD)
    fill(at, "Talks recorded twice")
    save(at)
    fill(at, "Talks recorded twice")
    save(at)
    assert any("recorded a few minutes ago" in w.value for w in at.warning)
    first = database.tables()["meetings"]["meeting_id"].iloc[-1]
    links = [p for p in at.get("page_link") if f"event={first}" in p.proto.query_string]
    assert [p.proto.label for p in links] == ["2026-11-20 · Romania · Talks recorded twice"]
    assert (database.tables()["meetings"]["title"] == "Talks recorded twice").sum() == 1
    at.checkbox(key=key(at, "record_meeting", "distinct")).check()
    save(at)
    assert (database.tables()["meetings"]["title"] == "Talks recorded twice").sum() == 2


def test_after_a_withdrawal_the_link_goes_to_its_history_and_restore_starts_empty(
    database,  # noqa: ANN001
) -> None:
    at = signed_in(ADMIN, CORRECT, {"meeting": "2025-08-09-ROU"})
    reason = key(at, "withdraw_2025-08-09-ROU", "reason")
    at.text_input(key=reason).input("recorded twice")
    save(at, "Withdraw")
    assert not at.exception
    link = next(p for p in at.get("page_link") if "history" in p.proto.label)
    assert "correct_meeting" in link.proto.page
    assert "meeting=2025-08-09-ROU" in link.proto.query_string
    assert [b.label for b in at.button if b.label in ("Withdraw", "Restore")] == ["Restore"]
    assert at.text_input(key=key(at, "withdraw_2025-08-09-ROU", "reason")).value == ""
    assert at.expander[-1].label == "History"


@pytest.mark.parametrize(
    ("page", "query"),
    [
        (RECORD, {}),
        (CORRECT, {"meeting": "2025-08-09-ROU"}),
        (UPDATE, {"action": "2025-08-09-rou-mou"}),
    ],
)
def test_every_choice_shows_words_and_no_filters_are_drawn(
    database,  # noqa: ANN001
    page: str,
    query: dict[str, str],
) -> None:
    at = signed_in(EDITOR, page, query)
    assert not at.exception
    shown = [
        option
        for widget in (*at.selectbox, *at.multiselect, *at.radio)
        for option in widget.options
    ]
    assert shown
    assert not CODES & set(shown), sorted(CODES & set(shown))
    assert not {"Africa Eastern and Southern", "Antarctica", "World"} & set(shown)
    assert not [w for w in at.sidebar.multiselect if w.key and w.key.startswith("flt_")]


def test_the_record_pages_keep_the_filters_for_the_other_pages(database) -> None:  # noqa: ANN001
    at = signed_in(EDITOR, "views/followups.py", {"country": "ROU"})
    assert at.multiselect(key="flt_country").value == ["ROU"]
    at.switch_page(RECORD)
    at.run()
    assert not [w for w in at.sidebar.multiselect if w.key == "flt_country"]
    at.switch_page("views/followups.py")
    at.run()
    assert at.multiselect(key="flt_country").value == ["ROU"]
