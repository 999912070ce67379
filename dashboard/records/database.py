"""Where the records live and how to connect: one setting, ``DASHBOARD_DATABASE_URL``.

Default: an SQLite file outside ``data/`` and outside git, in
``$XDG_STATE_HOME/st-partnerships-dashboard/`` (``~/.local/state/...`` when XDG_STATE_HOME is
unset): ``records.sqlite`` for the bundled data folder, ``records-<hash>.sqlite`` for another
``DASHBOARD_DATA_DIR`` (so a test or benchmark package never mixes with the real records).
A shared deployment sets a PostgreSQL URL, e.g. ``postgresql+psycopg://user@host:5432/db``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from dashboard.datasets.loader import DEFAULT_DATA_DIR, data_dir_from_env

URL_SETTING = "DASHBOARD_DATABASE_URL"
STATE_FOLDER = "st-partnerships-dashboard"
MIGRATIONS = Path(__file__).resolve().with_name("migrations")
# Any constant: the PostgreSQL advisory lock that serialises writes, upgrades and seeding.
WRITE_LOCK = 804_2025
WRITE_OPTION = "records_write"


def default_url(data_dir: Path | None = None) -> str:
    """The embedded SQLite database for `data_dir` (default: the configured data folder)."""
    data_dir = (data_dir or data_dir_from_env()).resolve()
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    name = "records.sqlite"
    if data_dir != DEFAULT_DATA_DIR.resolve():
        name = f"records-{hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]}.sqlite"
    return f"sqlite:///{state / STATE_FOLDER / name}"


def database_url() -> str:
    """``DASHBOARD_DATABASE_URL`` if set, else the default SQLite file."""
    return os.environ.get(URL_SETTING, "").strip() or default_url()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and write locks
    taken at BEGIN (so two writers queue instead of failing half-way)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writing = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

    return engine


def describe(url: str) -> str:
    """`url` without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def begin_write(connection: Connection) -> None:
    """Mark `connection` for writing and serialise its transactions with every other writer of
    the database, in every process: SQLite takes its write lock at BEGIN (IMMEDIATE);
    PostgreSQL takes a transaction-scoped advisory lock. Writes are few (staff saving forms), so
    one at a time is cheap and keeps id generation and seeding free of races."""
    connection.execution_options(**{WRITE_OPTION: True})


def lock_writes(connection: Connection) -> None:
    """Inside a write transaction: wait for the database's write lock (PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})


class UpgradeFailed(RuntimeError):
    """The records database could not be brought to this release's schema, or was made by a
    newer release; nothing was changed. ``str()`` is one line for the operator, saying what to
    do; `reason` the part that says what is wrong ("could not be upgraded from ...: ..."), for
    the pages."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Migration:
    """One upgrade of the schema of `database` (its URL without password), from `before`
    (None: an empty database) to `after`; equal when there was nothing to do."""

    database: str
    before: str | None
    after: str

    def failed(self, why: str) -> UpgradeFailed:
        start = f"schema {self.before}" if self.before else "an empty database"
        reason = f"could not be upgraded from {start} to schema {self.after}: {why}"
        return UpgradeFailed(
            f"The records database {self.database} {reason}; nothing was changed, so the "
            "release that used it before still works with it. Report this line to the "
            "dashboard's maintainers.",
            reason,
        )


def migrations() -> list[str]:
    """This release's schema revisions, oldest first, by the migration files' names: each is
    ``<revision>_<what>.py``."""
    return sorted(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("*_*.py"))


def newest_migration() -> str:
    """The head revision."""
    return migrations()[-1]


def schema_revision(connection: Connection) -> str | None:
    """The revision the database is at (None: no schema yet)."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def foreign_keys_off_to_migrate(connection: Connection) -> Iterator[None]:
    """SQLite's recipe for schema changes that rebuild a table (an Alembic batch migration
    copies the table, drops the old one and renames the copy; dropping a table other rows refer
    to fails while foreign keys are enforced): when a migration is due, foreign keys go off
    before the upgrade's transaction begins (inside a transaction the pragma does nothing),
    `check_foreign_keys` checks every row before it commits, and they go back on afterwards,
    for the next user of the pooled connection. Other databases, and an SQLite database
    already at the newest migration, are left as they are."""
    if connection.dialect.name != "sqlite":
        yield
        return
    due = schema_revision(connection) != newest_migration()
    connection.rollback()  # end the read's transaction: the pragmas below must be outside one
    if not due:
        yield
        return
    sqlite = connection.connection.driver_connection
    sqlite.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        sqlite.execute("PRAGMA foreign_keys=ON")


def check_foreign_keys(connection: Connection, migration: Migration) -> None:
    """Before the upgrade commits, on SQLite with foreign keys off (`foreign_keys_off_to_migrate`):
    every row still has the rows it refers to, or UpgradeFailed (the caller rolls back)."""
    if connection.dialect.name != "sqlite":
        return
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        return  # enforced all along
    broken: dict[str, int] = {}
    for table, _rowid, parent, _fk in connection.exec_driver_sql("PRAGMA foreign_key_check"):
        broken[f"{table} → {parent}"] = broken.get(f"{table} → {parent}", 0) + 1
    if broken:
        where = ", ".join(f"{link}: {count}" for link, count in sorted(broken.items()))
        total = sum(broken.values())
        raise migration.failed(f"{total} row(s) refer to rows that do not exist ({where})")


def run_migrations(connection: Connection) -> Migration:
    """Bring the schema to the newest migration, inside the caller's transaction; raises
    UpgradeFailed (the caller rolls back, so nothing is changed) when a migration fails or the
    database is at a revision this release does not know (a newer release's).

    A database already at the newest migration is left alone without loading Alembic (about
    half a second of every server start)."""
    database = connection.engine.url.render_as_string(hide_password=True)
    migration = Migration(database, schema_revision(connection), newest_migration())
    if migration.before == migration.after:
        return migration
    if migration.before is not None and migration.before not in migrations():
        reason = (
            f"is at schema {migration.before}, which this release does not know (its newest is "
            f"{migration.after}): a newer release of the dashboard has upgraded it"
        )
        raise UpgradeFailed(
            f"The records database {database} {reason}. Run that release, or restore a backup "
            "made for this one; nothing was changed.",
            reason,
        )
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    try:
        command.upgrade(config, "head")
    except Exception as exc:  # any failure of any migration: report it in one line
        raise migration.failed(_short_reason(exc)) from exc
    return migration


def _short_reason(exc: Exception) -> str:
    """The first line of the database's (or Alembic's) own words for what went wrong."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
