"""What the store asks of a new record, whatever the way in (form or import): a meeting's
partner, date, type, title and a source, checked before anything else; a partner that is a
country or an organisation; one meeting per event within a short window unless confirmed; the
main source chosen, a new one included; and the change log as a readable CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import update

from dashboard.datasets.loader import load_package
from dashboard.datasets.queries import can_be_partner
from dashboard.records import RecordsStore, ValidationFailed
from dashboard.records.base import CHANGE_LOG
from dashboard.records.changelog import change_rows
from dashboard.records.meetings import DUPLICATE_WINDOW
from dashboard.records.models import record_spec
from tests.conftest import DATA_DIR
from tests.helpers import ADMIN, EDITOR, ROMANIA_SOURCE


@pytest.fixture
def store(tmp_path: Path):
    records = RecordsStore(f"sqlite:///{tmp_path / 'records.sqlite'}", DATA_DIR)
    records.upgrade()
    try:
        yield records
    finally:
        records.close()


def meeting(**changes: object) -> dict:
    row = {
        "date": "2026-11-20",
        "date_precision": "day",
        "partner_iso3": "ROU",
        "event_type": "meeting",
        "title": "Talks on a joint AI lab",
    }
    row.update(changes)
    return row


def rules(failed: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(p.column or "", p.rule) for p in failed.value.problems}


def csv_bytes(table: str, rows: list[dict]) -> bytes:
    names = record_spec().resource(table).field_names
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in names})
    return out.getvalue().encode("utf-8")


def test_what_a_person_must_give_is_checked_first_and_alone(store: RecordsStore) -> None:
    with pytest.raises(ValidationFailed) as failed:
        store.record_meeting(
            EDITOR,
            meeting(title="  ", partner_iso3=None, event_type=None, date=None),
            area_ids=["no-such-area"],  # not reported: the missing fields come first
        )
    assert rules(failed) == {
        ("title", "required"),
        ("partner_iso3", "required"),
        ("event_type", "required"),
        ("date", "required"),
        ("source_id", "required"),
    }


@pytest.mark.parametrize("missing", ["title", "partner_iso3", "event_type"])
def test_an_import_cannot_skip_a_required_field(store: RecordsStore, missing: str) -> None:
    row = meeting(meeting_id="2026-11-20-ROU-IMP", source_id=ROMANIA_SOURCE, **{missing: ""})
    with pytest.raises(ValidationFailed) as failed:
        store.import_csv(EDITOR, "meetings", csv_bytes("meetings", [row]))
    assert (missing, "required") in rules(failed)


def test_a_correction_cannot_empty_the_title(store: RecordsStore) -> None:
    with pytest.raises(ValidationFailed) as failed:
        store.correct_meeting(EDITOR, "2025-08-09-ROU", {"title": ""})
    assert rules(failed) == {("title", "required")}


@pytest.mark.parametrize("code", ["AFE", "ATA", "WLD"])
def test_a_group_of_countries_or_a_territory_is_not_a_partner(
    store: RecordsStore, code: str
) -> None:
    with pytest.raises(ValidationFailed) as failed:
        store.record_meeting(EDITOR, meeting(partner_iso3=code), source_ids=[ROMANIA_SOURCE])
    assert rules(failed) == {("partner_iso3", "partner-kind")}


def test_partners_are_countries_and_the_eu_and_every_shipped_meeting_has_one() -> None:
    package = load_package(DATA_DIR)
    countries = package.table("countries")
    partners = set(countries.loc[can_be_partner(countries).to_numpy(), "iso3"])
    assert {"ROU", "PAK", "EUU", "KOR"} <= partners
    assert not {"AFE", "WLD", "ATA", "EMU"} & partners
    assert set(package.table("meetings")["partner_iso3"]) <= partners
    assert package.table("meetings")["title"].notna().all()


def test_the_same_meeting_twice_in_a_short_time_is_refused_unless_confirmed(
    records_url: str,
) -> None:
    store = RecordsStore(records_url, DATA_DIR)
    store.upgrade()
    first = store.record_meeting(EDITOR, meeting(), source_ids=[ROMANIA_SOURCE])
    with pytest.raises(ValidationFailed) as failed:
        # A double click, or a colleague: the same partner, date and title (spacing and case
        # aside).
        store.record_meeting(
            EDITOR, meeting(title="talks on a  joint AI lab"), source_ids=[ROMANIA_SOURCE]
        )
    (problem,) = failed.value.problems
    assert (problem.column, problem.rule, problem.value) == ("title", "duplicate-meeting", first)
    assert "less than a minute ago by editor@most.gov.pk" in problem.message
    second = store.record_meeting(
        EDITOR, meeting(), source_ids=[ROMANIA_SOURCE], distinct_from=[first]
    )
    assert second != first
    # Another day, or another title, is another meeting.
    store.record_meeting(EDITOR, meeting(date="2026-11-21"), source_ids=[ROMANIA_SOURCE])
    store.close()


def test_after_the_window_the_same_meeting_is_not_taken_for_a_double_save(
    store: RecordsStore,
) -> None:
    first = store.record_meeting(EDITOR, meeting(), source_ids=[ROMANIA_SOURCE])
    with store.engine.begin() as conn:
        conn.execute(
            update(CHANGE_LOG)
            .where(CHANGE_LOG.c.record_key == first)
            .values(at=CHANGE_LOG.c.at - DUPLICATE_WINDOW - timedelta(minutes=1))
        )
    store.record_meeting(EDITOR, meeting(), source_ids=[ROMANIA_SOURCE])


def test_a_withdrawn_meeting_is_no_twin(store: RecordsStore) -> None:
    first = store.record_meeting(EDITOR, meeting(), source_ids=[ROMANIA_SOURCE])
    store.withdraw_meeting(ADMIN, first, "recorded by mistake", store.meeting(first)["version"])
    store.record_meeting(EDITOR, meeting(), source_ids=[ROMANIA_SOURCE])


NEW_SOURCE = {
    "publisher": "Ministry of Science and Technology",
    "title": "Press note on the talks",
    "url": "https://most.gov.pk/press/2026-11-20",
    "published": "2026-11-20",
}


@pytest.mark.parametrize("new_is_main", [True, False])
def test_the_main_source_is_the_one_chosen(store: RecordsStore, new_is_main: bool) -> None:
    meeting_id = store.record_meeting(
        EDITOR,
        meeting(),
        source_ids=[ROMANIA_SOURCE],
        new_sources=[NEW_SOURCE],
        new_source_is_main=new_is_main,
    )
    main, *others = store.meeting(meeting_id)["source_ids"]
    new = "ministry-of-science-and-technology-2026-11-20"
    assert (main, others) == ((new, [ROMANIA_SOURCE]) if new_is_main else (ROMANIA_SOURCE, [new]))


def test_a_correction_can_add_a_new_main_source(store: RecordsStore) -> None:
    before = store.meeting("2025-08-09-ROU")
    store.correct_meeting(
        EDITOR,
        "2025-08-09-ROU",
        {},
        source_ids=before["source_ids"],
        expected_version=before["version"],
        new_sources=[NEW_SOURCE],
        new_source_is_main=True,
    )
    after = store.meeting("2025-08-09-ROU")
    assert after["source_ids"][0] == "ministry-of-science-and-technology-2026-11-20"
    assert set(before["source_ids"]) < set(after["source_ids"])


def test_the_change_log_csv_has_one_row_per_field_with_full_times(store: RecordsStore) -> None:
    meeting_id = store.record_meeting(
        EDITOR, meeting(), area_ids=["ai", "cybersecurity"], source_ids=[ROMANIA_SOURCE]
    )
    version = store.meeting(meeting_id)["version"]
    store.correct_meeting(
        EDITOR, meeting_id, {"title": "Talks on a joint AI laboratory"}, expected_version=version
    )
    text = change_rows(store.recent_changes(limit=2)).to_csv(index=False)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["at", "by", "table", "record", "action", "field", "before", "after"]
    correction = [r for r in rows if r["action"] == "update"]
    assert [(r["field"], r["before"], r["after"]) for r in correction] == [
        ("title", "Talks on a joint AI lab", "Talks on a joint AI laboratory")
    ]
    # Date, time to the second and UTC offset, as the page shows it ("When (UTC)").
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", correction[0]["at"])
    assert pd.Timestamp(correction[0]["at"]).tzinfo is not None
    recorded = {r["field"]: r["after"] for r in rows if r["action"] == "insert"}
    assert recorded["area_ids"] == "ai; cybersecurity"
    assert recorded["partner_iso3"] == "ROU"
    assert not any("{" in r["before"] + r["after"] for r in rows)
