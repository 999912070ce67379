"""`records backup` and `records restore` on SQLite and on a real PostgreSQL server: what
`records export` leaves out (withdrawn meetings, versions, status histories, the change log,
the revision) comes back; SQLite moves to PostgreSQL; damaged files, a database with records
and a newer release's backup are refused in one line with nothing written."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dashboard.records import RecordsStore
from dashboard.records.__main__ import export_package
from dashboard.records.backup import BackupDamaged, DatabaseNotEmpty, UnknownSchema, read_backup
from dashboard.records.base import utc
from dashboard.records.database import MIGRATIONS, newest_migration
from dashboard.records.models import METADATA
from tests.conftest import DATA_DIR, FIXED_TODAY, ROOT
from tests.helpers import ADMIN, EDITOR, ROMANIA_MOU, ROMANIA_SOURCE

WITHDRAWN = "2024-04-02-PSE"  # a seeded meeting with a follow-up
with (DATA_DIR / "meetings.csv").open(encoding="utf-8", newline="") as seed:
    SEEDED_MEETINGS = sum(1 for _ in csv.DictReader(seed))  # a new database is seeded with these


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DASHBOARD_DATABASE_URL": url, "DASHBOARD_DATA_DIR": str(DATA_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "dashboard.records", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def empty_url(records_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second, empty database of the same kind as `records_url` (no tables yet)."""
    if records_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite'}"
    return request.getfixturevalue("postgres_server").new_database()


def build_history(store: RecordsStore) -> str:
    """Two status updates, a withdrawal, a new meeting with areas and sources, a correction;
    returns the new meeting's id."""
    store.upgrade()
    version = store.followup(ROMANIA_MOU)["version"]
    version = store.update_followup(
        EDITOR, ROMANIA_MOU, "agreed", date(2026, 11, 2), ROMANIA_SOURCE, "agreed at talks", version
    )
    store.update_followup(EDITOR, ROMANIA_MOU, "done", date(2026, 11, 10), None, "signed", version)
    store.withdraw_meeting(ADMIN, WITHDRAWN, "duplicate entry", store.meeting(WITHDRAWN)["version"])
    meeting_id = store.record_meeting(
        EDITOR,
        {
            "date": "2026-11-20",
            "partner_iso3": "ROU",
            "event_type": "meeting",
            "title": 'Talks on "the MoU", ș and اردو\u2028with a line separator',
        },
        area_ids=["ai", "it-software"],
        source_ids=[ROMANIA_SOURCE],
        new_sources=[
            {
                "publisher": "Ministry of Science and Technology",
                "title": "Minutes of the Romania meeting",
                "url": "https://most.gov.pk/minutes/2026-11-20",
                "published": "2026-11-21",
            }
        ],
        followups=[{"description": "Draft the MoU", "action_type": "mou"}],
    )
    store.correct_meeting(
        EDITOR,
        meeting_id,
        {"location": "Bucharest"},
        area_ids=["ai"],
        expected_version=store.meeting(meeting_id)["version"],
    )
    return meeting_id


def dump(store: RecordsStore) -> dict[str, Any]:
    """Every row of every table (datetimes in UTC) and the schema revision."""
    tables: dict[str, Any] = {}
    with store.engine.connect() as conn:
        for table in METADATA.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            tables[table.name] = [
                {k: utc(v) if isinstance(v, datetime) else v for k, v in row.items()}
                for row in conn.execute(query).mappings()
            ]
        tables["alembic_version"] = conn.exec_driver_sql(
            "SELECT version_num FROM alembic_version"
        ).all()
    return tables


def assert_same_export(first: RecordsStore, second: RecordsStore, tmp_path: Path) -> None:
    a, b = tmp_path / "export-first", tmp_path / "export-second"
    export_package(first, a)
    export_package(second, b)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for name in files:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def assert_restored(source: RecordsStore, restored: RecordsStore, tmp_path: Path) -> None:
    """What a user would miss after a restore: every change, status, version, withdrawal."""
    assert_same_export(source, restored, tmp_path)
    before, after = dump(source), dump(restored)
    assert after["change_log"] == before["change_log"]  # every column, ids included
    assert after["followup_status_history"] == before["followup_status_history"]
    assert after == before
    statuses = restored.status_history(ROMANIA_MOU)
    assert list(statuses["status"]) == ["proposed", "agreed", "done"]
    assert list(statuses["recorded_by"]) == ["data/", EDITOR.email, EDITOR.email]
    assert restored.followup(ROMANIA_MOU)["version"] == 3
    assert restored.withdrawn_meeting_ids() == [WITHDRAWN]
    assert restored.meeting(WITHDRAWN)["withdrawn_reason"] == "duplicate entry"
    assert WITHDRAWN not in set(restored.tables()["meetings"]["meeting_id"])
    assert restored.revision() == source.revision()


def assert_writes_continue(restored: RecordsStore) -> None:
    """The next write gets the next ids (on PostgreSQL: the sequences moved past the restored
    ids), and a later start seeds nothing back."""
    revision = restored.revision()
    assert restored.upgrade().total == 0
    assert restored.revision() == revision
    last = dump(restored)
    restored.update_followup(
        EDITOR, ROMANIA_MOU, "in_progress", date(2026, 11, 20), None, "revived", 3
    )
    now = dump(restored)
    assert now["change_log"][-1]["id"] == last["change_log"][-1]["id"] + 1
    history = now["followup_status_history"]
    assert history[-1]["id"] == last["followup_status_history"][-1]["id"] + 1
    assert history[-1]["note"] == "revived"
    assert restored.withdrawn_meeting_ids() == [WITHDRAWN]


def test_restore_gives_back_what_export_leaves_out(
    records_url: str, empty_url: str, tmp_path: Path
) -> None:
    source = RecordsStore(records_url, DATA_DIR)
    meeting_id = build_history(source)
    backup = tmp_path / "records.zip"
    written = source.backup(backup)
    assert written.rows["change_log"] == len(dump(source)["change_log"])
    assert written.rows["meetings"] == SEEDED_MEETINGS + 1  # the withdrawn one included

    restored = RecordsStore(empty_url, DATA_DIR)
    loaded = restored.restore(backup)
    assert loaded.rows == written.rows
    assert loaded.migrated_to is None
    assert_restored(source, restored, tmp_path)
    assert restored.meeting(meeting_id)["area_ids"] == ["ai"]
    assert_writes_continue(restored)
    source.close()
    restored.close()


def test_restore_into_a_schema_made_without_seeding(
    records_url: str, empty_url: str, tmp_path: Path
) -> None:
    source = RecordsStore(records_url, DATA_DIR)
    build_history(source)
    source.backup(tmp_path / "records.zip")
    restored = RecordsStore(empty_url, DATA_DIR)
    restored.upgrade(seed=False)
    restored.restore(tmp_path / "records.zip")
    assert dump(restored) == dump(source)
    source.close()
    restored.close()


def test_sqlite_moves_to_postgresql_with_the_command_line(
    tmp_path: Path, postgres_server: Any
) -> None:
    laptop = f"sqlite:///{tmp_path / 'laptop.sqlite'}"
    source = RecordsStore(laptop, DATA_DIR)
    build_history(source)
    backup = tmp_path / "nightly.zip"
    result = cli(laptop, "backup", str(backup))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert f"to {backup}" in result.stdout
    assert f"change_log {len(dump(source)['change_log'])}" in result.stdout

    shared = postgres_server.new_database()
    result = cli(shared, "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.startswith(f"Restored {backup}")
        and f"meetings {SEEDED_MEETINGS + 1}" in result.stdout
    )
    restored = RecordsStore(shared, DATA_DIR)
    assert_restored(source, restored, tmp_path)
    assert_writes_continue(restored)
    source.close()
    restored.close()


def downgrade(store: RecordsStore, revision: str) -> None:
    """Take the schema back to `revision`, as an older release left it (SQLite rebuilds
    tables for it, which needs foreign keys off)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        with conn.begin():
            config.attributes["connection"] = conn
            command.downgrade(config, revision)
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def test_a_backup_of_an_older_schema_is_upgraded_on_restore(
    records_url: str, empty_url: str, tmp_path: Path
) -> None:
    source = RecordsStore(records_url, DATA_DIR)
    build_history(source)
    expected = dump(source)
    export_package(source, tmp_path / "before")
    downgrade(source, "0002")  # a database the previous release left, backed up before upgrading
    backup = source.backup(tmp_path / "old.zip")
    assert backup.schema_version == "0002"

    restored = RecordsStore(empty_url, DATA_DIR)
    loaded = restored.restore(tmp_path / "old.zip")
    assert loaded.migrated_to == newest_migration()
    assert dump(restored) == expected
    export_package(restored, tmp_path / "after")
    for path in sorted((tmp_path / "before").rglob("*.csv")):
        assert (tmp_path / "after" / path.name).read_bytes() == path.read_bytes(), path.name
    assert_writes_continue(restored)
    source.close()
    restored.close()


def test_a_database_with_records_is_refused(records_url: str, tmp_path: Path) -> None:
    source = RecordsStore(f"sqlite:///{tmp_path / 'source.sqlite'}", DATA_DIR)
    build_history(source)
    source.backup(tmp_path / "records.zip")
    target = RecordsStore(records_url, DATA_DIR)
    target.upgrade()
    before = dump(target)

    result = cli(records_url, "restore", str(tmp_path / "records.zip"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert (
        "is not empty" in result.stderr and f"{SEEDED_MEETINGS} rows in meetings" in result.stderr
    )
    assert dump(target) == before
    with pytest.raises(DatabaseNotEmpty):
        target.restore(tmp_path / "records.zip")
    assert dump(target) == before
    source.close()
    target.close()


def rewrite(path: Path, change: dict[str, bytes | None]) -> None:
    """Rewrite the zip at `path` with members replaced (None: left out), as a valid zip."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, data in change.items():
        members.pop(name)
        if data is not None:
            members[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def damage(path: Path, how: str) -> None:
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    meetings = zipfile.ZipFile(path).read("meetings.jsonl")
    if how == "flipped byte":
        info = zipfile.ZipFile(path).getinfo("meetings.jsonl")
        raw = bytearray(path.read_bytes())
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        raw[start + info.compress_size // 2] ^= 0x01
        path.write_bytes(bytes(raw))
    elif how == "changed member":
        rewrite(path, {"meetings.jsonl": meetings.replace(b"duplicate entry", b"duplicate entrY")})
    elif how == "cut short":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif how == "missing member":
        rewrite(path, {"meetings.jsonl": None})
    elif how == "bad JSON":
        lines = meetings.split(b"\n")
        lines[1] = lines[1][:-1]  # line 2 loses its closing brace
        bad = b"\n".join(lines)
        for entry in manifest["tables"]:
            if entry["name"] == "meetings":
                entry["sha256"] = hashlib.sha256(bad).hexdigest()
        rewrite(path, {"meetings.jsonl": bad, "manifest.json": json.dumps(manifest).encode()})
    elif how == "newer schema":
        manifest["schema_version"] = "9999"
        rewrite(path, {"manifest.json": json.dumps(manifest).encode()})


REFUSALS = {
    "flipped byte": "member meetings.jsonl is damaged",
    "changed member": "member meetings.jsonl fails its checksum",
    "cut short": "not a zip file, or cut short",
    "missing member": "member meetings.jsonl is missing",
    "bad JSON": "member meetings.jsonl line 2: bad JSON",
    "newer schema": "at schema revision 9999, which this release does not know",
}


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """One backup for the module (set up before the per-test environment: hence "today")."""
    folder = tmp_path_factory.mktemp("backup")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DASHBOARD_TODAY", FIXED_TODAY)
        source = RecordsStore(f"sqlite:///{folder / 'source.sqlite'}", DATA_DIR)
        build_history(source)
        source.backup(folder / "records.zip")
        source.close()
    return (folder / "records.zip").read_bytes()


@pytest.mark.parametrize("how", sorted(REFUSALS))
def test_a_damaged_or_newer_file_is_refused_and_nothing_written(
    how: str, good_backup: bytes, tmp_path: Path
) -> None:
    backup = tmp_path / "records.zip"
    backup.write_bytes(good_backup)
    damage(backup, how)
    target = tmp_path / "target.sqlite"
    result = cli(f"sqlite:///{target}", "restore", str(backup))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert REFUSALS[how] in result.stderr
    assert result.stdout == ""
    assert not target.exists()  # the file was checked before the database was touched
    with pytest.raises(UnknownSchema if how == "newer schema" else BackupDamaged):
        read_backup(backup)


def test_a_refused_file_leaves_an_empty_schema_as_it_was(
    records_url: str, good_backup: bytes, tmp_path: Path
) -> None:
    backup = tmp_path / "records.zip"
    backup.write_bytes(good_backup)
    damage(backup, "changed member")
    target = RecordsStore(records_url, DATA_DIR)
    target.upgrade(seed=False)
    before = dump(target)
    with pytest.raises(BackupDamaged, match="fails its checksum"):
        target.restore(backup)
    assert dump(target) == before
    target.close()


def test_backup_is_one_moment_while_someone_writes(
    records_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write committed while the backup reads is wholly left out of it, not half in."""
    import dashboard.records.backup as backup_module

    store = RecordsStore(records_url, DATA_DIR)
    build_history(store)
    expected = dump(store)
    writer = RecordsStore(records_url, DATA_DIR)
    kind = backup_module._kind
    written: list[str] = []

    def write_once_reading_has_begun(column: Any) -> str:
        if not written:
            written.append(
                writer.record_meeting(
                    EDITOR,
                    {
                        "date": "2026-11-25",
                        "partner_iso3": "ROU",
                        "event_type": "meeting",
                        "title": "Talks recorded during the backup",
                    },
                    area_ids=["ai"],
                    source_ids=[ROMANIA_SOURCE],
                    followups=[{"description": "Meanwhile", "action_type": "other"}],
                )
            )
        return kind(column)

    monkeypatch.setattr(backup_module, "_kind", write_once_reading_has_begun)
    store.backup(tmp_path / "records.zip")
    assert written and written[0] in set(store.tables()["meetings"]["meeting_id"])
    restored = RecordsStore(f"sqlite:///{tmp_path / 'restored.sqlite'}", DATA_DIR)
    restored.restore(tmp_path / "records.zip")
    assert dump(restored) == expected
    store.close()
    writer.close()
    restored.close()


def test_backup_replaces_the_file_whole_and_only_its_owner_reads_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    store = RecordsStore(url, DATA_DIR)
    store.upgrade()
    folder = tmp_path / "backups"
    folder.mkdir()
    backup = folder / "records.zip"
    first = store.backup(backup)
    build_history(store)
    second = store.backup(backup)
    assert second.revision > first.revision
    assert [p.name for p in folder.iterdir()] == ["records.zip"]  # no temporary file left
    assert read_backup(backup).revision == second.revision
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    store.close()


def test_backup_of_a_database_without_schema_is_refused(tmp_path: Path) -> None:
    result = cli(f"sqlite:///{tmp_path / 'nothing.sqlite'}", "backup", str(tmp_path / "b.zip"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "nothing to back up" in result.stderr
    assert not (tmp_path / "b.zip").exists()
