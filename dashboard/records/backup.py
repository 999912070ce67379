"""Backup and restore: the whole records database in one portable file, and back.

``records export`` is the current state as a data package; it leaves out what a restore needs
(withdrawn meetings, versions, status histories, the change log, the revision). A backup holds
every row of every table as of one moment, with the schema revision it was taken at::

    FILE (a zip)
      manifest.json   format, format_version, schema_version, revision, created_at (UTC),
                      database {kind, url without password}, tables: [{name, member, rows,
                      sha256, columns: [{name, type}]}] in foreign-key order
      <table>.jsonl   one JSON object per row, keys in column order; dates ISO, datetimes ISO
                      with UTC offset, JSON columns as JSON, NULL as null

A restore checks the whole file before it touches the database, then loads it into an empty
database (SQLite or PostgreSQL, whichever the backup came from) in one write transaction: the
schema is made at the backup's revision, the rows go in with their ids, the revision row is set
exactly, and the migrations bring the schema to this release's newest (the upgrade path an
older backup takes). Any refusal leaves the database as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    Table,
    delete,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy import table as table_clause
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import sqltypes

from dashboard.records.base import StoreBase, now, utc
from dashboard.records.database import (
    MIGRATIONS,
    UpgradeFailed,
    begin_write,
    describe,
    lock_writes,
    migrations,
    run_migrations,
    schema_revision,
)
from dashboard.records.models import METADATA, RECORD_TABLES

FORMAT = "st-partnerships-dashboard records backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
# Every table of the records database, the record tables first; a table only refers to tables
# before it.
TABLES = (
    *RECORD_TABLES,
    *(table.name for table in METADATA.sorted_tables if table.name not in RECORD_TABLES),
)
# Tables a later schema added, with the revision that added them: a backup of an older
# schema has none of them.
ADDED_TABLES = {"subscriptions": "0005", "digest_sends": "0005"}
# The one table a database may have rows in and still be empty (migration 0001 adds its row).
BOOKKEEPING = "revision"
# Tables whose ids PostgreSQL draws from a sequence: moved past the restored ids.
SERIAL_TABLES = ("followup_status_history", "change_log", "subscriptions", "digest_sends")
# How each column's values are written, by its SQL type (the first that matches).
_KINDS: tuple[tuple[str, type], ...] = (
    ("json", sqltypes.JSON),
    ("datetime", sqltypes.DateTime),
    ("date", sqltypes.Date),
    ("boolean", sqltypes.Boolean),
    ("integer", sqltypes.Integer),
    ("number", sqltypes.Float),
    ("text", sqltypes.String),
)
# The JSON value each kind must be (dates and datetimes are ISO strings, JSON anything).
_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "datetime": str,
    "date": str,
    "boolean": bool,
    "integer": int,
    "number": (int, float),
    "text": str,
}


class BackupRefused(Exception):
    """A backup or restore that was not done, with why in one line; nothing was written."""


class BackupDamaged(BackupRefused):
    """The file is not an intact backup: not a zip, cut short, a member missing or changed."""


class DatabaseNotEmpty(BackupRefused):
    """The database to restore into already holds records."""


class UnknownSchema(BackupRefused):
    """A schema revision this release does not know: a newer release wrote it."""


@dataclass(frozen=True)
class Summary:
    """What one backup wrote or one restore loaded."""

    path: Path
    database: str
    schema_version: str  # the backup's
    revision: int
    rows: dict[str, int]
    size: int
    migrated_to: str | None = None  # a restore that brought an older schema up to this

    def counts(self) -> str:
        return ", ".join(f"{name} {count}" for name, count in self.rows.items())


@dataclass(frozen=True)
class BackupFile:
    """A backup read and checked in full: its schema revision and revision, and per table (in
    foreign-key order) its columns and its rows decoded to what the database takes."""

    schema_version: str
    revision: int
    columns: dict[str, list[str]]
    rows: dict[str, list[dict[str, Any]]]


class Backup(StoreBase):
    """``backup(path)`` and ``restore(path)``; both raise BackupRefused (with a message for
    the operator) instead of writing anything doubtful."""

    def backup(self, path: Path | str) -> Summary:
        """Write every table of the database, as of one moment, to the file `path`, replacing
        it atomically. The database is read as it is (not migrated first)."""
        path = Path(path)
        with self._reading() as conn:
            schema = schema_revision(conn)
            if schema is None:
                raise BackupRefused(
                    f"{describe(self.url)} has no records schema: there is nothing to back up"
                )
            _check_known(schema, f"{describe(self.url)} is")
            tables = _reflect(conn)
            members: dict[str, bytes] = {}
            entries = []
            for name in tables_at(schema):
                table = tables[name]
                kinds = {column.name: _kind(column) for column in table.columns}
                query = select(table).order_by(*table.primary_key.columns)
                lines = [
                    json.dumps(
                        {key: _encode(kinds[key], value) for key, value in row.items()},
                        ensure_ascii=False,
                    )
                    + "\n"
                    for row in conn.execute(query).mappings()
                ]
                data = "".join(lines).encode("utf-8")
                members[f"{name}.jsonl"] = data
                entries.append(
                    {
                        "name": name,
                        "member": f"{name}.jsonl",
                        "rows": len(lines),
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "columns": [{"name": key, "type": kind} for key, kind in kinds.items()],
                    }
                )
            revision_table = tables[BOOKKEEPING]
            revision = conn.scalar(select(revision_table.c.value).where(revision_table.c.id == 1))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": schema,
            "revision": int(revision or 0),
            "created_at": now().isoformat(),
            "database": {"kind": self.engine.dialect.name, "url": describe(self.url)},
            "tables": entries,
        }
        manifest_bytes = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
        size = _write_atomically(path, {MANIFEST: manifest_bytes, **members})
        return Summary(
            path,
            describe(self.url),
            schema,
            manifest["revision"],
            {entry["name"]: entry["rows"] for entry in entries},
            size,
        )

    def restore(self, path: Path | str) -> Summary:
        """Load the backup at `path` into this (empty) database, all or nothing."""
        path = Path(path)
        backup = read_backup(path)  # checked in full before the database is touched
        with self.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # SQLite's migrations rebuild tables, which it refuses with foreign keys on;
                # they are checked as a whole before the commit instead (PRAGMA
                # foreign_key_check), and this is only possible outside a transaction.
                _sqlite_foreign_keys(conn, on=False)
            try:
                begin_write(conn)
                with conn.begin():
                    lock_writes(conn)
                    self._load(conn, backup, path)
            except UpgradeFailed as failed:
                raise BackupRefused(f"{path}: not restored: {failed}") from failed
            except SQLAlchemyError as exc:
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise BackupRefused(
                    f"{path}: could not be loaded into {describe(self.url)} ({reason}); "
                    "nothing was written"
                ) from exc
            finally:
                if sqlite:
                    _sqlite_foreign_keys(conn, on=True)
        newest = migrations()[-1]
        return Summary(
            path,
            describe(self.url),
            backup.schema_version,
            backup.revision,
            {name: len(rows) for name, rows in backup.rows.items()},
            path.stat().st_size,
            newest if newest != backup.schema_version else None,
        )

    def _load(self, conn: Connection, backup: BackupFile, path: Path) -> None:
        existing = set(inspect(conn).get_table_names())
        found = {
            name: conn.scalar(select(func.count()).select_from(table_clause(name)))
            for name in TABLES
            if name != BOOKKEEPING and name in existing
        }
        if any(found.values()):
            rows = ", ".join(f"{count} rows in {name}" for name, count in found.items() if count)
            raise DatabaseNotEmpty(
                f"{describe(self.url)} is not empty (it holds {rows}): restore only into a new "
                "database or one made with `upgrade --no-seed`; nothing was written"
            )
        current = schema_revision(conn)
        if current is not None:
            _check_known(current, f"{describe(self.url)} is")
        _migrate(conn, current, backup.schema_version)
        tables = _reflect(conn)
        for name, columns in backup.columns.items():
            if set(columns) != set(tables[name].columns.keys()):
                raise BackupDamaged(
                    f"{path}: the columns of {name} do not match schema revision "
                    f"{backup.schema_version}"
                )
        conn.execute(delete(tables[BOOKKEEPING]))
        for name, rows in backup.rows.items():
            if rows:
                conn.execute(insert(tables[name]), rows)
        if conn.dialect.name == "postgresql":
            for name in (n for n in SERIAL_TABLES if n in backup.rows):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"coalesce(max(id), 0) + 1, false) FROM {name}"
                    )
                )
        run_migrations(conn)
        if conn.dialect.name == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                table, _rowid, parent, _key = broken[0]
                raise BackupDamaged(
                    f"{path}: {len(broken)} row(s) refer to rows the backup lacks "
                    f"(the first: a row of {table} refers to a missing row of {parent})"
                )


def read_backup(path: Path) -> BackupFile:
    """The backup at `path`, checked in full: a zip with a manifest of a format and schema
    this release reads, every member present, intact (sha256) and valid JSON Lines of the
    manifest's columns. Raises BackupRefused naming the member and line at fault."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BackupDamaged(f"{path}: not a backup: not a zip file, or cut short") from None
    except OSError as exc:
        raise BackupRefused(f"{path}: cannot be read ({exc.strerror or exc})") from None
    with archive:
        schema, revision, entries = _manifest(path, _member(archive, path, MANIFEST))
        columns: dict[str, list[str]] = {}
        rows: dict[str, list[dict[str, Any]]] = {}
        for entry in entries:
            name, member = entry["name"], entry["member"]
            data = _member(archive, path, member)
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise BackupDamaged(f"{path}: member {member} fails its checksum: it was changed")
            columns[name] = list(entry["columns"])
            rows[name] = _rows(path, member, data, entry["columns"])
            if len(rows[name]) != entry["rows"]:
                raise BackupDamaged(
                    f"{path}: member {member} has {len(rows[name])} rows, the manifest says "
                    f"{entry['rows']}"
                )
    return BackupFile(schema, revision, columns, rows)


def _manifest(path: Path, data: bytes) -> tuple[str, int, list[dict[str, Any]]]:
    """The manifest's schema revision, revision and tables (in foreign-key order), its format
    checked."""
    manifest = _json(path, MANIFEST, 1, data.decode("utf-8", errors="replace"))
    try:
        if manifest.get("format") != FORMAT:
            raise BackupDamaged(f"{path}: not a records backup (its manifest names no format)")
        if int(manifest["format_version"]) > FORMAT_VERSION:
            raise UnknownSchema(
                f"{path}: written in backup format {manifest['format_version']}, newer than "
                f"this release reads ({FORMAT_VERSION}): restore it with a newer release"
            )
        schema, revision = str(manifest["schema_version"]), int(manifest["revision"])
        entries = [
            {
                "name": str(entry["name"]),
                "member": str(entry["member"]),
                "sha256": str(entry["sha256"]),
                "rows": int(entry["rows"]),
                "columns": {str(col["name"]): str(col["type"]) for col in entry["columns"]},
            }
            for entry in manifest["tables"]
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BackupDamaged(f"{path}: manifest.json is incomplete ({exc!r})") from None
    _check_known(schema, "the backup is")
    names = [entry["name"] for entry in entries]
    expected = tables_at(schema)
    if sorted(names) != sorted(expected):
        raise BackupDamaged(
            f"{path}: manifest.json lists the tables {', '.join(names) or 'none'}, not the "
            f"records database's {', '.join(expected)}"
        )
    kinds = {kind for entry in entries for kind in entry["columns"].values()}
    if unknown := kinds - {"json", *_JSON_TYPES}:
        raise BackupDamaged(f"{path}: manifest.json names unknown column types {unknown}")
    return schema, revision, sorted(entries, key=lambda entry: TABLES.index(entry["name"]))


def _member(archive: zipfile.ZipFile, path: Path, member: str) -> bytes:
    try:
        return archive.read(member)
    except KeyError:
        raise BackupDamaged(f"{path}: member {member} is missing") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise BackupDamaged(f"{path}: member {member} is damaged ({exc})") from None


def _json(path: Path, member: str, line: int, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BackupDamaged(
            f"{path}: member {member} line {line + exc.lineno - 1}: bad JSON ({exc.msg})"
        ) from None


def _rows(path: Path, member: str, data: bytes, kinds: Mapping[str, str]) -> list[dict[str, Any]]:
    """The rows of one JSON Lines member, values decoded to what the database takes."""
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BackupDamaged(f"{path}: member {member} is not UTF-8 ({exc.reason})") from None
    # Split on newlines only: a text value may hold U+2028 and other line separators.
    lines = content.split("\n")
    if lines[-1] == "":
        lines.pop()
    rows = []
    for number, line in enumerate(lines, start=1):
        row = _json(path, member, number, line)
        if not isinstance(row, dict) or list(row) != list(kinds):
            raise BackupDamaged(
                f"{path}: member {member} line {number}: not a row of the columns "
                f"{', '.join(kinds)}"
            )
        for key, kind in kinds.items():
            try:
                row[key] = _decode(kind, row[key])
            except (TypeError, ValueError):
                raise BackupDamaged(
                    f"{path}: member {member} line {number}, column {key}: "
                    f"{row[key]!r} is not a {kind}"
                ) from None
        rows.append(row)
    return rows


def _check_known(schema: str, what: str) -> None:
    known = migrations()
    if schema not in known:
        raise UnknownSchema(
            f"{what} at schema revision {schema}, which this release does not know (its newest "
            f"is {known[-1]}): use the release that wrote it, or a newer one"
        )


def _kind(column: Column) -> str:
    for kind, sql_type in _KINDS:
        if isinstance(column.type, sql_type):
            return kind
    raise BackupRefused(f"column {column.table.name}.{column.name}: type {column.type} unknown")


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return utc(value).isoformat()
    if kind == "date":
        return value.isoformat()
    return value


def _decode(kind: str, value: Any) -> Any:
    if value is None or kind == "json":
        return value
    expected = _JSON_TYPES[kind]
    if not isinstance(value, expected) or (isinstance(value, bool) and kind != "boolean"):
        raise TypeError(kind)
    if kind == "datetime":
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("a datetime without its UTC offset")
        return parsed
    if kind == "date":
        return date.fromisoformat(value)
    return value


def tables_at(schema: str) -> tuple[str, ...]:
    """The tables of the records database at schema revision `schema` (a known one)."""
    order = migrations()
    return tuple(
        name
        for name in TABLES
        if name not in ADDED_TABLES or order.index(ADDED_TABLES[name]) <= order.index(schema)
    )


def _reflect(conn: Connection) -> dict[str, Table]:
    """The tables as the database has them (an older schema has other columns, and fewer
    tables)."""
    metadata = MetaData()
    metadata.reflect(conn, only=lambda name, _: name in TABLES)
    return dict(metadata.tables)


def _migrate(conn: Connection, current: str | None, target: str) -> None:
    """Make the (empty) schema the one at revision `target`: create it, or move it up or down
    (there are no rows to lose)."""
    if current == target:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    known = migrations()
    if current is None or known.index(current) < known.index(target):
        command.upgrade(config, target)
    else:
        command.downgrade(config, target)


def _sqlite_foreign_keys(conn: Connection, on: bool) -> None:
    conn.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _write_atomically(path: Path, members: Mapping[str, bytes]) -> int:
    """Write the zip beside `path`, flush it to disk, then rename it over `path`: a crash
    leaves the old file or the new one, never half of one. Returns the size in bytes. The
    file is readable by its owner only (it holds the change log's email addresses)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, data in members.items():
                    archive.writestr(name, data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return path.stat().st_size
