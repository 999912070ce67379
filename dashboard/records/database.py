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
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

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


def newest_migration() -> str:
    """The head revision, by the migration files' names: each is ``<revision>_<what>.py``."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("*_*.py"))


def run_migrations(connection: Connection) -> None:
    """Bring the schema to the newest migration, inside the caller's transaction.

    A database already at the newest migration is left alone without loading Alembic (about
    half a second of every server start)."""
    if connection.dialect.has_table(connection, "alembic_version"):
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        if list(current) == [newest_migration()]:
            return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
