"""What every part of the records store shares: the tables, connections, errors, the change
log and the role check."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, insert, or_, select, update

from dashboard.datasets.loader import data_dir_from_env, load_package
from dashboard.datasets.package import Resource
from dashboard.datasets.queries import can_be_partner
from dashboard.datasets.validate import Problem
from dashboard.records.access import Identity, Role
from dashboard.records.database import (
    begin_write,
    database_url,
    describe,
    lock_writes,
    make_engine,
)
from dashboard.records.models import METADATA, record_spec
from dashboard.records.rules import PARTNERS

SEED_BY = "data/"
CLOSING_STATUSES = ("done", "dropped")
MAIN_SOURCE = "main source"
# Curated tables the records refer to (checked against data/, never written).
CURATED_REFERENCES = ("countries", "cooperation_areas")
# The tables that link a meeting to its cooperation areas and its sources.
LINKS = ("meeting_areas", "meeting_sources")

SOURCES = METADATA.tables["sources"]
MEETINGS = METADATA.tables["meetings"]
MEETING_AREAS = METADATA.tables["meeting_areas"]
MEETING_SOURCES = METADATA.tables["meeting_sources"]
FOLLOWUPS = METADATA.tables["followups"]
STATUS_HISTORY = METADATA.tables["followup_status_history"]
CHANGE_LOG = METADATA.tables["change_log"]
REVISION = METADATA.tables["revision"]


class NotAllowed(PermissionError):
    """The identity may not make this change (not signed in, or its role is too low)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class NotFound(LookupError):
    """No such record (or it was withdrawn)."""


class Conflict(RuntimeError):
    """The record changed since the version the edit was made on; nothing was saved.

    `current` is the record as it is now (with its version); `changed` maps each field that
    someone else changed meanwhile to (your value, their value).
    """

    def __init__(self, current: dict[str, Any], changed: dict[str, tuple[Any, Any]]) -> None:
        self.current = current
        self.changed = changed
        fields = ", ".join(changed) or "the record"
        super().__init__(f"changed meanwhile by someone else: {fields}")


def now() -> datetime:
    return datetime.now(UTC)


def jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = utc(value).isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return out


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def slug(text: str, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].strip("-") or "source"


def field_problem(
    resource: Resource, field: str, value: Any, rule: str, message: str, line: int | None = None
) -> Problem:
    """A problem with one field of a record, for showing next to that field."""
    shown = value.isoformat() if isinstance(value, date) else value
    return Problem(resource.path, line, field, None if shown is None else str(shown), rule, message)


def history_entry(row: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    return {
        "action_id": row["action_id"],
        "status": row["status"] or "proposed",
        "effective": row["status_as_of"],
        "status_basis": row["status_basis"],
        "source_id": row["status_source_id"],
        "note": row["note"],
        "recorded_by": SEED_BY,
        "recorded_at": at,
    }


def text_of(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "").strip()


def unique_id(stem: str, taken: set[str]) -> str:
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    return candidate


def ids_from(conn: Connection, column: ColumnElement[str], stem: str) -> set[str]:
    """The ids in `column` that `unique_id(stem, …)` could make, `stem` and `stem-…`: a few
    rows instead of every id of the table (130-290 ms per write at 100 times today's rows)."""
    return set(
        conn.scalars(
            select(column).where(
                or_(column == stem, column.startswith(f"{stem}-", autoescape=True))
            )
        )
    )


class StoreBase:
    """The connection, the curated keys records refer to, the role check and the change log;
    each concern of the store is a part built on this (see store.py)."""

    def __init__(self, url: str | None = None, data_dir: Path | str | None = None) -> None:
        self.url = url or database_url()
        self.data_dir = Path(data_dir).resolve() if data_dir else data_dir_from_env()
        self.engine = make_engine(self.url)
        self.spec = record_spec()
        self._curated: dict[str, set[str]] | None = None

    def __repr__(self) -> str:
        return f"RecordsStore({describe(self.url)!r})"

    def close(self) -> None:
        self.engine.dispose()

    # -- connections -------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        """One read transaction that sees one snapshot of the whole database: every table a
        read takes is as of the same moment, whatever commits meanwhile (PostgreSQL: REPEATABLE
        READ, whose snapshot is taken at the first query; SQLite in WAL mode: a read
        transaction sees the database as of its first read)."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def _writing(self, records: bool = True) -> Iterator[Connection]:
        """One write transaction (SQLite: the write lock taken at BEGIN); bumps the revision
        when it writes `records` (False: subscriptions and the digest's send log, which no
        page's data depends on, so the pages' caches stay valid)."""
        with self.engine.connect() as conn:
            begin_write(conn)
            with conn.begin():
                lock_writes(conn)
                yield conn
                if records:
                    conn.execute(update(REVISION).values(value=REVISION.c.value + 1))

    def _resource(self, table: str) -> Resource:
        return self.spec.resource(table)

    def curated(self) -> dict[str, set[str]]:
        """Keys of the curated tables records refer to (countries' iso3, areas' area_id), and
        under PARTNERS the countries a meeting's partner may be (`can_be_partner`)."""
        if self._curated is None:
            package = load_package(self.data_dir, resources=CURATED_REFERENCES)
            self._curated = {}
            for name in CURATED_REFERENCES:
                res = package.spec.resource(name) if package.spec else None
                if res is None or not package.has(name):
                    continue
                key = res.primary_key[0]
                self._curated[name] = set(package.tables[name][key].dropna().astype(str))
            if package.has("countries"):
                countries = package.tables["countries"]
                partners = countries.loc[can_be_partner(countries).to_numpy(), "iso3"]
                self._curated[PARTNERS] = set(partners.dropna().astype(str))
        return self._curated

    # -- writing -----------------------------------------------------------------------------

    @staticmethod
    def _require(identity: Identity, role: Role, what: str) -> None:
        if identity.anonymous:
            raise NotAllowed(f"Sign in to {what}: changes are never anonymous.")
        if identity.role < role:
            raise NotAllowed(
                f"{identity.email} is a {identity.role.label}; to {what} you need the "
                f"{role.label} role."
            )

    @staticmethod
    def _key(res: Resource, row: Mapping[str, Any]) -> str:
        return "|".join(str(row[k]) for k in res.primary_key)

    @staticmethod
    def _log_row(
        at: datetime,
        by: str,
        table: str,
        key: str,
        action: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        return {
            "at": at,
            "by_email": by,
            "table_name": table,
            "record_key": key,
            "action": action,
            "before": None if before is None else jsonable(before),
            "after": None if after is None else jsonable(after),
        }

    def _log(
        self,
        conn: Connection,
        identity: Identity,
        table: str,
        key: str,
        action: str,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        conn.execute(
            insert(CHANGE_LOG),
            self._log_row(now(), str(identity.email), table, key, action, before, after),
        )

    @contextmanager
    def _adding_links(
        self, conn: Connection, by: str, meeting_ids: Iterable[str], action: str
    ) -> Iterator[None]:
        """Around a write that adds areas or sources to meetings that already exist (an
        import, seeding): each such meeting's version goes up and the change log holds it
        before and after, so a form opened earlier is refused as stale and shows what changed
        instead of saving over the new links."""
        before = {m: self._meeting_snapshot(conn, m) for m in sorted(set(meeting_ids))}
        yield
        at = now()
        for meeting_id, old in before.items():
            if old is None:
                continue
            conn.execute(
                update(MEETINGS)
                .where(MEETINGS.c.meeting_id == meeting_id)
                .values(version=MEETINGS.c.version + 1)
            )
            new = self._meeting_snapshot(conn, meeting_id)
            conn.execute(
                insert(CHANGE_LOG),
                self._log_row(at, by, "meetings", meeting_id, action, old, new),
            )

    # -- what several parts read inside their transactions ------------------------------

    def _meeting_snapshot(self, conn: Connection, meeting_id: str) -> dict[str, Any] | None:
        row = conn.execute(select(MEETINGS).where(MEETINGS.c.meeting_id == meeting_id)).first()
        if row is None:
            return None
        found = dict(row._mapping)
        found["area_ids"] = list(
            conn.scalars(
                select(MEETING_AREAS.c.area_id)
                .where(MEETING_AREAS.c.meeting_id == meeting_id)
                .order_by(MEETING_AREAS.c.area_id)
            )
        )
        sources = sorted(
            conn.scalars(
                select(MEETING_SOURCES.c.source_id).where(
                    MEETING_SOURCES.c.meeting_id == meeting_id
                )
            )
        )
        main = found["source_id"]
        found["source_ids"] = [main, *[s for s in sources if s != main]]
        if found["withdrawn_at"] is not None:
            found["withdrawn_at"] = utc(found["withdrawn_at"])
        return found

    def _followup_row(self, conn: Connection, action_id: str) -> dict[str, Any] | None:
        row = conn.execute(
            select(FOLLOWUPS)
            .join(MEETINGS, MEETINGS.c.meeting_id == FOLLOWUPS.c.meeting_id)
            .where(FOLLOWUPS.c.action_id == action_id, MEETINGS.c.withdrawn_at.is_(None))
        ).first()
        return None if row is None else dict(row._mapping)

    def _check_sources(
        self, conn: Connection, res: Resource, field: str, ids: Sequence[str], pending: set[str]
    ) -> list[Problem]:
        known = set(conn.scalars(select(SOURCES.c.source_id).where(SOURCES.c.source_id.in_(ids))))
        return [
            field_problem(res, field, s, "foreign-key", f"'{s}' is not a known source")
            for s in ids
            if s not in known and s not in pending
        ]

    def _check_areas(self, res: Resource, area_ids: Sequence[str]) -> list[Problem]:
        known = self.curated().get("cooperation_areas", set())
        return [
            field_problem(
                res, "area_ids", a, "foreign-key", f"'{a}' is not a known cooperation area"
            )
            for a in area_ids
            if a not in known
        ]

    def _conflict(
        self,
        conn: Connection,
        table: str,
        key: str,
        expected_version: int,
        wanted: Mapping[str, Any],
    ) -> Conflict:
        """What changed since `expected_version`, from the change log."""
        if table == "meetings":
            current = self._meeting_snapshot(conn, key) or {}
        else:
            current = self._followup_row(conn, key) or {}
        base = None
        for (before,) in conn.execute(
            select(CHANGE_LOG.c.before)
            .where(CHANGE_LOG.c.table_name == table, CHANGE_LOG.c.record_key == key)
            .order_by(CHANGE_LOG.c.id)
        ):
            if before and before.get("version") == expected_version:
                base = before
                break
        now = jsonable(current)
        changed: dict[str, tuple[Any, Any]] = {}
        for field, theirs in now.items():
            if field in ("version", "withdrawn_at"):
                continue
            seen = base.get(field) if base is not None else wanted.get(field, theirs)
            if base is not None and seen == theirs:
                continue
            yours = jsonable({field: wanted[field]})[field] if field in wanted else seen
            if base is None and yours == theirs:
                continue
            changed[field] = (yours, theirs)
        return Conflict(current, changed)
