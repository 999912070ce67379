"""Reading only what changed: after every kind of write, the record tables read from the
previous read and the change log equal a full read (and so does the package joined with them),
on SQLite and on a real PostgreSQL server; a page shows a saved change at its next rerun."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import update

from dashboard.charts.country_page import country_page_tables
from dashboard.datasets.citations import resource_as_of, sources_table
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, load_package
from dashboard.datasets.programme_tree import programmes_view
from dashboard.datasets.queries import followups_view, meetings_view, partners_view
from dashboard.records import RecordsStore, reading
from dashboard.records.base import REVISION
from dashboard.records.models import RECORD_TABLES, record_spec
from dashboard.records.package import join_records, with_records
from dashboard.records.reading import RecordTables
from dashboard.ui.options import filter_options
from tests.conftest import DATA_DIR, FIXED_TODAY
from tests.helpers import (
    ADMIN,
    EDITOR,
    ROMANIA_MEETING,
    ROMANIA_MOU,
    ROMANIA_SOURCE,
    page_text,
    run_app,
)

# The follow-up of ROMANIA_MEETING that the later IT forum resolved.
FORUM = "2025-08-09-rou-forum"
FORUM_MEETING = "2025-11-20-ROU"
TODAY = date.fromisoformat(FIXED_TODAY)


@pytest.fixture
def store(records_url: str) -> Iterator[RecordsStore]:
    records = RecordsStore(records_url, DATA_DIR)
    records.upgrade()
    try:
        yield records
    finally:
        records.close()


@pytest.fixture(scope="module")
def curated() -> LoadedPackage:
    return load_package(DATA_DIR)


def csv_bytes(table: str, rows: list[dict]) -> bytes:
    """`rows` as a CSV file with the columns of data/'s `table`."""
    names = record_spec().resource(table).field_names
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in names})
    return out.getvalue().encode("utf-8")


def new_meeting(**changes: object) -> dict:
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


def other_areas(store: RecordsStore, meeting_id: str, n: int) -> list[str]:
    taken = set(store.meeting(meeting_id)["area_ids"])
    return sorted(set(store.curated()["cooperation_areas"]) - taken)[:n]


@contextmanager
def no_full_read(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fails the test if the tables are read in full meanwhile."""

    def refused(*_args: object) -> None:
        raise AssertionError("read every table instead of what changed")

    with monkeypatch.context() as patch:
        patch.setattr(RecordsStore, "_read_all", refused)
        yield


def assert_same_as_full_read(store: RecordsStore, read: RecordTables) -> None:
    full = store.read_tables()
    assert (read.revision, read.last_change) == (full.revision, full.last_change)
    for name in RECORD_TABLES:
        pd.testing.assert_frame_equal(read.frames[name], full.frames[name], obj=name)


def record(store: RecordsStore) -> None:
    store.record_meeting(
        EDITOR,
        new_meeting(),
        area_ids=other_areas(store, ROMANIA_MEETING, 2),
        source_ids=[ROMANIA_SOURCE],
        new_sources=[
            {
                "publisher": "Embassy of Romania",
                "title": "Talks on the MoU",
                "url": "https://example.org/talks",
                "published": "2026-11-21",
            }
        ],
        followups=[{"description": "Sign the MoU", "action_type": "mou"}],
    )


def add_source(store: RecordsStore) -> None:
    store.add_source(
        EDITOR,
        {
            "publisher": "Dawn",
            "title": "A new report",
            "url": "https://example.org/report",
            "published": "2026-11-22",
        },
    )


def correct_with_new_links(store: RecordsStore) -> None:
    before = store.meeting(ROMANIA_MEETING)
    source = store.add_source(
        EDITOR,
        {
            "publisher": "APP",
            "title": "Report",
            "url": "https://example.org/app",
            "published": "2026-11-23",
        },
    )
    store.correct_meeting(
        EDITOR,
        ROMANIA_MEETING,
        {"title": "Corrected title"},
        area_ids=other_areas(store, ROMANIA_MEETING, 1),
        source_ids=[source, *before["source_ids"]],
        expected_version=before["version"],
    )


def withdraw(store: RecordsStore) -> None:
    # The meeting resolves a follow-up of another meeting, which then shows no resolver.
    version = store.meeting(FORUM_MEETING)["version"]
    store.withdraw_meeting(ADMIN, FORUM_MEETING, "recorded twice", version)


def update_status(store: RecordsStore) -> None:
    version = store.followup(ROMANIA_MOU)["version"]
    store.update_followup(
        EDITOR, ROMANIA_MOU, "agreed", date(2026, 11, 2), ROMANIA_SOURCE, None, version
    )


def import_rows(store: RecordsStore) -> None:
    meeting = new_meeting(meeting_id="2026-11-20-ROU", source_id=ROMANIA_SOURCE)
    store.import_csv(EDITOR, "meetings", csv_bytes("meetings", [meeting]))
    links = [
        {"meeting_id": ROMANIA_MEETING, "area_id": a}
        for a in other_areas(store, ROMANIA_MEETING, 2)
    ]
    store.import_csv(EDITOR, "meeting_areas", csv_bytes("meeting_areas", links))
    followup = {
        "action_id": "2026-11-20-rou-call",
        "meeting_id": "2026-11-20-ROU",
        "iso3": "ROU",
        "description": "Joint call for proposals",
        "action_type": "other",
        "status": "proposed",
        "raised": "2026-11-20",
        "status_as_of": "2026-11-20",
        "status_basis": "reported",
        "source_id": ROMANIA_SOURCE,
    }
    store.import_csv(EDITOR, "followups", csv_bytes("followups", [followup]))


WRITES: dict[str, Callable[[RecordsStore], None]] = {
    "record a meeting with a new source, areas and a follow-up": record,
    "add a source": add_source,
    "correct a meeting with new areas and sources": correct_with_new_links,
    "withdraw a meeting that resolved a follow-up": withdraw,
    "update a follow-up's status": update_status,
    "import meetings, links and follow-ups": import_rows,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_after_a_write_the_incremental_read_equals_a_full_read(
    store: RecordsStore,
    curated: LoadedPackage,
    write: Callable[[RecordsStore], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = join_records(curated, store)
    write(store)
    with no_full_read(monkeypatch):
        after = join_records(curated, store, before)
    assert after.records is not None and after.records.changed
    assert_same_as_full_read(store, after.records)
    # The package the pages get: every table, the as-of dates and the line numbers as a
    # package joined afresh.
    fresh = with_records(curated, store)
    assert after.package.spec == fresh.spec
    for name, frame in fresh.tables.items():
        pd.testing.assert_frame_equal(after.package.tables[name], frame, obj=name)
        assert (after.package.lines[name] == fresh.lines[name]).all()


def test_a_table_citing_a_newer_source_moves_its_as_of_date(
    store: RecordsStore, curated: LoadedPackage
) -> None:
    source = store.add_source(
        EDITOR,
        {
            "publisher": "Embassy of Romania",
            "title": "The MoU signed",
            "url": "https://example.org/signed",
            "published": "2026-11-25",
        },
    )
    before = join_records(curated, store)
    assert before.package.resource("followups").as_of < "2026-11-25"
    version = store.followup(ROMANIA_MOU)["version"]
    store.update_followup(EDITOR, ROMANIA_MOU, "agreed", date(2026, 11, 25), source, None, version)
    after = join_records(curated, store, before)
    assert after.package.resource("followups").as_of == "2026-11-25"
    assert after.package.spec == with_records(curated, store).spec


def test_restore_brings_back_the_meeting_its_links_and_what_it_resolved(
    store: RecordsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    withdraw(store)
    before = store.read_tables()
    forum = before.frames["followups"].set_index("action_id").loc[FORUM]
    assert pd.isna(forum["resolved_by_meeting_id"])
    version = store.meeting(FORUM_MEETING)["version"]
    store.restore_meeting(ADMIN, FORUM_MEETING, "not a duplicate after all", version)
    with no_full_read(monkeypatch):
        after = store.read_tables(before)
    assert_same_as_full_read(store, after)
    forum = after.frames["followups"].set_index("action_id").loc[FORUM]
    assert forum["resolved_by_meeting_id"] == FORUM_MEETING


def test_seeding_new_rows_of_data_is_read_incrementally(
    records_url: str, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = RecordsStore(records_url, data_copy)
    try:
        store.upgrade()
        before = store.read_tables()
        meetings = pd.read_csv(data_copy / "meetings.csv", dtype=str, keep_default_na=False)
        added = meetings[meetings["meeting_id"] == ROMANIA_MEETING].assign(
            meeting_id="2026-11-27-ROU", date="2026-11-27", title="Seeded meeting"
        )
        pd.concat([meetings, added]).to_csv(
            data_copy / "meetings.csv", index=False, lineterminator="\n"
        )
        links = pd.read_csv(data_copy / "meeting_sources.csv", dtype=str, keep_default_na=False)
        link = links[links["meeting_id"] == ROMANIA_MEETING].head(1)
        pd.concat([links, link.assign(meeting_id="2026-11-27-ROU")]).to_csv(
            data_copy / "meeting_sources.csv", index=False, lineterminator="\n"
        )
        assert store.upgrade().total >= 2
        with no_full_read(monkeypatch):
            after = store.read_tables(before)
        assert "2026-11-27-ROU" in set(after.frames["meetings"]["meeting_id"])
        assert_same_as_full_read(store, after)
    finally:
        store.close()


def test_reads_in_a_row_each_take_only_what_changed(
    store: RecordsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = store.read_tables()
    for write in (record, update_status, withdraw, correct_with_new_links):
        write(store)
        with no_full_read(monkeypatch):
            read = store.read_tables(read)
        assert_same_as_full_read(store, read)
    # Two writes between reads, too.
    add_source(store)
    version = store.meeting(FORUM_MEETING)["version"]
    store.restore_meeting(ADMIN, FORUM_MEETING, "restored", version)
    with no_full_read(monkeypatch):
        read = store.read_tables(read)
    assert_same_as_full_read(store, read)


def test_nothing_changed_gives_the_same_tables(store: RecordsStore) -> None:
    read = store.read_tables()
    assert store.read_tables(read) is read


def test_what_the_log_cannot_name_is_read_in_full(store: RecordsStore) -> None:
    read = store.read_tables()
    # The revision moved, but no change-log entry says what changed.
    with store.engine.begin() as conn:
        conn.execute(update(REVISION).values(value=REVISION.c.value + 1))
    again = store.read_tables(read)
    assert again.changed == frozenset(RECORD_TABLES)
    assert_same_as_full_read(store, again)


def test_many_changes_are_read_in_full(
    store: RecordsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = store.read_tables()
    record(store)  # several change-log entries: a source, a meeting, a follow-up
    monkeypatch.setattr(reading, "INCREMENTAL_LIMIT", 1)
    again = store.read_tables(read)
    assert again.changed == frozenset(RECORD_TABLES)
    assert_same_as_full_read(store, again)


def test_the_timeline_shows_each_saved_change_at_its_next_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    store = RecordsStore(url, DATA_DIR)
    try:
        store.upgrade()
        at = run_app("views/timeline.py")
        shown = len(store.tables()["meetings"])
        assert f"{shown} event(s)" in page_text(at)

        meeting_id = store.record_meeting(
            EDITOR, new_meeting(title="Talks recorded just now"), source_ids=[ROMANIA_SOURCE]
        )
        at.run()
        assert f"{shown + 1} event(s)" in page_text(at)

        version = store.meeting(meeting_id)["version"]
        store.withdraw_meeting(ADMIN, meeting_id, "recorded by mistake", version)
        at.run()
        assert f"{shown} event(s)" in page_text(at)

        store.restore_meeting(ADMIN, meeting_id, "not a mistake", version + 1)
        at.run()
        assert f"{shown + 1} event(s)" in page_text(at)
        assert not at.exception
    finally:
        store.close()


def page_results(package: LoadedPackage) -> dict[str, object]:
    """What the pages build from a package (per_package): views of the records, of curated
    tables only, a partner's profile, source lists and every table's as-of dates."""
    assert package.spec is not None
    return {
        "meetings": meetings_view(package, Filters()),
        "followups": followups_view(package, Filters(), TODAY),
        "partners": partners_view(package, Filters()),
        "programmes": programmes_view(package, Filters()),
        "filter options": filter_options(package),
        "Romania's profile": country_page_tables(package, "ROU", (), TODAY, Filters()),
        "sources": sources_table(package, [ROMANIA_SOURCE, "wdi-tx-val-tech-mf-zs"]),
        **{
            f"as of {res.name}": resource_as_of(package, res.name) for res in package.spec.resources
        },
    }


def assert_same(result: object, expected: object, name: str) -> None:
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(result, expected, obj=name)
    elif isinstance(expected, dict):
        assert result.keys() == expected.keys(), name
        for key, value in expected.items():
            assert_same(result[key], value, f"{name}[{key}]")
    else:
        assert result == expected, name


def memo_values(package: LoadedPackage, name: str, args: tuple | None = None) -> list[object]:
    """The results of the per-package function `name` (called with `args`, if given) kept in
    `package`'s memo."""
    return [
        entry.value
        for key, entry in package._memo.items()
        if key[1] == name and (args is None or key[2] == args)
    ]


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_after_a_write_what_pages_built_is_kept_only_where_nothing_it_read_changed(
    store: RecordsStore, curated: LoadedPackage, write: Callable[[RecordsStore], None]
) -> None:
    before = join_records(curated, store)
    page_results(before.package)
    write(store)
    after = join_records(curated, store, before)
    # Built from curated tables only: taken over as it was, the same object.
    kept = memo_values(after.package, "filter_options")
    assert kept and kept[0] is memo_values(before.package, "filter_options")[0]
    # What is taken over, and what is built again, equals what a fresh package gives.
    results, expected = page_results(after.package), page_results(with_records(curated, store))
    for name, value in expected.items():
        assert_same(results[name], value, name)


def test_a_result_that_read_an_as_of_date_is_built_again_when_the_date_moves(
    store: RecordsStore, curated: LoadedPackage
) -> None:
    source = store.add_source(
        EDITOR,
        {
            "publisher": "Embassy of Romania",
            "title": "The MoU signed",
            "url": "https://example.org/signed",
            "published": "2026-11-25",
        },
    )
    store.record_meeting(EDITOR, new_meeting(), source_ids=[source])  # cited, so shown
    before = join_records(curated, store)
    assert resource_as_of(before.package, "followups").published < "2026-11-25"
    resource_as_of(before.package, "programmes")
    (programmes,) = memo_values(before.package, "_resource_as_of", (("programmes",),))
    version = store.followup(ROMANIA_MOU)["version"]
    store.update_followup(EDITOR, ROMANIA_MOU, "agreed", date(2026, 11, 25), source, None, version)
    after = join_records(curated, store, before)
    assert resource_as_of(after.package, "followups").published == "2026-11-25"
    # The programmes' dates, which read no changed table, are the same object.
    (kept,) = memo_values(after.package, "_resource_as_of", (("programmes",),))
    assert kept is programmes


def test_a_curated_page_keeps_its_frames_after_a_save_and_the_timeline_builds_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The EU programmes and Compare pages read curated tables only: after a save their next
    rerun finds what they built (the same objects) in the newer package; the timeline, which
    shows the saved meeting, builds its frames again."""
    from dashboard.ui.data import get_package

    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    store = RecordsStore(url, DATA_DIR)
    try:
        store.upgrade()
        at = run_app("views/programmes.py")
        at.switch_page("views/compare.py").run()
        at.switch_page("views/timeline.py").run()
        assert not at.exception
        before = get_package()
        built = {
            name: memo_values(before, name)
            for name in ("programmes_page_data", "compare_page_parts", "timeline_page_data")
        }
        assert all(built.values())

        store.record_meeting(
            EDITOR, new_meeting(title="Talks recorded just now"), source_ids=[ROMANIA_SOURCE]
        )
        at.run()
        assert not at.exception
        after = get_package()
        assert after is not before
        for name in ("programmes_page_data", "compare_page_parts"):
            assert all(a is b for a, b in zip(memo_values(after, name), built[name], strict=True))
        rebuilt = memo_values(after, "timeline_page_data")
        assert rebuilt and not any(v is b for v in rebuilt for b in built["timeline_page_data"])
        at.switch_page("views/programmes.py").run()
        assert not at.exception
        assert all(
            a is b
            for a, b in zip(
                memo_values(get_package(), "programmes_page_data"),
                built["programmes_page_data"],
                strict=True,
            )
        )
    finally:
        store.close()
