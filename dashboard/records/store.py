"""The records store: the only code that reads and writes the records database.

Every write function takes the caller's Identity and refuses anyone below the role it needs
(NotAllowed), validates every row by the package's rules (ValidationFailed, nothing saved),
runs as one transaction that also bumps the revision counter and appends to the change log,
and refuses an edit made on a stale version (Conflict, nothing overwritten).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    cast,
    func,
    insert,
    select,
    update,
)

from dashboard.datasets import clock
from dashboard.datasets.loader import data_dir_from_env, load_package
from dashboard.datasets.package import DESCRIPTOR_NAME, Resource, read_package_spec
from dashboard.datasets.validate import ERROR, Problem, empty_frame, parse_table
from dashboard.records.access import Identity, Role
from dashboard.records.database import (
    begin_write,
    database_url,
    describe,
    lock_writes,
    make_engine,
    run_migrations,
)
from dashboard.records.models import METADATA, RECORD_TABLES, record_spec
from dashboard.records.rules import (
    MAX_TEXT,
    ValidationFailed,
    as_text,
    check_frame,
    check_text,
    frame_records,
    validate_rows,
)

SEED_BY = "data/"
CLOSING_STATUSES = ("done", "dropped")
MAIN_SOURCE = "main source"
# Curated tables the records refer to (checked against data/, never written).
CURATED_REFERENCES = ("countries", "cooperation_areas")

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


@dataclass(frozen=True)
class SeedReport:
    """Rows added from data/ by one seeding pass, per table."""

    added: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.added.values())


def _now() -> datetime:
    return datetime.now(UTC)


def _jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = _utc(value).isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        out[key] = value
    return out


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _slug(text: str, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].strip("-") or "source"


def _problem(
    resource: Resource, field: str, value: Any, rule: str, message: str, line: int | None = None
) -> Problem:
    """A problem with one field of a record, for showing next to that field."""
    shown = value.isoformat() if isinstance(value, date) else value
    return Problem(resource.path, line, field, None if shown is None else str(shown), rule, message)


class RecordsStore:
    """Meetings, their areas and sources, follow-ups and sources in a SQL database.

    `url`: a SQLAlchemy URL (default: DASHBOARD_DATABASE_URL or the embedded SQLite file);
    `data_dir`: the data package whose curated tables records refer to and whose record
    tables seed the database (default: DASHBOARD_DATA_DIR or the bundled data/).
    """

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
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One write transaction (SQLite: the write lock taken at BEGIN); bumps the revision."""
        with self.engine.connect() as conn:
            begin_write(conn)
            with conn.begin():
                lock_writes(conn)
                yield conn
                conn.execute(update(REVISION).values(value=REVISION.c.value + 1))

    def _resource(self, table: str) -> Resource:
        return self.spec.resource(table)

    def curated(self) -> dict[str, set[str]]:
        """Keys of the curated tables records refer to (countries' iso3, areas' area_id)."""
        if self._curated is None:
            package = load_package(self.data_dir, resources=CURATED_REFERENCES)
            self._curated = {}
            for name in CURATED_REFERENCES:
                res = package.spec.resource(name) if package.spec else None
                if res is None or not package.has(name):
                    continue
                key = res.primary_key[0]
                self._curated[name] = set(package.tables[name][key].dropna().astype(str))
        return self._curated

    # -- schema and seed ---------------------------------------------------------------------

    def upgrade(self, seed: bool = True) -> SeedReport:
        """Create or migrate the schema and (unless `seed` is False) add rows from data/ whose
        ids the database lacks, in one transaction. Safe to run by several processes at once."""
        with self.engine.connect() as conn:
            begin_write(conn)
            with conn.begin():
                lock_writes(conn)
                run_migrations(conn)
                report = self._seed(conn) if seed else SeedReport({})
                if report.total:
                    conn.execute(update(REVISION).values(value=REVISION.c.value + 1))
        return report

    def _seed(self, conn: Connection) -> SeedReport:
        """Insert-only: rows of data/ with new ids. A meeting changed in the app keeps its
        areas and sources as the app left them; a withdrawn meeting is not brought back."""
        fingerprint = self._data_fingerprint()
        seeded = conn.scalar(select(REVISION.c.seed_fingerprint).where(REVISION.c.id == 1))
        if fingerprint == seeded:
            return SeedReport({})  # data/ unchanged since it last seeded this database
        package = load_package(self.data_dir, resources=(*RECORD_TABLES, *CURATED_REFERENCES))
        conn.execute(update(REVISION).values(seed_fingerprint=fingerprint))
        added: dict[str, int] = {}
        edited_meetings = set(
            conn.scalars(
                select(CHANGE_LOG.c.record_key).where(
                    CHANGE_LOG.c.table_name == "meetings", CHANGE_LOG.c.action != "seed"
                )
            )
        )
        at = _now()
        for name in RECORD_TABLES:
            if not package.has(name):
                continue
            res = self._resource(name)
            table = METADATA.tables[name]
            rows = frame_records(package.tables[name], res)
            existing = {tuple(r) for r in conn.execute(select(*table.primary_key.columns))}
            new = [r for r in rows if tuple(r[k] for k in res.primary_key) not in existing]
            if name in ("meeting_areas", "meeting_sources", "followups"):
                meetings = set(conn.scalars(select(MEETINGS.c.meeting_id)))
                new = [r for r in new if r["meeting_id"] in meetings]
                if name != "followups":
                    new = [r for r in new if r["meeting_id"] not in edited_meetings]
            if not new:
                continue
            conn.execute(insert(table), new)
            conn.execute(
                insert(CHANGE_LOG),
                [self._log_row(at, SEED_BY, name, self._key(res, r), "seed", None, r) for r in new],
            )
            if name == "followups":
                conn.execute(insert(STATUS_HISTORY), [self._seed_history(r, at) for r in new])
            added[name] = len(new)
        return SeedReport(added)

    def _data_fingerprint(self) -> str:
        """A hash of the data/ files seeding reads (the descriptor, record and curated tables)."""
        digest = hashlib.sha256()
        paths = [self.data_dir / DESCRIPTOR_NAME]
        try:
            spec = read_package_spec(self.data_dir)
            paths += [
                self.data_dir / spec.resource(name).path
                for name in (*RECORD_TABLES, *CURATED_REFERENCES)
            ]
        except (OSError, ValueError, KeyError):
            pass  # the loader reports it; hash what there is
        for path in paths:
            digest.update(str(path.name).encode())
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"<missing>")
        return digest.hexdigest()

    @staticmethod
    def _seed_history(row: Mapping[str, Any], at: datetime) -> dict[str, Any]:
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

    # -- reading -----------------------------------------------------------------------------

    def revision(self) -> int:
        """A number that grows with every committed write: the cache key of what pages show."""
        with self.engine.connect() as conn:
            return int(conn.scalar(select(REVISION.c.value).where(REVISION.c.id == 1)) or 0)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The five record tables, typed as the package loader types the CSV files; withdrawn
        meetings and their areas, sources and follow-ups left out."""
        visible = MEETINGS.c.withdrawn_at.is_(None)
        shown = select(MEETINGS.c.meeting_id).where(visible)
        queries = {
            "sources": select(SOURCES).order_by(SOURCES.c.source_id),
            "meetings": select(MEETINGS).where(visible).order_by(MEETINGS.c.meeting_id),
            "meeting_areas": select(MEETING_AREAS)
            .where(MEETING_AREAS.c.meeting_id.in_(shown))
            .order_by(MEETING_AREAS.c.meeting_id, MEETING_AREAS.c.area_id),
            "meeting_sources": select(MEETING_SOURCES)
            .where(MEETING_SOURCES.c.meeting_id.in_(shown))
            .order_by(MEETING_SOURCES.c.meeting_id, MEETING_SOURCES.c.source_id),
            "followups": select(FOLLOWUPS)
            .where(FOLLOWUPS.c.meeting_id.in_(shown))
            .order_by(FOLLOWUPS.c.action_id),
        }
        frames: dict[str, pd.DataFrame] = {}
        with self._reading() as conn:
            visible_ids = set(conn.scalars(shown))
            for name, query in queries.items():
                res = self._resource(name)
                query = query.with_only_columns(
                    *_as_text_columns(METADATA.tables[name], res, conn.dialect.name)
                )
                frames[name] = _typed_frame(conn.execute(query).all(), res)
        resolved = frames["followups"]["resolved_by_meeting_id"]
        frames["followups"]["resolved_by_meeting_id"] = resolved.where(
            resolved.isin(visible_ids), pd.NA
        )
        return frames

    def meeting(self, meeting_id: str) -> dict[str, Any]:
        """One meeting with its version, ``area_ids``, ``source_ids`` (main source first) and
        withdrawal fields. Raises NotFound."""
        with self._reading() as conn:
            found = self._meeting_snapshot(conn, meeting_id)
        if found is None:
            raise NotFound(f"no meeting {meeting_id!r}")
        return found

    def withdrawn_meeting_ids(self) -> list[str]:
        """Meetings withdrawn (and not restored), the latest withdrawn first."""
        with self._reading() as conn:
            return list(
                conn.scalars(
                    select(MEETINGS.c.meeting_id)
                    .where(MEETINGS.c.withdrawn_at.is_not(None))
                    .order_by(MEETINGS.c.withdrawn_at.desc())
                )
            )

    def followup(self, action_id: str) -> dict[str, Any]:
        """One follow-up with its version. Raises NotFound (also when its meeting is withdrawn)."""
        with self._reading() as conn:
            found = self._followup_row(conn, action_id)
        if found is None:
            raise NotFound(f"no follow-up {action_id!r}")
        return found

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
            found["withdrawn_at"] = _utc(found["withdrawn_at"])
        return found

    def _followup_row(self, conn: Connection, action_id: str) -> dict[str, Any] | None:
        row = conn.execute(
            select(FOLLOWUPS)
            .join(MEETINGS, MEETINGS.c.meeting_id == FOLLOWUPS.c.meeting_id)
            .where(FOLLOWUPS.c.action_id == action_id, MEETINGS.c.withdrawn_at.is_(None))
        ).first()
        return None if row is None else dict(row._mapping)

    # -- history -----------------------------------------------------------------------------

    def history(self, table: str, key: str) -> pd.DataFrame:
        """Every change to one record, oldest first: at, by, action, changed fields, before,
        after (dicts)."""
        query = (
            select(CHANGE_LOG)
            .where(CHANGE_LOG.c.table_name == table, CHANGE_LOG.c.record_key == key)
            .order_by(CHANGE_LOG.c.id)
        )
        return self._log_frame(query, as_json=False)

    def recent_changes(
        self, since: date | datetime | None = None, limit: int | None = 200
    ) -> pd.DataFrame:
        """The change log, newest first (at most `limit` rows; None: all), before and after
        as JSON text, ready for a CSV download."""
        query = select(CHANGE_LOG).order_by(CHANGE_LOG.c.id.desc())
        if since is not None:
            start = (
                since
                if isinstance(since, datetime)
                else datetime.combine(since, datetime.min.time())
            )
            query = query.where(CHANGE_LOG.c.at >= _utc(start))
        if limit is not None:
            query = query.limit(limit)
        return self._log_frame(query, as_json=True)

    def _log_frame(self, query: Select, as_json: bool) -> pd.DataFrame:
        with self._reading() as conn:
            rows = conn.execute(query).mappings().all()
        records = []
        for row in rows:
            before, after = row["before"] or {}, row["after"] or {}
            changed = [k for k in after if before.get(k) != after.get(k)] if before else []
            records.append(
                {
                    "at": _utc(row["at"]),
                    "by": row["by_email"],
                    "table": row["table_name"],
                    "record": row["record_key"],
                    "action": row["action"],
                    "changed": ", ".join(k for k in changed if k != "version"),
                    "before": json.dumps(row["before"], ensure_ascii=False)
                    if as_json and row["before"] is not None
                    else row["before"],
                    "after": json.dumps(row["after"], ensure_ascii=False)
                    if as_json and row["after"] is not None
                    else row["after"],
                }
            )
        columns = ["at", "by", "table", "record", "action", "changed", "before", "after"]
        return pd.DataFrame(records, columns=columns)

    def status_history(self, action_id: str) -> pd.DataFrame:
        """Each status a follow-up has had, oldest first: status, effective, status_basis,
        source_id, note, recorded_by, recorded_at."""
        query = (
            select(STATUS_HISTORY)
            .where(STATUS_HISTORY.c.action_id == action_id)
            .order_by(STATUS_HISTORY.c.effective, STATUS_HISTORY.c.id)
        )
        with self._reading() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        frame = pd.DataFrame(
            rows,
            columns=[
                "status",
                "effective",
                "status_basis",
                "source_id",
                "note",
                "recorded_by",
                "recorded_at",
            ],
        )
        frame["effective"] = pd.to_datetime(frame["effective"]).astype("datetime64[ns]")
        frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], utc=True)
        return frame

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
            "before": None if before is None else _jsonable(before),
            "after": None if after is None else _jsonable(after),
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
            self._log_row(_now(), str(identity.email), table, key, action, before, after),
        )

    def add_source(self, identity: Identity, source: Mapping[str, Any]) -> str:
        """Add one source (publisher, title, url, published, accessed, licence, notes); its id
        is made from the publisher when not given. Returns the id."""
        self._require(identity, Role.EDITOR, "add a source")
        with self._writing() as conn:
            (source_id,) = self._insert_sources(conn, identity, [source])
        return source_id

    def _insert_sources(
        self, conn: Connection, identity: Identity, sources: Sequence[Mapping[str, Any]]
    ) -> list[str]:
        res = self._resource("sources")
        existing = set(conn.scalars(select(SOURCES.c.source_id)))
        rows = []
        for source in sources:
            row = dict(source)
            # A form sends every field, empty ones as None: fill the blanks, keep what is given.
            if not row.get("accessed"):
                row["accessed"] = clock.today()
            if not row.get("licence"):
                row["licence"] = "Not stated — cited for facts"
            if not row.get("source_id"):
                stem = _slug(str(row.get("publisher") or ""))
                published = row.get("published")
                if published:
                    stem = f"{stem}-{published}"
                row["source_id"] = _unique(stem, existing)
            existing.add(row["source_id"])
            rows.append(row)
        typed = validate_rows(rows, res, self.curated())
        taken = set(
            conn.scalars(
                select(SOURCES.c.source_id).where(
                    SOURCES.c.source_id.in_([r["source_id"] for r in typed])
                )
            )
        )
        problems = [
            _problem(
                res,
                "source_id",
                r["source_id"],
                "unique",
                f"a source with id '{r['source_id']}' already exists",
                n,
            )
            for n, r in enumerate(typed, start=1)
            if r["source_id"] in taken
        ]
        if problems:
            raise ValidationFailed(problems)
        if typed:
            conn.execute(insert(SOURCES), typed)
        for row in typed:
            self._log(conn, identity, "sources", row["source_id"], "insert", None, row)
        return [r["source_id"] for r in typed]

    def record_meeting(
        self,
        identity: Identity,
        meeting: Mapping[str, Any],
        area_ids: Sequence[str] = (),
        source_ids: Sequence[str] = (),
        new_sources: Sequence[Mapping[str, Any]] = (),
        followups: Sequence[Mapping[str, Any]] = (),
    ) -> str:
        """Record a new meeting with its areas, sources (existing ids and new ones; the first
        is the main source unless ``meeting["source_id"]`` says otherwise) and follow-ups, all
        or nothing. The id is ``<date>-<partner>`` (made unique) unless given. Returns it."""
        self._require(identity, Role.EDITOR, "record a meeting")
        res = self._resource("meetings")
        with self._writing() as conn:
            problems: list[Problem] = []
            try:
                new_ids = self._insert_sources(conn, identity, new_sources)
            except ValidationFailed as failed:
                problems += failed.problems
                new_ids = []
            all_sources = list(dict.fromkeys([*source_ids, *new_ids]))
            row = dict(meeting)
            if not row.get("source_id") and all_sources:
                row["source_id"] = all_sources[0]
            if row.get("source_id") and row["source_id"] not in all_sources:
                all_sources.insert(0, row["source_id"])
            existing = set(conn.scalars(select(MEETINGS.c.meeting_id)))
            if not row.get("meeting_id"):
                row["meeting_id"] = _unique(
                    f"{_text(row.get('date'))}-{_text(row.get('partner_iso3')) or 'XXX'}",
                    existing,
                )
            elif row["meeting_id"] in existing:
                problems.append(
                    _problem(
                        res,
                        "meeting_id",
                        row["meeting_id"],
                        "unique",
                        f"a meeting with id '{row['meeting_id']}' already exists",
                    )
                )
            if not all_sources:
                problems.append(
                    _problem(
                        res,
                        "source_id",
                        None,
                        "required",
                        "name at least one source: pick one or add a new one",
                    )
                )
            try:
                (typed,) = validate_rows([row], res, self.curated())
            except ValidationFailed as failed:
                problems += failed.problems
                typed = None
            problems += self._check_sources(conn, res, "source_id", all_sources, set(new_ids))
            problems += self._check_areas(res, area_ids)
            if typed is None or problems:
                # Follow-ups are still checked, so every problem shows at once.
                problems += self._followup_problems(conn, followups, typed, row, set(new_ids))
                raise ValidationFailed(problems)
            followup_rows = self._prepare_followups(conn, followups, typed, set(new_ids))
            conn.execute(insert(MEETINGS), typed)
            self._write_links(conn, typed["meeting_id"], typed["source_id"], area_ids, all_sources)
            after = self._meeting_snapshot(conn, typed["meeting_id"])
            self._log(conn, identity, "meetings", typed["meeting_id"], "insert", None, after)
            self._insert_followups(conn, identity, followup_rows, "insert")
        return typed["meeting_id"]

    def _check_sources(
        self, conn: Connection, res: Resource, field: str, ids: Sequence[str], pending: set[str]
    ) -> list[Problem]:
        known = set(conn.scalars(select(SOURCES.c.source_id).where(SOURCES.c.source_id.in_(ids))))
        return [
            _problem(res, field, s, "foreign-key", f"'{s}' is not a known source")
            for s in ids
            if s not in known and s not in pending
        ]

    def _check_areas(self, res: Resource, area_ids: Sequence[str]) -> list[Problem]:
        known = self.curated().get("cooperation_areas", set())
        return [
            _problem(res, "area_ids", a, "foreign-key", f"'{a}' is not a known cooperation area")
            for a in area_ids
            if a not in known
        ]

    def _write_links(
        self,
        conn: Connection,
        meeting_id: str,
        main_source: str,
        area_ids: Sequence[str],
        source_ids: Sequence[str],
        supports: Mapping[str, str | None] | None = None,
    ) -> None:
        supports = supports or {}
        areas = list(dict.fromkeys(area_ids))
        if areas:
            conn.execute(
                insert(MEETING_AREAS), [{"meeting_id": meeting_id, "area_id": a} for a in areas]
            )
        sources = list(dict.fromkeys([main_source, *source_ids]))
        conn.execute(
            insert(MEETING_SOURCES),
            [
                {
                    "meeting_id": meeting_id,
                    "source_id": s,
                    "supports": supports.get(s, MAIN_SOURCE if s == main_source else None),
                }
                for s in sources
            ],
        )

    def _followup_defaults(
        self,
        followup: Mapping[str, Any],
        meeting: Mapping[str, Any],
        taken: set[str],
    ) -> dict[str, Any]:
        row = dict(followup)
        row["meeting_id"] = meeting.get("meeting_id")
        row.setdefault("iso3", meeting.get("partner_iso3"))
        row.setdefault("raised", meeting.get("date"))
        row.setdefault("status", "proposed")
        row.setdefault("status_as_of", row.get("raised"))
        row.setdefault("status_basis", "reported")
        row.setdefault("source_id", meeting.get("source_id"))
        if row.get("status") in CLOSING_STATUSES:
            row.setdefault("closed", row.get("status_as_of"))
        if not row.get("action_id"):
            meeting_id = str(meeting.get("meeting_id") or "").lower()
            stem = f"{meeting_id}-{row.get('action_type') or 'action'}"
            row["action_id"] = _unique(stem, taken)
        taken.add(row["action_id"])
        return row

    def _followup_problems(
        self,
        conn: Connection,
        followups: Sequence[Mapping[str, Any]],
        meeting: Mapping[str, Any] | None,
        raw_meeting: Mapping[str, Any],
        pending: set[str],
    ) -> list[Problem]:
        try:
            self._prepare_followups(conn, followups, meeting or raw_meeting, pending)
        except ValidationFailed as failed:
            return failed.problems
        return []

    def _prepare_followups(
        self,
        conn: Connection,
        followups: Sequence[Mapping[str, Any]],
        meeting: Mapping[str, Any],
        pending: set[str],
    ) -> list[dict[str, Any]]:
        """Follow-ups of `meeting`, with defaults filled in and checked by every rule."""
        if not followups:
            return []
        res = self._resource("followups")
        taken = set(conn.scalars(select(FOLLOWUPS.c.action_id)))
        given = [f.get("action_id") for f in followups if f.get("action_id")]
        rows = [self._followup_defaults(f, meeting, taken) for f in followups]
        problems: list[Problem] = []
        clashes = set(
            conn.scalars(select(FOLLOWUPS.c.action_id).where(FOLLOWUPS.c.action_id.in_(given)))
        )
        seen: set[str] = set()
        for n, row in enumerate(rows, start=1):
            if row["action_id"] in clashes or row["action_id"] in seen:
                problems.append(
                    _problem(
                        res,
                        "action_id",
                        row["action_id"],
                        "unique",
                        f"a follow-up with id '{row['action_id']}' already exists",
                        n,
                    )
                )
            seen.add(row["action_id"])
        try:
            typed = validate_rows(rows, res, self.curated())
        except ValidationFailed as failed:
            raise ValidationFailed(problems + failed.problems) from None
        for n, row in enumerate(typed, start=1):
            for field in ("source_id", "status_source_id"):
                if row[field]:
                    problems += [
                        dataclasses.replace(p, line=n)
                        for p in self._check_sources(conn, res, field, [row[field]], pending)
                    ]
            problems += _followup_date_problems(res, row, meeting.get("date"), n)
            resolved = row.get("resolved_by_meeting_id")
            if resolved and self._meeting_snapshot(conn, resolved) is None:
                problems.append(
                    _problem(
                        res,
                        "resolved_by_meeting_id",
                        resolved,
                        "foreign-key",
                        f"'{resolved}' is not a known meeting",
                        n,
                    )
                )
        if problems:
            raise ValidationFailed(problems)
        return typed

    def _insert_followups(
        self, conn: Connection, identity: Identity, rows: Sequence[Mapping[str, Any]], action: str
    ) -> None:
        if not rows:
            return
        conn.execute(insert(FOLLOWUPS), list(rows))
        at = _now()
        history = []
        for row in rows:
            self._log(conn, identity, "followups", row["action_id"], action, None, row)
            entry = self._seed_history(row, at)
            entry["recorded_by"] = str(identity.email)
            history.append(entry)
        conn.execute(insert(STATUS_HISTORY), history)

    def correct_meeting(
        self,
        identity: Identity,
        meeting_id: str,
        changes: Mapping[str, Any],
        area_ids: Sequence[str] | None = None,
        source_ids: Sequence[str] | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Correct fields of a meeting (and, when given, replace its areas / sources), made on
        `expected_version`. Returns the new version. Raises Conflict, ValidationFailed,
        NotFound, NotAllowed."""
        self._require(identity, Role.EDITOR, "correct a meeting")
        res = self._resource("meetings")
        with self._writing() as conn:
            before = self._meeting_snapshot(conn, meeting_id)
            if before is None or before["withdrawn_at"] is not None:
                raise NotFound(f"no meeting {meeting_id!r}")
            if expected_version is None:
                expected_version = before["version"]
            row = {name: before[name] for name in res.field_names}
            row.update(changes)
            problems: list[Problem] = []
            if row["meeting_id"] != meeting_id:
                problems.append(
                    _problem(
                        res,
                        "meeting_id",
                        row["meeting_id"],
                        "immutable",
                        "a meeting's id cannot change; withdraw it and record it anew",
                    )
                )
            sources = list(source_ids) if source_ids is not None else before["source_ids"]
            if source_ids is not None and "source_id" not in changes and sources:
                row["source_id"] = sources[0]
            try:
                (typed,) = validate_rows([row], res, self.curated())
            except ValidationFailed as failed:
                problems += failed.problems
                typed = None
            problems += self._check_sources(
                conn, res, "source_id", sources or [row["source_id"]], set()
            )
            if area_ids is not None:
                problems += self._check_areas(res, area_ids)
            if typed is not None:
                for action_id, raised in conn.execute(
                    select(FOLLOWUPS.c.action_id, FOLLOWUPS.c.raised).where(
                        FOLLOWUPS.c.meeting_id == meeting_id
                    )
                ):
                    if typed["date"] and raised < typed["date"]:
                        problems.append(
                            _problem(
                                res,
                                "date",
                                typed["date"],
                                "followup-before-meeting",
                                f"follow-up '{action_id}' was raised on {raised:%Y-%m-%d}, "
                                "before this date",
                            )
                        )
            if problems:
                raise ValidationFailed(problems)
            values = {k: v for k, v in typed.items() if k != "meeting_id"}
            result = conn.execute(
                update(MEETINGS)
                .where(
                    MEETINGS.c.meeting_id == meeting_id,
                    MEETINGS.c.version == expected_version,
                    MEETINGS.c.withdrawn_at.is_(None),
                )
                .values(**values, version=MEETINGS.c.version + 1)
            )
            if result.rowcount != 1:
                wanted = {**changes}
                if area_ids is not None:
                    wanted["area_ids"] = sorted(area_ids)
                if source_ids is not None:
                    wanted["source_ids"] = list(source_ids)
                raise self._conflict(conn, "meetings", meeting_id, expected_version, wanted)
            supports = dict(
                conn.execute(
                    select(MEETING_SOURCES.c.source_id, MEETING_SOURCES.c.supports).where(
                        MEETING_SOURCES.c.meeting_id == meeting_id
                    )
                ).all()
            )
            supports.pop(before["source_id"], None)
            if not supports.get(typed["source_id"]):  # a secondary source became the main one
                supports[typed["source_id"]] = MAIN_SOURCE
            conn.execute(MEETING_SOURCES.delete().where(MEETING_SOURCES.c.meeting_id == meeting_id))
            if area_ids is not None:  # None: the areas stay as they are
                conn.execute(MEETING_AREAS.delete().where(MEETING_AREAS.c.meeting_id == meeting_id))
            self._write_links(
                conn, meeting_id, typed["source_id"], area_ids or (), sources, supports
            )
            after = self._meeting_snapshot(conn, meeting_id)
            self._log(conn, identity, "meetings", meeting_id, "update", before, after)
        return after["version"]

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
        now = _jsonable(current)
        changed: dict[str, tuple[Any, Any]] = {}
        for field, theirs in now.items():
            if field in ("version", "withdrawn_at"):
                continue
            seen = base.get(field) if base is not None else wanted.get(field, theirs)
            if base is not None and seen == theirs:
                continue
            yours = _jsonable({field: wanted[field]})[field] if field in wanted else seen
            if base is None and yours == theirs:
                continue
            changed[field] = (yours, theirs)
        return Conflict(current, changed)

    def withdraw_meeting(
        self, identity: Identity, meeting_id: str, reason: str, expected_version: int
    ) -> int:
        """Withdraw (soft-delete) a meeting: gone from every page, kept in the database and
        its history. Admin only. Returns the new version."""
        self._require(identity, Role.ADMIN, "withdraw a meeting")
        return self._set_withdrawal(identity, meeting_id, reason, expected_version, True)

    def restore_meeting(
        self, identity: Identity, meeting_id: str, reason: str, expected_version: int
    ) -> int:
        """Bring a withdrawn meeting back. Admin only. Returns the new version."""
        self._require(identity, Role.ADMIN, "restore a meeting")
        return self._set_withdrawal(identity, meeting_id, reason, expected_version, False)

    def _set_withdrawal(
        self,
        identity: Identity,
        meeting_id: str,
        reason: str,
        expected_version: int,
        withdraw: bool,
    ) -> int:
        res = self._resource("meetings")
        reason = (reason or "").strip()
        if not reason or len(reason) > MAX_TEXT or "\x00" in reason:
            raise ValidationFailed(
                [
                    _problem(
                        res,
                        "withdrawn_reason",
                        reason[:80],
                        "required",
                        f"give a reason (at most {MAX_TEXT:,} characters)",
                    )
                ]
            )
        with self._writing() as conn:
            before = self._meeting_snapshot(conn, meeting_id)
            if before is None:
                raise NotFound(f"no meeting {meeting_id!r}")
            if withdraw:
                values = {
                    "withdrawn_at": _now(),
                    "withdrawn_by": identity.email,
                    "withdrawn_reason": reason,
                }
                state = MEETINGS.c.withdrawn_at.is_(None)
            else:
                values = {"withdrawn_at": None, "withdrawn_by": None, "withdrawn_reason": None}
                state = MEETINGS.c.withdrawn_at.is_not(None)
            result = conn.execute(
                update(MEETINGS)
                .where(
                    MEETINGS.c.meeting_id == meeting_id,
                    MEETINGS.c.version == expected_version,
                    state,
                )
                .values(**values, version=MEETINGS.c.version + 1)
            )
            if result.rowcount != 1:
                raise self._conflict(
                    conn,
                    "meetings",
                    meeting_id,
                    expected_version,
                    {"withdrawn_reason": reason if withdraw else None},
                )
            after = self._meeting_snapshot(conn, meeting_id)
            if not withdraw:
                after = {**after, "restored_reason": reason}
            action = "withdraw" if withdraw else "restore"
            self._log(conn, identity, "meetings", meeting_id, action, before, after)
        return after["version"]

    def update_followup(
        self,
        identity: Identity,
        action_id: str,
        status: str,
        effective: date | str,
        source_id: str | None,
        note: str | None,
        expected_version: int,
        status_basis: str = "reported",
    ) -> int:
        """Record a follow-up's new status, the date it took effect and its source or note.
        ``closed`` is set for done/dropped and cleared otherwise. Returns the new version."""
        self._require(identity, Role.EDITOR, "update a follow-up")
        res = self._resource("followups")
        with self._writing() as conn:
            before = self._followup_row(conn, action_id)
            if before is None:
                raise NotFound(f"no follow-up {action_id!r}")
            source_id = source_id or None
            note = note if note and note.strip() else None
            row = {name: before[name] for name in res.field_names}
            row.update(
                status=status,
                status_as_of=effective,
                status_basis=status_basis,
                status_source_id=source_id,
            )
            problems: list[Problem] = []

            def missing(field: str, message: str) -> None:
                problems.append(_problem(res, field, None, "required", message))

            if source_id is None and note is None:
                missing(
                    "status_source_id",
                    "give the source of the new status, or a note saying how it is known",
                )
            try:
                (typed,) = validate_rows([{**row, "closed": None}], res, self.curated())
            except ValidationFailed as failed:
                problems += failed.problems
                typed = None
            if note is not None:
                problems += check_text(res, "note", note)
            if source_id:
                problems += self._check_sources(conn, res, "status_source_id", [source_id], set())
            inferred = typed is not None and typed["status_basis"] == "inferred"
            if inferred and note is None:
                missing("note", "an inferred status needs a note saying what it was inferred from")
            if inferred and source_id is None:
                missing(
                    "status_source_id", "an inferred status needs the source it was inferred from"
                )
            if typed is not None:
                effective_date = typed["status_as_of"]
                if effective_date < before["raised"]:
                    problems.append(
                        _problem(
                            res,
                            "status_as_of",
                            effective_date,
                            "before-raised",
                            f"the follow-up was raised on {before['raised']:%Y-%m-%d}; a "
                            "status cannot take effect before that",
                        )
                    )
                if effective_date < before["status_as_of"]:
                    problems.append(
                        _problem(
                            res,
                            "status_as_of",
                            effective_date,
                            "before-current",
                            f"the current status is known as of "
                            f"{before['status_as_of']:%Y-%m-%d}; a new status must take "
                            "effect on or after that date",
                        )
                    )
                if effective_date > clock.today():
                    problems.append(
                        _problem(
                            res,
                            "status_as_of",
                            effective_date,
                            "future",
                            "a status cannot take effect after today",
                        )
                    )
            if problems:
                raise ValidationFailed(problems)
            closed = typed["status_as_of"] if typed["status"] in CLOSING_STATUSES else None
            values = {
                "status": typed["status"],
                "status_as_of": typed["status_as_of"],
                "status_basis": typed["status_basis"],
                "status_source_id": typed["status_source_id"],
                "closed": closed,
            }
            if inferred:  # the follow-up says why its status is inferred (data audit rule)
                values["note"] = note
            result = conn.execute(
                update(FOLLOWUPS)
                .where(FOLLOWUPS.c.action_id == action_id, FOLLOWUPS.c.version == expected_version)
                .values(**values, version=FOLLOWUPS.c.version + 1)
            )
            if result.rowcount != 1:
                raise self._conflict(conn, "followups", action_id, expected_version, values)
            conn.execute(
                insert(STATUS_HISTORY),
                {
                    "action_id": action_id,
                    "status": typed["status"],
                    "effective": typed["status_as_of"],
                    "status_basis": typed["status_basis"],
                    "source_id": typed["status_source_id"],
                    "note": note,
                    "recorded_by": identity.email,
                    "recorded_at": _now(),
                },
            )
            after = self._followup_row(conn, action_id)
            self._log(
                conn,
                identity,
                "followups",
                action_id,
                "update",
                before,
                {**after, "status_note": note},
            )
        return after["version"]

    # -- import ------------------------------------------------------------------------------

    def import_csv(self, identity: Identity, table: str, raw: bytes) -> int:
        """Add every row of a CSV file (the same columns as the data/ file) to `table`, all or
        nothing. Raises ValidationFailed listing every bad row (line, column, value, rule).
        Returns the number of rows added."""
        self._require(identity, Role.EDITOR, "import records")
        if table not in RECORD_TABLES:
            raise ValueError(f"unknown table {table!r}; one of {', '.join(RECORD_TABLES)}")
        res = self._resource(table)
        frame, problems = parse_table(raw, res)
        problems = [p for p in problems if p.severity == ERROR]
        if frame is None:
            raise ValidationFailed(problems)
        text, _ = parse_table(raw, as_text(res))
        if text is not None:
            problems += check_frame(text, res, self.curated())
        lines = frame["__line__"].tolist()
        rows = frame_records(frame, res)
        with self._writing() as conn:
            problems += self._import_problems(conn, res, rows, lines)
            if problems:
                raise ValidationFailed(
                    sorted(problems, key=lambda p: (p.line or 0, p.column or ""))
                )
            if not rows:
                return 0
            conn.execute(insert(METADATA.tables[table]), rows)
            at = _now()
            conn.execute(
                insert(CHANGE_LOG),
                [
                    self._log_row(
                        at, str(identity.email), table, self._key(res, r), "import", None, r
                    )
                    for r in rows
                ],
            )
            if table == "followups":
                history = []
                for row in rows:
                    entry = self._seed_history(row, at)
                    entry["recorded_by"] = str(identity.email)
                    history.append(entry)
                conn.execute(insert(STATUS_HISTORY), history)
        return len(rows)

    def _import_problems(
        self, conn: Connection, res: Resource, rows: list[dict[str, Any]], lines: list[int]
    ) -> list[Problem]:
        """Rules that need the database: new ids, known sources and meetings, dates."""
        problems: list[Problem] = []
        table = METADATA.tables[res.name]
        existing = {tuple(r) for r in conn.execute(select(*table.primary_key.columns))}
        references: dict[str, set[str]] = {}
        for fk in res.foreign_keys:
            target = fk.resource or res.name
            if target in RECORD_TABLES:
                ref = METADATA.tables[target].c[fk.reference_fields[0]]
                query = select(ref)
                if target == "meetings":
                    query = query.where(MEETINGS.c.withdrawn_at.is_(None))
                references[fk.fields[0]] = set(conn.scalars(query))
        meeting_dates = (
            dict(conn.execute(select(MEETINGS.c.meeting_id, MEETINGS.c.date)).all())
            if res.name == "followups"
            else {}
        )
        for row, line in zip(rows, lines, strict=True):
            key = tuple(row[k] for k in res.primary_key)
            if key in existing:
                problems.append(
                    _problem(
                        res,
                        ",".join(res.primary_key),
                        ", ".join(map(str, key)),
                        "unique",
                        f"({', '.join(map(str, key))}) is already in the database",
                        line,
                    )
                )
            for field, known in references.items():
                value = row[field]
                if value is not None and value not in known:
                    problems.append(
                        _problem(
                            res,
                            field,
                            value,
                            "foreign-key",
                            f"'{value}' is not in the database",
                            line,
                        )
                    )
            if res.name == "followups" and row["meeting_id"] in meeting_dates:
                problems += _followup_date_problems(
                    res, row, meeting_dates[row["meeting_id"]], line
                )
        return problems


def _followup_date_problems(
    res: Resource, row: Mapping[str, Any], meeting_date: Any, line: int | None
) -> list[Problem]:
    problems = []
    raised = row["raised"]
    if isinstance(meeting_date, date) and raised is not None and raised < meeting_date:
        problems.append(
            _problem(
                res,
                "raised",
                raised,
                "followup-before-meeting",
                f"raised on {raised:%Y-%m-%d}, before its meeting ({meeting_date:%Y-%m-%d})",
                line,
            )
        )
    for field in ("due", "closed", "status_as_of"):
        value = row.get(field)
        if value is not None and raised is not None and value < raised:
            problems.append(
                _problem(
                    res,
                    field,
                    value,
                    "before-raised",
                    f"{value:%Y-%m-%d} is before the date the action was raised "
                    f"({raised:%Y-%m-%d})",
                    line,
                )
            )
    return problems


def _text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value or "").strip()


def _unique(stem: str, taken: set[str]) -> str:
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    return candidate


def _as_text_columns(table: Table, res: Resource, dialect: str) -> list[ColumnElement]:
    """The package's fields of `table`, dates as ISO text (parsed in one vectorised step;
    SQLite stores them so, PostgreSQL formats them whatever its DateStyle)."""

    def iso(column: ColumnElement) -> ColumnElement:
        if dialect == "postgresql":
            return func.to_char(column, "YYYY-MM-DD").label(column.name)
        return cast(column, String).label(column.name)

    return [iso(table.c[f.name]) if f.type == "date" else table.c[f.name] for f in res.fields]


def _typed_frame(rows: Sequence[Sequence[Any]], res: Resource) -> pd.DataFrame:
    """Rows from the database (dates as ISO text) typed as the loader types the CSV table."""
    template = empty_frame(res)
    if not rows:
        return template
    columns: dict[str, pd.Series] = {}
    # Column by column from plain tuples: much faster than a frame from SQLAlchemy Row objects.
    for fld, values in zip(res.fields, zip(*map(tuple, rows), strict=True), strict=True):
        dtype = template[fld.name].dtype
        if fld.type == "date":
            parsed = pd.to_datetime(pd.Series(values), format="%Y-%m-%d", errors="coerce")
            columns[fld.name] = parsed.astype(dtype)
        else:
            columns[fld.name] = pd.Series(values).astype(dtype)
    return pd.DataFrame(columns)
