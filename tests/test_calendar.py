"""Calendar files: `python -m dashboard.export calendar` and the "Download calendar (.ics)"
buttons of the Follow-ups and Timeline pages. Each file parses with icalendar and holds one
event per due follow-up and per meeting in the filter: due dates as all-day events with owner
and status, meetings all day on their dates (over several days with an end date), each linked
to the app; UIDs stay the same from one export to the next; hostile text arrives as text."""

from __future__ import annotations

import contextlib
import io
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar
from streamlit.runtime.media_file_manager import MediaFileManager

from dashboard.export.__main__ import main
from dashboard.export.calendar import followup_uid, meeting_uid
from dashboard.records import RecordsStore
from dashboard.ui.calendar import LABEL
from tests.conftest import DATA_DIR
from tests.helpers import EDITOR, run_app

PUBLIC = "https://dashboard.example.org"
HOSTILE = "<script>alert(1)</script>; =HYPERLINK(1), a\\b"
OWNER = "Joint Secretary (IC)"


def record(store: RecordsStore, partner: str, area: str, title: str, **dates: str) -> str:
    return store.record_meeting(
        EDITOR,
        {"partner_iso3": partner, "event_type": "meeting", "title": title,
         "date_precision": "day", "lead_scope": "MoST", **dates},
        area_ids=[area],
        source_ids=["pid-2025-08-09-romania"],
        followups=[
            {"description": f"{HOSTILE} draft the annex", "owner": OWNER, "due": "2026-12-01",
             "action_type": "mou"},
            {"description": "No date set for this one", "action_type": "other"},
        ],
    )  # fmt: skip


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A records database with two new meetings with due follow-ups: Romania (AI, over three
    days, hostile title) and Türkiye (cybersecurity)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('calendar') / 'records.sqlite'}"
    store = RecordsStore(url, DATA_DIR)
    try:
        store.upgrade()
        romania = record(store, "ROU", "ai", HOSTILE, date="2026-11-10", end_date="2026-11-12")
        turkey = record(store, "TUR", "cybersecurity", "Cyber talks", date="2026-11-20")
        tables = store.tables()
    finally:
        store.close()
    return {"url": url, "romania": romania, "turkey": turkey, **tables}


def expected_uids(records: dict, partner: str) -> set[str]:
    meetings = records["meetings"]
    followups = records["followups"]
    due = followups[(followups["iso3"] == partner) & followups["due"].notna()]
    return {
        meeting_uid(m) for m in meetings.loc[meetings["partner_iso3"] == partner, "meeting_id"]
    } | {followup_uid(a) for a in due["action_id"]}


def export(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def events(data: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def test_the_calendar_command_exports_the_filter_with_stable_uids(
    records: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", records["url"])
    monkeypatch.setenv("DASHBOARD_PUBLIC_URL", PUBLIC)
    first, second = tmp_path / "first.ics", tmp_path / "second.ics"
    code, out, _ = export("calendar", "--out", str(first), "--country", "ROU")
    assert code == 0 and "wrote" in out
    assert export("calendar", "--out", str(second), "--country", "rou")[0] == 0
    found = events(first.read_bytes())
    assert set(found) == expected_uids(records, "ROU") == set(events(second.read_bytes()))

    meeting = found[meeting_uid(records["romania"])]
    assert meeting.decoded("dtstart") == date(2026, 11, 10)
    assert meeting.decoded("dtend") == date(2026, 11, 13)  # the day after the last (all day)
    assert str(meeting["summary"]).startswith(f"Romania: {HOSTILE}")  # text, as it was typed
    assert str(meeting["url"]) == f"{PUBLIC}/timeline?event={records['romania']}"

    followups = records["followups"]
    (action,) = followups.loc[
        (followups["meeting_id"] == records["romania"]) & followups["due"].notna(), "action_id"
    ]
    due = found[followup_uid(action)]
    assert (due.decoded("dtstart"), due.decoded("dtend")) == (date(2026, 12, 1), date(2026, 12, 2))
    assert str(due["summary"]) == f"Due: {HOSTILE} draft the annex — Proposed, {OWNER}"
    assert f"Owner: {OWNER}\nStatus: Proposed (as of 2026-11-10)" in str(due["description"])
    assert str(due["url"]) == f"{PUBLIC}/timeline?event={records['romania']}"


def test_the_area_filter_and_an_unknown_code(
    records: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", records["url"])
    path = tmp_path / "cyber.ics"
    assert export("calendar", "--out", str(path), "--area", "cybersecurity")[0] == 0
    found = events(path.read_bytes())
    assert meeting_uid(records["turkey"]) in found
    assert meeting_uid(records["romania"]) not in found  # its area is AI
    assert all("url" not in event for event in found.values())  # no DASHBOARD_PUBLIC_URL
    code, _, err = export("calendar", "--out", str(path), "--country", "XXX")
    assert code == 2 and "unknown country or area: XXX" in err


def test_the_pages_download_what_their_filters_show(
    records: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The buttons' files are made when pressed: the test calls what the page registered."""
    made: list = []
    register = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, *args, **kwargs):  # noqa: ANN001, ANN202
        if mimetype == "text/calendar":
            made.append(data_callable)
        return register(self, data_callable, mimetype, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", records["url"])
    at = run_app("views/followups.py", query={"country": "TUR"})
    assert not at.exception
    assert LABEL in [button.proto.label for button in at.get("download_button")]
    followups = records["followups"]
    due = followups[(followups["iso3"] == "TUR") & followups["due"].notna()]
    assert set(events(made[-1]())) == {followup_uid(a) for a in due["action_id"]}

    at = run_app("views/timeline.py", query={"country": "TUR"})
    assert not at.exception
    meetings = records["meetings"]
    shown = meetings.loc[meetings["partner_iso3"] == "TUR", "meeting_id"]
    assert set(events(made[-1]())) == {meeting_uid(m) for m in shown}
