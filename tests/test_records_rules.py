"""One rule set and no silent loss, on SQLite and on a real PostgreSQL server.

Whatever the store commits, the package check accepts on its export; links added by an import
or by seeding make a form opened earlier stale; a read is one snapshot while others write. A
Hypothesis state machine runs random sequences of writes, valid and invalid, and checks the
store's promises after every step.
"""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from dashboard.datasets.loader import load_package
from dashboard.records import Conflict, RecordsStore, ValidationFailed
from dashboard.records.__main__ import export_package
from dashboard.records.models import METADATA, RECORD_TABLES, record_spec
from tests.conftest import DATA_DIR
from tests.helpers import ADMIN, EDITOR, ROMANIA_MEETING, ROMANIA_SOURCE

KNOWN_SOURCES = (ROMANIA_SOURCE, "dunya-2024-06-25-kor", "pid-2024-04-02-pse")
AREAS = ("ai", "fintech", "biotechnology", "health")


def csv_bytes(table: str, rows: list[dict]) -> bytes:
    """`rows` as a CSV file with the columns of data/'s `table`."""
    names = record_spec().resource(table).field_names
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in names})
    return out.getvalue().encode("utf-8")


def export_problems(store: RecordsStore, folder: Path) -> list[str]:
    """The errors `python -m dashboard.datasets check` finds in the store's export."""
    if folder.exists():
        shutil.rmtree(folder)
    export_package(store, folder)
    return [f"{p.describe()} [{p.rule}]" for p in load_package(folder).errors]


def database_rows(store: RecordsStore) -> dict[str, list[tuple]]:
    """Every row of every table, for comparing before and after a refused write."""
    with store.engine.connect() as conn:
        return {
            name: sorted(map(tuple, conn.execute(select(table))), key=repr)
            for name, table in METADATA.tables.items()
        }


@pytest.fixture
def store(records_url: str):
    records = RecordsStore(records_url, DATA_DIR)
    records.upgrade()
    try:
        yield records
    finally:
        records.close()


def new_meeting(day: str = "2026-11-20", **changes) -> dict:
    meeting = {
        "date": day,
        "date_precision": "day",
        "partner_iso3": "ROU",
        "event_type": "meeting",
        "title": "Follow-up talks on the Romania–Pakistan MoU",
        "lead_scope": "MoST",
    }
    meeting.update(changes)
    return meeting


# -- one rule set ---------------------------------------------------------------------------


def test_an_imported_meeting_lists_its_main_source_and_its_export_passes_the_check(
    store: RecordsStore, tmp_path: Path
) -> None:
    meeting = new_meeting(meeting_id="2026-11-20-ROU", source_id=ROMANIA_SOURCE)
    assert store.import_csv(EDITOR, "meetings", csv_bytes("meetings", [meeting])) == 1
    assert store.meeting("2026-11-20-ROU")["source_ids"] == [ROMANIA_SOURCE]
    assert export_problems(store, tmp_path / "export") == []
    # The export imported into an empty database gives the same rows: its main-source link is
    # already there when meeting_sources is imported, and is not refused as a duplicate.
    copy = RecordsStore(f"sqlite:///{tmp_path / 'copy.sqlite'}", DATA_DIR)
    copy.upgrade(seed=False)
    for table in RECORD_TABLES:
        copy.import_csv(EDITOR, table, (tmp_path / "export" / f"{table}.csv").read_bytes())
    export_package(copy, tmp_path / "again")
    for table in RECORD_TABLES:
        again = (tmp_path / "again" / f"{table}.csv").read_bytes()
        assert again == (tmp_path / "export" / f"{table}.csv").read_bytes(), table
    copy.close()


def test_a_withdrawal_leaving_a_source_uncited_keeps_it_out_of_the_export_until_restored(
    store: RecordsStore, tmp_path: Path
) -> None:
    new_source = {
        "publisher": "Daily Times",
        "title": "Pakistan, Romania discuss S&T cooperation",
        "url": "https://dailytimes.com.pk/example",
        "published": "2026-11-20",
    }
    meeting_id = store.record_meeting(EDITOR, new_meeting(), new_sources=[new_source])
    (source_id,) = store.meeting(meeting_id)["source_ids"]
    version = store.meeting(meeting_id)["version"]
    version = store.withdraw_meeting(ADMIN, meeting_id, "Recorded twice", version)

    assert export_problems(store, tmp_path / "export") == []
    assert source_id not in (tmp_path / "export" / "sources.csv").read_text(encoding="utf-8")
    with store.engine.connect() as conn:
        sources = METADATA.tables["sources"]
        assert conn.scalar(select(sources.c.source_id).where(sources.c.source_id == source_id))

    store.restore_meeting(ADMIN, meeting_id, "It was not a duplicate", version)
    assert export_problems(store, tmp_path / "export") == []
    assert source_id in (tmp_path / "export" / "sources.csv").read_text(encoding="utf-8")


def test_an_import_with_an_inferred_status_and_no_note_is_refused(store: RecordsStore) -> None:
    followup = {
        "action_id": "2025-08-09-rou-inferred",
        "meeting_id": ROMANIA_MEETING,
        "iso3": "ROU",
        "description": "Joint call for proposals",
        "action_type": "other",
        "status": "agreed",
        "raised": "2025-08-09",
        "status_as_of": "2025-08-09",
        "status_basis": "inferred",
        "source_id": ROMANIA_SOURCE,
    }
    with pytest.raises(ValidationFailed) as failed:
        store.import_csv(EDITOR, "followups", csv_bytes("followups", [followup]))
    found = {(p.column, p.rule) for p in failed.value.problems}
    assert {("note", "inferred-status"), ("status_source_id", "inferred-status")} <= found


# -- no silent loss -------------------------------------------------------------------------


def test_a_form_opened_before_an_import_of_links_is_refused_and_shows_what_changed(
    store: RecordsStore,
) -> None:
    opened = store.meeting(ROMANIA_MEETING)
    extra = next(a for a in AREAS if a not in opened["area_ids"])
    link = {"meeting_id": ROMANIA_MEETING, "area_id": extra}
    store.import_csv(EDITOR, "meeting_areas", csv_bytes("meeting_areas", [link]))

    with pytest.raises(Conflict) as conflict:
        store.correct_meeting(
            EDITOR,
            ROMANIA_MEETING,
            {"title": "Corrected title"},
            area_ids=opened["area_ids"],
            source_ids=opened["source_ids"],
            expected_version=opened["version"],
        )
    assert "area_ids" in conflict.value.changed
    assert extra in conflict.value.changed["area_ids"][1]
    assert extra in store.meeting(ROMANIA_MEETING)["area_ids"]  # the import's link is kept


def test_a_form_opened_after_an_import_of_links_saves_and_keeps_them(store: RecordsStore) -> None:
    before = store.meeting(ROMANIA_MEETING)
    extra = next(a for a in AREAS if a not in before["area_ids"])
    link = {"meeting_id": ROMANIA_MEETING, "area_id": extra}
    store.import_csv(EDITOR, "meeting_areas", csv_bytes("meeting_areas", [link]))
    opened = store.meeting(ROMANIA_MEETING)
    assert opened["version"] == before["version"] + 1

    store.correct_meeting(
        EDITOR,
        ROMANIA_MEETING,
        {"title": "Corrected title"},
        area_ids=opened["area_ids"],
        source_ids=opened["source_ids"],
        expected_version=opened["version"],
    )
    after = store.meeting(ROMANIA_MEETING)
    assert after["title"] == "Corrected title" and extra in after["area_ids"]


@pytest.mark.parametrize("opened_first", [True, False], ids=["form-first", "seed-first"])
def test_links_seeded_from_data_make_an_open_form_stale(
    records_url: str, tmp_path: Path, opened_first: bool
) -> None:
    """data/ gains an area for a meeting the database already holds; the next start seeds it."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    store = RecordsStore(records_url, data)
    store.upgrade()
    opened = store.meeting(ROMANIA_MEETING)
    extra = next(a for a in AREAS if a not in opened["area_ids"])
    with (data / "meeting_areas.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{ROMANIA_MEETING},{extra}\n")
    if not opened_first:
        store.upgrade()
        opened = store.meeting(ROMANIA_MEETING)
    else:
        store.upgrade()
    save = {
        "area_ids": opened["area_ids"],
        "source_ids": opened["source_ids"],
        "expected_version": opened["version"],
    }
    if opened_first:
        with pytest.raises(Conflict) as conflict:
            store.correct_meeting(EDITOR, ROMANIA_MEETING, {"title": "New title"}, **save)
        assert "area_ids" in conflict.value.changed
    else:
        store.correct_meeting(EDITOR, ROMANIA_MEETING, {"title": "New title"}, **save)
    assert extra in store.meeting(ROMANIA_MEETING)["area_ids"]
    store.close()


# -- one snapshot per read ------------------------------------------------------------------


def test_a_read_never_shows_a_followup_without_its_meeting_while_others_write(
    store: RecordsStore,
) -> None:
    writes = 30
    done = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(writes):
                meeting_id = store.record_meeting(
                    EDITOR,
                    new_meeting(title=f"Talks {n}"),
                    source_ids=[ROMANIA_SOURCE],
                    followups=[{"description": f"Action {n}", "action_type": "other"}],
                )
                version = store.meeting(meeting_id)["version"]
                store.withdraw_meeting(ADMIN, meeting_id, "test", version)
        except BaseException as exc:  # reported by the test below
            failures.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = orphans = 0
    while not done.is_set() or reads == 0:
        tables = store.tables()
        meetings = set(tables["meetings"]["meeting_id"])
        orphans += int((~tables["followups"]["meeting_id"].isin(meetings)).sum())
        reads += 1
    thread.join()
    assert not failures
    assert orphans == 0, f"{orphans} follow-ups without their meeting in {reads} reads"


# -- random sequences of writes -------------------------------------------------------------


class RecordsMachine(RuleBasedStateMachine):
    """Random records, corrections, withdrawals, restores, status updates and imports."""

    new_database: Callable[[], str] = staticmethod(lambda: "")
    folder: Path = Path()
    numbers = itertools.count(1)

    def __init__(self) -> None:
        super().__init__()
        self.store = RecordsStore(self.new_database(), DATA_DIR)
        self.store.upgrade()
        self.revision = self.store.revision()
        self.export = self.folder / f"export-{next(self.numbers)}"

    def teardown(self) -> None:
        self.store.close()

    # Each write goes through here: an applied one moves the revision by one; a refused one
    # changes nothing at all.
    def attempt(self, write: Callable[[], object]) -> None:
        before = database_rows(self.store)
        try:
            write()
        except (ValidationFailed, Conflict):
            assert database_rows(self.store) == before
            assert self.store.revision() == self.revision
            return
        self.revision += 1
        assert self.store.revision() == self.revision

    def meetings(self) -> list[str]:
        return sorted(self.store.tables()["meetings"]["meeting_id"])

    @rule(
        day=st.dates(date(2024, 1, 1), date(2026, 11, 30)),
        areas=st.lists(st.sampled_from(AREAS), unique=True, max_size=2),
        sources=st.lists(st.sampled_from(KNOWN_SOURCES), unique=True, max_size=2),
        new_source=st.booleans(),
        followups=st.integers(0, 2),
        flaw=st.sampled_from([None, None, "end before start", "escape", "unknown area"]),
    )
    def record(
        self,
        day: date,
        areas: list[str],
        sources: list[str],
        new_source: bool,
        followups: int,
        flaw: str | None,
    ) -> None:
        meeting = new_meeting(day.isoformat(), title=f"Talks of {day}")
        if flaw == "end before start":
            meeting["end_date"] = date(day.year - 1, 1, 1).isoformat()
        elif flaw == "escape":
            meeting["outcomes"] = "Agreed \x1b on a visit"
        elif flaw == "unknown area":
            areas = [*areas, "no-such-area"]
        created = [
            {
                "publisher": "Daily Times",
                "title": f"Report {next(self.numbers)}",
                "url": "https://dailytimes.com.pk/report",
                "published": day.isoformat(),
            }
        ]
        if not (sources or new_source):
            sources = [ROMANIA_SOURCE]
        self.attempt(
            lambda: self.store.record_meeting(
                EDITOR,
                meeting,
                area_ids=areas,
                source_ids=sources,
                new_sources=created if new_source else [],
                followups=[
                    {"description": f"Action {n}", "action_type": "other"} for n in range(followups)
                ],
            )
        )

    @rule(
        data=st.data(),
        areas=st.lists(st.sampled_from(AREAS), unique=True, max_size=3),
        sources=st.lists(st.sampled_from(KNOWN_SOURCES), unique=True, min_size=1, max_size=2),
        stale=st.booleans(),
    )
    def correct(self, data: st.DataObject, areas: list[str], sources: list[str], stale: bool):
        meeting_id = data.draw(st.sampled_from(self.meetings()))
        version = self.store.meeting(meeting_id)["version"] - (1 if stale else 0)
        self.attempt(
            lambda: self.store.correct_meeting(
                EDITOR,
                meeting_id,
                {"title": f"Corrected {next(self.numbers)}"},
                area_ids=areas,
                source_ids=sources,
                expected_version=version,
            )
        )

    @rule(data=st.data(), stale=st.booleans())
    def withdraw(self, data: st.DataObject, stale: bool) -> None:
        meeting_id = data.draw(st.sampled_from(self.meetings()))
        version = self.store.meeting(meeting_id)["version"] - (1 if stale else 0)
        self.attempt(lambda: self.store.withdraw_meeting(ADMIN, meeting_id, "test", version))

    @precondition(lambda self: bool(self.store.withdrawn_meeting_ids()))
    @rule(data=st.data())
    def restore(self, data: st.DataObject) -> None:
        meeting_id = data.draw(st.sampled_from(self.store.withdrawn_meeting_ids()))
        version = self.store.meeting(meeting_id)["version"]
        self.attempt(lambda: self.store.restore_meeting(ADMIN, meeting_id, "back", version))

    @rule(
        data=st.data(),
        status=st.sampled_from(["agreed", "in_progress", "done", "dropped", "no-such-status"]),
        basis=st.sampled_from(["reported", "inferred"]),
        note=st.sampled_from([None, "Said at the review", "Said \u202e backwards"]),
        with_source=st.booleans(),
    )
    def update_status(
        self, data: st.DataObject, status: str, basis: str, note: str | None, with_source: bool
    ) -> None:
        followups = self.store.tables()["followups"]
        if followups.empty:
            return
        action_id = data.draw(st.sampled_from(sorted(followups["action_id"])))
        current = self.store.followup(action_id)
        effective = max(current["status_as_of"], date(2026, 11, 30))
        self.attempt(
            lambda: self.store.update_followup(
                EDITOR,
                action_id,
                status,
                effective,
                ROMANIA_SOURCE if with_source else None,
                note,
                current["version"],
                basis,
            )
        )

    @rule(
        data=st.data(),
        kind=st.sampled_from(["meeting", "area link", "source link", "bad meeting"]),
    )
    def import_rows(self, data: st.DataObject, kind: str) -> None:
        number = next(self.numbers)
        if kind in ("meeting", "bad meeting"):
            row = new_meeting(
                "2026-10-01",
                meeting_id=f"2026-10-01-IMP-{number}",
                source_id=data.draw(st.sampled_from(KNOWN_SOURCES)),
                event_type="meeting" if kind == "meeting" else "party",
            )
            raw = csv_bytes("meetings", [row])
            self.attempt(lambda: self.store.import_csv(EDITOR, "meetings", raw))
            return
        meeting_id = data.draw(st.sampled_from(self.meetings()))
        if kind == "area link":
            row = {"meeting_id": meeting_id, "area_id": data.draw(st.sampled_from(AREAS))}
            raw = csv_bytes("meeting_areas", [row])
            self.attempt(lambda: self.store.import_csv(EDITOR, "meeting_areas", raw))
        else:
            source = data.draw(st.sampled_from(KNOWN_SOURCES))
            row = {"meeting_id": meeting_id, "source_id": source, "supports": f"Fact {number}"}
            raw = csv_bytes("meeting_sources", [row])
            self.attempt(lambda: self.store.import_csv(EDITOR, "meeting_sources", raw))

    @invariant()
    def the_export_passes_the_package_check(self) -> None:
        assert export_problems(self.store, self.export) == []

    @invariant()
    def every_followup_has_its_meeting_and_every_status_its_followup(self) -> None:
        tables = self.store.tables()
        meetings = set(tables["meetings"]["meeting_id"])
        assert tables["followups"]["meeting_id"].isin(meetings).all()
        history = METADATA.tables["followup_status_history"]
        followups = METADATA.tables["followups"]
        with self.store.engine.connect() as conn:
            orphans = conn.scalars(
                select(history.c.action_id).where(
                    history.c.action_id.not_in(select(followups.c.action_id))
                )
            ).all()
        assert orphans == []


def test_random_sequences_of_writes_keep_every_promise(
    records_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if records_url.startswith("sqlite"):
        numbers = itertools.count()
        RecordsMachine.new_database = staticmethod(
            lambda: f"sqlite:///{tmp_path / f'records-{next(numbers)}.sqlite'}"
        )
    else:
        RecordsMachine.new_database = staticmethod(
            request.getfixturevalue("postgres_server").new_database
        )
    RecordsMachine.folder = Path(tempfile.mkdtemp(dir=tmp_path))
    run_state_machine_as_test(
        RecordsMachine,
        settings=settings(
            max_examples=5,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
