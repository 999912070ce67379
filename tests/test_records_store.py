"""The records store on SQLite and on a real PostgreSQL server: schema, seed, writes, roles,
stale edits, withdrawal, bad input, concurrent writers."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, inspect, select, text

from dashboard.datasets.loader import load_package
from dashboard.records import (
    Conflict,
    Identity,
    NotAllowed,
    NotFound,
    RecordsStore,
    Role,
    ValidationFailed,
)
from dashboard.records.models import METADATA, RECORD_TABLES, record_spec
from tests.conftest import DATA_DIR
from tests.helpers import (
    ADMIN,
    ANONYMOUS,
    EDITOR,
    OTHER_EDITOR,
    ROMANIA_MEETING,
    ROMANIA_MOU,
    ROMANIA_SOURCE,
    VIEWER,
)

BOOKKEEPING = {
    "meetings": {"version", "withdrawn_at", "withdrawn_by", "withdrawn_reason"},
    "followups": {"version"},
}


@pytest.fixture
def store(records_url: str):
    records = RecordsStore(records_url, DATA_DIR)
    records.upgrade()
    try:
        yield records
    finally:
        records.close()


def new_meeting(**changes) -> dict:
    meeting = {
        "date": "2026-11-20",
        "date_precision": "day",
        "partner_iso3": "ROU",
        "event_type": "meeting",
        "title": "Follow-up talks on the Romania–Pakistan MoU",
        "pakistan_lead": "Secretary, MoST",
        "location": "Islamabad",
        "lead_scope": "MoST",
    }
    meeting.update(changes)
    return meeting


def count(store: RecordsStore, table: str) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(METADATA.tables[table]))


def test_database_columns_are_the_packages_fields_plus_bookkeeping(store: RecordsStore) -> None:
    spec = record_spec()
    inspector = inspect(store.engine)
    for name in RECORD_TABLES:
        columns = [c["name"] for c in inspector.get_columns(name)]
        expected = spec.resource(name).field_names + sorted(BOOKKEEPING.get(name, ()))
        assert sorted(columns) == sorted(expected), name
        pk = inspector.get_pk_constraint(name)["constrained_columns"]
        assert list(pk) == list(spec.resource(name).primary_key)


def test_a_database_at_the_newest_migration_is_recognised_without_alembic(
    store: RecordsStore,
) -> None:
    """Server starts skip Alembic when the schema is current: the shortcut must name the
    revision Alembic itself takes as head, or a new migration would never run."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from dashboard.records.database import MIGRATIONS, newest_migration

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert newest_migration() == ScriptDirectory.from_config(config).get_current_head()
    with store.engine.connect() as conn:
        assert list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == [
            newest_migration()
        ]


def test_seed_matches_the_csv_package_and_is_idempotent(store: RecordsStore) -> None:
    package = load_package(DATA_DIR, resources=RECORD_TABLES)
    tables = store.tables()
    for name in RECORD_TABLES:
        ours, theirs = tables[name], package.tables[name]
        key = list(record_spec().resource(name).primary_key)
        assert dict(ours.dtypes) == dict(theirs.dtypes), name
        pd.testing.assert_frame_equal(
            ours.sort_values(key).reset_index(drop=True),
            theirs.sort_values(key).reset_index(drop=True),
        )
    revision = store.revision()
    assert store.upgrade().total == 0
    assert store.revision() == revision


def test_new_csv_rows_are_added_and_an_edit_in_the_app_is_kept(
    records_url: str, data_copy: Path
) -> None:
    store = RecordsStore(records_url, data_copy)
    store.upgrade()
    meeting = store.meeting(ROMANIA_MEETING)
    store.correct_meeting(
        EDITOR,
        ROMANIA_MEETING,
        {"title": "Corrected in the app"},
        area_ids=["ai"],
        expected_version=meeting["version"],
    )
    # data/ gains a meeting (a copy of Romania's under a new id) and a new area link for the
    # meeting edited in the app.
    with (data_copy / "meetings.csv").open("a", encoding="utf-8") as handle:
        line = (DATA_DIR / "meetings.csv").read_text(encoding="utf-8").splitlines()[1]
        handle.write(line.replace("2024-04-02-PSE", "2024-04-03-PSE", 1) + "\n")
    with (data_copy / "meeting_areas.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{ROMANIA_MEETING},health\n")
    report = store.upgrade()
    assert report.added == {"meetings": 1}
    edited = store.meeting(ROMANIA_MEETING)
    assert edited["title"] == "Corrected in the app"
    assert edited["area_ids"] == ["ai"]
    assert "2024-04-03-PSE" in set(store.tables()["meetings"]["meeting_id"])
    store.close()


def test_meeting_with_followup_recorded_updated_and_in_history(store: RecordsStore) -> None:
    revision = store.revision()
    meeting_id = store.record_meeting(
        EDITOR,
        new_meeting(),
        area_ids=["it-software", "ai"],
        source_ids=[],
        new_sources=[
            {
                "publisher": "Press Information Department (PID), Government of Pakistan",
                "title": "Test release",
                "url": "https://pid.gov.pk/site/press_detail/0",
                "published": "2026-11-20",
            }
        ],
        followups=[{"description": "Sign the MoU", "action_type": "mou"}],
    )
    assert meeting_id == "2026-11-20-ROU"
    assert store.revision() > revision
    tables = store.tables()
    meetings = tables["meetings"].set_index("meeting_id")
    assert meetings.loc[meeting_id, "title"] == "Follow-up talks on the Romania–Pakistan MoU"
    assert meetings.loc[meeting_id, "date"] == pd.Timestamp("2026-11-20")
    areas = tables["meeting_areas"]
    assert set(areas[areas["meeting_id"] == meeting_id]["area_id"]) == {"it-software", "ai"}
    followup = tables["followups"].set_index("meeting_id").loc[meeting_id]
    action_id = followup["action_id"]
    assert followup["status"] == "proposed"
    assert followup["raised"] == pd.Timestamp("2026-11-20")

    version = store.followup(action_id)["version"]
    store.update_followup(
        EDITOR, action_id, "done", date(2026, 11, 25), ROMANIA_SOURCE, "signed", version
    )
    updated = store.followup(action_id)
    assert updated["status"] == "done"
    assert updated["closed"] == date(2026, 11, 25)  # closed follows from done
    statuses = store.status_history(action_id)
    assert list(statuses["status"]) == ["proposed", "done"]
    assert list(statuses["recorded_by"]) == [EDITOR.email, EDITOR.email]

    history = store.history("followups", action_id)
    assert list(history["action"]) == ["insert", "update"]
    assert "status" in history.iloc[-1]["changed"]
    assert set(history["by"]) == {EDITOR.email}
    recent = store.recent_changes(limit=4)  # source, meeting, follow-up, status update
    assert set(recent["table"]) == {"meetings", "followups", "sources"}
    assert set(recent["by"]) == {EDITOR.email}


TEXTS = {
    "markup": "<script>alert('x')</script><b>bold</b> & **md**",
    "urdu": "پاکستان اور رومانیہ کے درمیان سائنس و ٹیکنالوجی",
    "romanian": "Timișoara, Iași, Brașov — ăâîșț ĂÂÎȘȚ",
    "emoji": "🚀🇵🇰🇷🇴 👩🏽‍🔬",
    "sql": "'); DROP TABLE meetings; --",
    "lines": 'first line\r\nsecond line\n  indented, "quoted", trailing space ',
}


@pytest.mark.parametrize("kind", sorted(TEXTS))
def test_text_is_kept_exactly(store: RecordsStore, kind: str) -> None:
    text = TEXTS[kind]
    meeting_id = store.record_meeting(
        EDITOR,
        new_meeting(title=text, outcomes=text),
        area_ids=[],
        source_ids=[ROMANIA_SOURCE],
        followups=[{"description": text, "action_type": "other"}],
    )
    assert store.meeting(meeting_id)["title"] == text
    meetings = store.tables()["meetings"].set_index("meeting_id")
    assert meetings.loc[meeting_id, "outcomes"] == text
    seeded = len(pd.read_csv(DATA_DIR / "meetings.csv"))
    assert len(meetings) == seeded + 1  # the seeded ones and this one: nothing dropped
    followups = store.tables()["followups"]
    assert followups[followups["meeting_id"] == meeting_id]["description"].tolist() == [text]


BAD_INPUT = {
    "10,000 characters": (dict(outcomes="x" * 10_000), {}, "outcomes", "max-length"),
    "URL in a text field": (
        dict(outcomes="Minutes at https://example.org/minutes"),
        {},
        "outcomes",
        "bare-url",
    ),
    "date in 1900": (dict(date="1900-06-01"), {}, "date", "date-range"),
    "date in 2100": (dict(date="2100-01-01"), {}, "date", "date-range"),
    "escape character": (dict(title="Talks \x1b[31mred"), {}, "title", "control-character"),
    "right-to-left override": (
        dict(pakistan_lead="Secretary \u202eTSoM"),
        {},
        "pakistan_lead",
        "control-character",
    ),
    "end before start": (dict(end_date="2026-11-19"), {}, "end_date", "end-before-start"),
    "not a date": (dict(date="20 Nov 2026"), {}, "date", "type"),
    "empty date": (dict(date=""), {}, "date", "required"),
    "unknown country": (dict(partner_iso3="XYZ"), {}, "partner_iso3", "foreign-key"),
    "unknown type": (dict(event_type="party"), {}, "event_type", "enum"),
    "unknown area": ({}, dict(area_ids=["quantum-magic"]), "area_ids", "foreign-key"),
    "unknown source": ({}, dict(source_ids=["no-such-source"]), "source_id", "foreign-key"),
    "no source": ({}, dict(source_ids=[]), "source_id", "required"),
    "duplicate id": (dict(meeting_id=ROMANIA_MEETING), {}, "meeting_id", "unique"),
    "follow-up before its meeting": (
        {},
        dict(followups=[{"description": "Early", "raised": "2026-11-01"}]),
        "raised",
        "followup-before-meeting",
    ),
    "follow-up without description": (
        {},
        dict(followups=[{"description": "  "}]),
        "description",
        "required",
    ),
    "duplicate follow-up id": (
        {},
        dict(followups=[{"description": "Again", "action_id": ROMANIA_MOU}]),
        "action_id",
        "unique",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_gets_a_message_and_saves_nothing(store: RecordsStore, case: str) -> None:
    meeting_changes, call_changes, field, rule = BAD_INPUT[case]
    call = {"area_ids": ["ai"], "source_ids": [ROMANIA_SOURCE], "followups": []}
    call.update(call_changes)
    revision = store.revision()
    rows = {name: count(store, name) for name in ("meetings", "followups", "change_log")}
    with pytest.raises(ValidationFailed) as failed:
        store.record_meeting(EDITOR, new_meeting(**meeting_changes), **call)
    assert (field, rule) in {(p.column, p.rule) for p in failed.value.problems}
    assert failed.value.by_field()[field]  # a message to show next to the field
    assert store.revision() == revision
    assert {name: count(store, name) for name in rows} == rows


def test_several_problems_are_reported_at_once(store: RecordsStore) -> None:
    with pytest.raises(ValidationFailed) as failed:
        store.record_meeting(
            EDITOR,
            new_meeting(date="2100-01-01", partner_iso3="XYZ", title="x" * 5001),
            area_ids=["nope"],
            source_ids=["nope"],
        )
    fields = {p.column for p in failed.value.problems}
    assert {"date", "partner_iso3", "title", "area_ids", "source_id"} <= fields


@pytest.mark.parametrize(
    "identity",
    [VIEWER, ANONYMOUS, Identity(None, Role.ADMIN)],
    ids=["viewer", "anonymous", "anonymous-claiming-admin"],
)
def test_viewers_and_anonymous_may_not_write(store: RecordsStore, identity: Identity) -> None:
    revision = store.revision()
    version = store.followup(ROMANIA_MOU)["version"]
    meeting_version = store.meeting(ROMANIA_MEETING)["version"]
    writes = [
        lambda: store.record_meeting(identity, new_meeting(), [], [ROMANIA_SOURCE]),
        lambda: store.correct_meeting(
            identity, ROMANIA_MEETING, {"title": "x"}, expected_version=meeting_version
        ),
        lambda: store.update_followup(
            identity, ROMANIA_MOU, "agreed", date(2026, 11, 1), ROMANIA_SOURCE, None, version
        ),
        lambda: store.add_source(
            identity, {"publisher": "P", "title": "T", "url": "https://example.org"}
        ),
        lambda: store.withdraw_meeting(identity, ROMANIA_MEETING, "why", meeting_version),
        lambda: store.restore_meeting(identity, ROMANIA_MEETING, "why", meeting_version),
        lambda: store.import_csv(identity, "sources", b"source_id\n"),
    ]
    for write in writes:
        with pytest.raises(NotAllowed):
            write()
    assert store.revision() == revision
    assert store.followup(ROMANIA_MOU)["status"] == "proposed"


def test_only_admins_withdraw_and_restore(store: RecordsStore) -> None:
    version = store.meeting(ROMANIA_MEETING)["version"]
    with pytest.raises(NotAllowed):
        store.withdraw_meeting(EDITOR, ROMANIA_MEETING, "duplicate entry", version)
    version = store.withdraw_meeting(ADMIN, ROMANIA_MEETING, "duplicate entry", version)
    tables = store.tables()
    assert ROMANIA_MEETING not in set(tables["meetings"]["meeting_id"])
    assert ROMANIA_MEETING not in set(tables["meeting_areas"]["meeting_id"])
    assert ROMANIA_MEETING not in set(tables["followups"]["meeting_id"])
    with pytest.raises(NotFound):
        store.followup(ROMANIA_MOU)
    kept = store.meeting(ROMANIA_MEETING)
    assert kept["withdrawn_by"] == ADMIN.email
    assert kept["withdrawn_reason"] == "duplicate entry"
    assert store.withdrawn_meeting_ids() == [ROMANIA_MEETING]  # what an admin may restore

    store.restore_meeting(ADMIN, ROMANIA_MEETING, "withdrawn by mistake", version)
    assert ROMANIA_MEETING in set(store.tables()["meetings"]["meeting_id"])
    assert store.withdrawn_meeting_ids() == []
    assert list(store.history("meetings", ROMANIA_MEETING)["action"]) == [
        "seed",
        "withdraw",
        "restore",
    ]


def test_stale_followup_update_is_refused_with_what_changed(store: RecordsStore) -> None:
    seen = store.followup(ROMANIA_MOU)["version"]  # both editors open the form
    store.update_followup(
        EDITOR, ROMANIA_MOU, "agreed", date(2026, 11, 2), ROMANIA_SOURCE, None, seen
    )
    with pytest.raises(Conflict) as conflict:
        store.update_followup(
            OTHER_EDITOR, ROMANIA_MOU, "dropped", date(2026, 11, 3), None, "no reply", seen
        )
    assert conflict.value.changed["status"] == ("dropped", "agreed")
    assert conflict.value.current["status"] == "agreed"
    assert conflict.value.current["version"] == seen + 1
    assert store.followup(ROMANIA_MOU)["status"] == "agreed"  # nothing overwritten
    assert list(store.status_history(ROMANIA_MOU)["status"]) == ["proposed", "agreed"]


def test_stale_meeting_correction_is_refused_with_what_changed(store: RecordsStore) -> None:
    seen = store.meeting(ROMANIA_MEETING)
    store.correct_meeting(
        EDITOR, ROMANIA_MEETING, {"location": "Bucharest"}, expected_version=seen["version"]
    )
    with pytest.raises(Conflict) as conflict:
        store.correct_meeting(
            OTHER_EDITOR,
            ROMANIA_MEETING,
            {"outcomes": "Other text"},
            expected_version=seen["version"],
        )
    assert conflict.value.changed["location"] == (seen["location"], "Bucharest")
    assert store.meeting(ROMANIA_MEETING)["outcomes"] == seen["outcomes"]


def test_followup_update_rules(store: RecordsStore) -> None:
    version = store.followup(ROMANIA_MOU)["version"]
    with pytest.raises(ValidationFailed) as failed:
        store.update_followup(EDITOR, ROMANIA_MOU, "finished", date(2025, 8, 1), None, "", version)
    rules = {(p.column, p.rule) for p in failed.value.problems}
    assert ("status", "enum") in rules
    assert ("status_source_id", "required") in rules  # neither a source nor a note
    with pytest.raises(ValidationFailed) as failed:
        store.update_followup(EDITOR, ROMANIA_MOU, "agreed", date(2025, 8, 1), None, "x", version)
    assert ("status_as_of", "before-raised") in {(p.column, p.rule) for p in failed.value.problems}
    with pytest.raises(ValidationFailed) as failed:
        store.update_followup(
            EDITOR, ROMANIA_MOU, "done", date(2026, 1, 5), ROMANIA_SOURCE, None, version, "inferred"
        )
    assert ("note", "inferred-status") in {(p.column, p.rule) for p in failed.value.problems}
    with pytest.raises(ValidationFailed) as failed:
        store.update_followup(
            EDITOR, ROMANIA_MOU, "done", date(2026, 1, 5), None, "From a photo", version, "inferred"
        )
    assert ("status_source_id", "inferred-status") in {
        (p.column, p.rule) for p in failed.value.problems
    }
    # An inferred status carries its source and, on the follow-up itself, why it is inferred.
    reason = "Inferred: the joint statement lists the MoU among signed documents"
    version = store.update_followup(
        EDITOR, ROMANIA_MOU, "agreed", date(2026, 1, 5), ROMANIA_SOURCE, reason, version, "inferred"
    )
    inferred = store.followup(ROMANIA_MOU)
    assert (inferred["status_basis"], inferred["note"]) == ("inferred", reason)
    # A later status that is not done/dropped leaves the follow-up open.
    version = store.update_followup(
        EDITOR, ROMANIA_MOU, "dropped", date(2026, 1, 5), None, "Talks ended", version
    )
    assert store.followup(ROMANIA_MOU)["closed"] == date(2026, 1, 5)
    store.update_followup(
        EDITOR, ROMANIA_MOU, "in_progress", date(2026, 2, 1), None, "revived", version
    )
    assert store.followup(ROMANIA_MOU)["closed"] is None


def test_eight_concurrent_writers_none_lost(store: RecordsStore) -> None:
    writers = 8
    start = threading.Barrier(writers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(number: int) -> None:
        version = store.followup(ROMANIA_MOU)["version"]
        start.wait()
        try:
            store.update_followup(
                Identity(f"writer{number}@most.gov.pk", Role.EDITOR),
                ROMANIA_MOU,
                "agreed",
                date(2026, 11, 1),
                None,
                f"writer {number}",
                version,
            )
            result = "applied"
        except Conflict:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    applied = outcomes.count("applied")
    assert len(outcomes) == writers
    assert applied + outcomes.count("refused") == writers
    assert applied >= 1
    statuses = store.status_history(ROMANIA_MOU)
    assert len(statuses) == 1 + applied  # the seeded status and each applied one
    history = store.history("followups", ROMANIA_MOU)
    assert list(history["action"]).count("update") == applied
    assert store.followup(ROMANIA_MOU)["version"] == 1 + applied


def test_a_write_through_one_store_is_seen_by_another(records_url: str) -> None:
    """Two app processes on one database: each has its own store (engine, connections)."""
    first, second = RecordsStore(records_url, DATA_DIR), RecordsStore(records_url, DATA_DIR)
    first.upgrade()
    second.upgrade()
    revision = second.revision()
    meeting_id = first.record_meeting(EDITOR, new_meeting(), [], [ROMANIA_SOURCE])
    assert second.revision() > revision
    assert meeting_id in set(second.tables()["meetings"]["meeting_id"])
    first.close()
    second.close()


def test_made_ids_are_unique_without_reading_every_id(store: RecordsStore) -> None:
    """A meeting's, a source's and a follow-up's id is made from a stem (date and partner;
    publisher and date; the meeting and the action's type), made unique by a number; only the
    ids that start with the stem are looked up, not every id of the table."""
    from sqlalchemy import event

    statements: list[str] = []

    def seen(_conn, _cursor, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()).lower())

    source = {
        "publisher": "Dawn",
        "title": "Talks",
        "url": "https://example.org/talks",
        "published": "2026-11-20",
    }
    followups = [{"description": f"Step {n}", "action_type": "mou"} for n in (1, 2)]
    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        ids = [
            store.record_meeting(
                EDITOR,
                new_meeting(title=f"Talks, part {n}"),
                new_sources=[source],
                followups=followups,
            )
            for n in (1, 2)
        ]
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert ids == ["2026-11-20-ROU", "2026-11-20-ROU-2"]
    tables = store.tables()
    actions = tables["followups"][tables["followups"]["meeting_id"].isin(ids)]
    assert sorted(actions["action_id"]) == [
        "2026-11-20-rou-2-mou",
        "2026-11-20-rou-2-mou-2",
        "2026-11-20-rou-mou",
        "2026-11-20-rou-mou-2",
    ]
    assert {"dawn-2026-11-20", "dawn-2026-11-20-2"} <= set(tables["sources"]["source_id"])
    for table, key in (
        ("meetings", "meeting_id"),
        ("sources", "source_id"),
        ("followups", "action_id"),
    ):
        every_id = f"select {table}.{key} from {table}"
        assert every_id not in statements, f"read every id of {table}"
