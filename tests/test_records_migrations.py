"""Schema migrations on databases that hold records, on SQLite and on a real PostgreSQL server.

Every earlier schema revision (read from the migrations folder, so a new migration is covered
without touching this file) is built, filled through the tables as they are at that revision,
and upgraded to the newest by the store and by the command line: every row keeps its values and
every reference still holds. A failed upgrade changes nothing and says so in one line, and the
app tells its readers that the records database needs an administrator instead of failing.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Table,
    and_,
    exists,
    insert,
    literal_column,
    not_,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from streamlit.testing.v1 import AppTest

from dashboard.bench.server import ROOT
from dashboard.records import RecordsStore, UpgradeFailed
from dashboard.records.database import MIGRATIONS, make_engine
from dashboard.records.models import METADATA
from tests.conftest import APP, DATA_DIR
from tests.helpers import EDITOR, page_text, run_app

NEEDS_UPGRADE = "The records database needs an administrator to upgrade it"
COMMAND = "python -m dashboard.records upgrade"
REVISION = METADATA.tables["revision"]
ROWS = 4  # per table: all columns filled, a withdrawn meeting, and rows with empty optionals
# Columns a migration fills from the row's other values (0004: a source without a published
# date is marked undated), with the value each earlier row holds after the upgrade.
DERIVED: dict[tuple[str, str], Callable[[dict[str, Any]], Any]] = {
    ("sources", "undated"): lambda row: True if row["published"] is None else None,
}


def alembic_config() -> Config:
    """This release's migrations, as the store runs them (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


# Oldest first; every revision but the newest is one a database of an earlier release may be at.
REVISIONS = [
    script.revision
    for script in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))
]
HEAD = REVISIONS[-1]
EARLIER = REVISIONS[:-1]
UNKNOWN = "9" * (len(HEAD) + 1)  # a revision of a release newer than this one


def build_at(url: str, revision: str) -> None:
    """An empty database at `revision`, made by this release's own migrations."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def _value(column: Column, row: int, made: dict[str, list[dict[str, Any]]]) -> Any:
    """A value for `column` in the `row`-th row: row 0 fills every column but the withdrawal,
    row 1 is a withdrawn meeting's, later rows leave the optional columns empty; a reference
    names a row of the table it refers to."""
    if column.name.startswith("withdrawn_") and row != 1:
        return None
    if column.nullable and row >= 2:
        return None
    fk = next(iter(column.foreign_keys), None)
    if fk is not None:
        parents = made.get(fk.column.table.name)
        return parents[row % len(parents)][fk.column.name] if parents else None
    kind = column.type
    if isinstance(kind, Boolean):
        return row == 0
    if isinstance(kind, Integer):
        return 10_000_000 + row  # far above any id seeding gives out
    if isinstance(kind, DateTime):
        return datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC) + timedelta(hours=row)
    if isinstance(kind, Date):
        return date(2024, 2, 28) + timedelta(days=row)
    if isinstance(kind, JSON):
        return {"column": column.name, "row": row, "text": "Ünïcode — “quoted”"}
    return f"{column.table.name}.{column.name} #{row} — Ünïcode ‘quoted’"


def fill(url: str, rows: int = ROWS) -> None:
    """Rows in every table as the tables are now (reflected, not this release's model): new
    rows where a table is empty, new values in the rows a migration made (the revision)."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    made: dict[str, list[dict[str, Any]]] = {}
    try:
        with engine.begin() as conn:
            for table in metadata.sorted_tables:
                if table.name == "alembic_version":
                    continue
                present = [dict(r) for r in conn.execute(select(table)).mappings()]
                for n, row in enumerate(present):
                    key = and_(*[c == row[c.name] for c in table.primary_key.columns])
                    values = {
                        c.name: _value(c, n, made) for c in table.columns if not c.primary_key
                    }
                    conn.execute(update(table).where(key).values(values))
                if not present:
                    new = [{c.name: _value(c, n, made) for c in table.columns} for n in range(rows)]
                    conn.execute(insert(table), new)
                made[table.name] = [dict(r) for r in conn.execute(select(table)).mappings()]
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, dict[tuple, dict[str, Any]]]:
    """Every row of every table, by primary key, as the tables are now."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    try:
        with engine.connect() as conn:
            return {
                table.name: {
                    tuple(row[c.name] for c in table.primary_key.columns): row
                    for row in (dict(r) for r in conn.execute(select(table)).mappings())
                }
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def schema_revision(url: str) -> str:
    return next(iter(snapshot(url)["alembic_version"]))[0]


def sqlite_bytes(url: str) -> str | None:
    """The SQLite file's hash (None on PostgreSQL); every connection to it must be closed."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return hashlib.sha256(Path(parsed.database).read_bytes()).hexdigest()


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DASHBOARD_DATABASE_URL": url, "DASHBOARD_DATA_DIR": str(DATA_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "dashboard.records", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def upgrade_by_store(url: str) -> None:
    store = RecordsStore(url, DATA_DIR)
    try:
        store.upgrade()
        assert_references_enforced(store)
    finally:
        store.close()


def upgrade_by_command_line(url: str) -> None:
    done = cli(url, "upgrade")
    assert done.returncode == 0, done.stderr
    assert "schema up to date" in done.stdout


def assert_references_enforced(store: RecordsStore) -> None:
    """A row referring to a meeting that does not exist is refused (SQLite's foreign keys are
    back on for the store's pooled connections)."""
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO meeting_areas (meeting_id, area_id) VALUES ('no-such-meeting', 'ai')")
        )


def assert_kept(url: str, before: dict[str, dict[tuple, dict[str, Any]]]) -> None:
    """Every row of `before` is in the database with its values; columns dropped by a migration
    excepted, columns added hold their defaults (or what the migration derives, `DERIVED`).
    Seeding is a write: it may only have moved the revision counter on."""
    after = snapshot(url)
    defaults = column_defaults(url)
    for name, rows in before.items():
        if name == "alembic_version":
            continue
        for key, row in rows.items():
            assert key in after[name], f"{name} lost the row {key}"
            now = after[name][key]
            if name == REVISION.name:
                assert now[REVISION.c.value.name] >= row[REVISION.c.value.name]
                continue
            for column, value in now.items():
                if column in row:
                    expected = row[column]
                elif (name, column) in DERIVED:
                    expected = DERIVED[name, column](row)
                else:
                    expected = defaults[name][column]
                assert value == expected, f"{name} {key}: {column} is {value!r}, not {expected!r}"


def column_defaults(url: str) -> dict[str, dict[str, Any]]:
    """Per table and column, what the database gives a row that does not set it."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    try:
        with engine.connect() as conn:
            return {
                table.name: {
                    c.name: None
                    if c.server_default is None
                    else conn.scalar(select(literal_column(str(c.server_default.arg))))
                    for c in table.columns
                }
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def assert_newest_schema_and_references_hold(url: str) -> None:
    """The upgraded database has this release's tables, columns and foreign keys, and no row
    refers to a row that does not exist."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    try:
        assert set(metadata.tables) - {"alembic_version"} == set(METADATA.tables)
        for model in METADATA.sorted_tables:
            table = metadata.tables[model.name]
            assert {c.name for c in table.columns} == {c.name for c in model.columns}
            assert _links(table) == _links(model), model.name
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for fk in table.foreign_key_constraints:
                    parent = fk.referred_table
                    match = and_(*[e.column == e.parent for e in fk.elements])
                    orphans = select(table).where(
                        and_(*[c.isnot(None) for c in fk.columns]),
                        not_(exists(select(parent).where(match))),
                    )
                    assert conn.execute(orphans).first() is None, f"{table.name} → {parent.name}"
    finally:
        engine.dispose()


def _links(table: Table) -> set[tuple]:
    return {
        (tuple(e.parent.name for e in fk.elements), fk.referred_table.name,
         tuple(e.column.name for e in fk.elements))
        for fk in table.foreign_key_constraints
    }  # fmt: skip


def plant_orphan(url: str) -> None:
    """A meeting–area link to a meeting that does not exist, written with SQLite's foreign keys
    off (as an old bug or a hand edit might have left it)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            sqlite = conn.connection.driver_connection
            sqlite.execute("PRAGMA foreign_keys=OFF")
            sqlite.execute(
                "INSERT INTO meeting_areas (meeting_id, area_id) VALUES ('no-such-meeting', 'ai')"
            )
    finally:
        engine.dispose()


def assert_one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    "upgrade", [upgrade_by_store, upgrade_by_command_line], ids=["store", "command line"]
)
@pytest.mark.parametrize("revision", EARLIER)
def test_a_database_with_records_at_an_earlier_revision_upgrades_keeping_every_row(
    records_url: str, revision: str, upgrade: Callable[[str], None]
) -> None:
    build_at(records_url, revision)
    fill(records_url)
    before = snapshot(records_url)
    upgrade(records_url)
    assert schema_revision(records_url) == HEAD
    assert_kept(records_url, before)
    assert_newest_schema_and_references_hold(records_url)
    # The store reads them: the withdrawn meeting is left out, the others are there.
    store = RecordsStore(records_url, DATA_DIR)
    try:
        shown = set(store.tables()["meetings"]["meeting_id"])
    finally:
        store.close()
    meetings = [key[0] for key in sorted(before["meetings"])]
    assert meetings[1] not in shown
    assert {meetings[0], *meetings[2:]} <= shown


def test_the_reported_database_of_schema_0002_upgrades_from_the_command_line(
    tmp_path: Path,
) -> None:
    """Issue 20: an SQLite database of an earlier release with one meeting–area link failed
    with "FOREIGN KEY constraint failed [SQL: DROP TABLE meetings]"."""
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    build_at(url, "0002")
    fill(url, rows=1)
    link = next(iter(snapshot(url)["meeting_areas"]))
    done = cli(url, "upgrade")
    assert done.returncode == 0, done.stderr
    assert schema_revision(url) == HEAD
    assert link in snapshot(url)["meeting_areas"]


@pytest.mark.parametrize("revision", EARLIER)
def test_a_row_referring_to_nothing_stops_the_upgrade_and_changes_nothing(
    tmp_path: Path, revision: str
) -> None:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    build_at(url, revision)
    fill(url)
    plant_orphan(url)
    before, file = snapshot(url), sqlite_bytes(url)
    done = cli(url, "upgrade")
    assert done.returncode == 1
    line = assert_one_line(done.stderr)
    assert f"could not be upgraded from schema {revision} to schema {HEAD}" in line
    assert "meeting_areas → meetings: 1" in line
    assert "nothing was changed" in line
    assert done.stdout == ""
    assert sqlite_bytes(url) == file
    assert snapshot(url) == before


def test_a_database_of_a_newer_release_is_refused_and_left_alone(records_url: str) -> None:
    build_at(records_url, HEAD)
    fill(records_url)
    engine = make_engine(records_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": UNKNOWN})
    finally:
        engine.dispose()
    before, file = snapshot(records_url), sqlite_bytes(records_url)
    done = cli(records_url, "upgrade")
    assert done.returncode == 1
    line = assert_one_line(done.stderr)
    assert f"is at schema {UNKNOWN}, which this release does not know" in line
    assert "newer release" in line and "nothing was changed" in line
    assert sqlite_bytes(records_url) == file
    assert snapshot(records_url) == before


def test_a_failure_after_the_migrations_ran_takes_all_of_them_back(
    records_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The migrations, their schema changes included, and the seeding are one transaction."""

    def fail(conn: Any, migration: Any) -> None:
        raise migration.failed("stopped on purpose by the test")

    monkeypatch.setattr("dashboard.records.schema.check_foreign_keys", fail)
    build_at(records_url, REVISIONS[0])
    fill(records_url)
    before, file = snapshot(records_url), sqlite_bytes(records_url)
    store = RecordsStore(records_url, DATA_DIR)
    try:
        with pytest.raises(UpgradeFailed) as failed:
            store.upgrade()
        assert len(str(failed.value).splitlines()) == 1
        assert "stopped on purpose by the test; nothing was changed" in str(failed.value)
        assert_references_enforced(store)
    finally:
        store.close()
    assert sqlite_bytes(records_url) == file
    assert snapshot(records_url) == before
    assert schema_revision(records_url) == REVISIONS[0]


@pytest.fixture
def unupgradable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The app's records database: one at the revision before the newest that cannot be
    upgraded (a link to a meeting that does not exist)."""
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    build_at(url, EARLIER[-1])
    fill(url)
    plant_orphan(url)
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    return url


def test_the_pages_say_the_records_database_needs_an_administrator(unupgradable: str) -> None:
    at = run_app("views/followups.py")
    assert not at.exception
    notice = page_text(at)
    assert NEEDS_UPGRADE in notice
    assert "not the current records" in notice
    assert "meeting_areas → meetings: 1" in notice
    assert COMMAND in notice
    # Readers still see the curated follow-ups of data/, none of the database's.
    table = next(df.value for df in at.dataframe if "Flag" in df.value.columns)
    assert len(table) == 28
    assert not table["Action"].str.startswith("followups.description").any()
    assert schema_revision(unupgradable) == EARLIER[-1]


def test_a_record_page_says_nothing_can_be_recorded_until_the_upgrade(unupgradable: str) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": secrets.token_urlsafe(48),
        "client_id": "dashboard",
        "client_secret": "test",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.secrets["access"] = {"editors": [EDITOR.email]}
    at.user = {"is_logged_in": True, "email": EDITOR.email, "email_verified": True}
    at.run()
    at.switch_page("views/record_meeting.py")
    at.run()
    assert not at.exception
    assert any("Nothing can be recorded" in e.value and COMMAND in e.value for e in at.error)
    assert NEEDS_UPGRADE in page_text(at)
    assert not at.get("form")
    assert schema_revision(unupgradable) == EARLIER[-1]
