"""Reading the records: the tables the pages show, one record, histories."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    cast,
    func,
    or_,
    select,
)

from dashboard.datasets.package import Resource
from dashboard.datasets.validate import empty_frame
from dashboard.records.base import (
    CHANGE_LOG,
    FOLLOWUPS,
    MEETINGS,
    REVISION,
    SOURCES,
    STATUS_HISTORY,
    NotFound,
    StoreBase,
    utc,
)
from dashboard.records.models import METADATA, RECORD_TABLES

# Past this many change-log entries since the last read, the tables are read afresh.
INCREMENTAL_LIMIT = 1000
LINK_TABLES = ("meeting_areas", "meeting_sources")


@dataclass(frozen=True)
class RecordTables:
    """The five record tables as of one snapshot of the database (`Reading.read_tables`), and
    where that snapshot stands: the revision and the last change-log entry it includes."""

    frames: dict[str, pd.DataFrame]
    revision: int
    last_change: int
    # The tables read again, in full or in part, by the read that made these frames.
    changed: frozenset[str] = frozenset(RECORD_TABLES)


@dataclass
class _Changed:
    """What the change-log entries since a read name: sources, follow-ups, and meetings whose
    row, visibility, areas or sources changed."""

    sources: set[str] = field(default_factory=set)
    meetings: set[str] = field(default_factory=set)
    followups: set[str] = field(default_factory=set)


class Reading(StoreBase):
    """What the pages and the command line read."""

    # -- reading -----------------------------------------------------------------------------

    def revision(self) -> int:
        """A number that grows with every committed write: the cache key of what pages show."""
        with self.engine.connect() as conn:
            return int(conn.scalar(select(REVISION.c.value).where(REVISION.c.id == 1)) or 0)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The five record tables, typed as the package loader types the CSV files, each in
        the order of its key; withdrawn meetings and their areas, sources and follow-ups left
        out."""
        return self.read_tables().frames

    def read_tables(self, previous: RecordTables | None = None) -> RecordTables:
        """The record tables as `tables()` gives them, all from one snapshot of the database.

        Given an earlier read of this database, only the records named by the change log since
        then are read again, and every other row is taken from `previous`: the frames equal a
        full read, as every write logs each record it changes (a meeting's entry covers its
        areas and sources) and writes are serialised, so log ids grow in commit order. The
        tables are read in full when the log cannot tell: no earlier read or an empty one, the
        database went back, the revision moved without a log entry, or too many entries.
        """
        with self._reading() as conn:
            revision = int(conn.scalar(select(REVISION.c.value).where(REVISION.c.id == 1)) or 0)
            last_change = int(conn.scalar(select(func.max(CHANGE_LOG.c.id))) or 0)
            if previous is not None and (previous.revision, previous.last_change) == (
                revision,
                last_change,
            ):
                return previous
            changed = self._changed_since(conn, previous, revision, last_change)
            if previous is None or changed is None:
                return RecordTables(self._read_all(conn), revision, last_change)
            frames, tables = self._read_changed(conn, previous.frames, changed)
        return RecordTables(frames, revision, last_change, tables)

    def _read_all(self, conn: Connection) -> dict[str, pd.DataFrame]:
        shown = select(MEETINGS.c.meeting_id).where(MEETINGS.c.withdrawn_at.is_(None))
        frames = {
            "sources": self._frame(conn, "sources"),
            "meetings": self._frame(conn, "meetings", MEETINGS.c.withdrawn_at.is_(None)),
        }
        for name in LINK_TABLES:
            table = METADATA.tables[name]
            frames[name] = self._frame(conn, name, table.c.meeting_id.in_(shown))
        followups = self._frame(conn, "followups", FOLLOWUPS.c.meeting_id.in_(shown))
        frames["followups"] = _resolved_if_shown(followups, frames["meetings"])
        return frames

    def _changed_since(
        self, conn: Connection, previous: RecordTables | None, revision: int, last_change: int
    ) -> _Changed | None:
        """The records changed since `previous`, by the change log; None when it cannot tell."""
        if (
            previous is None
            or previous.last_change == 0
            or revision < previous.revision
            or last_change <= previous.last_change
        ):
            return None
        log = CHANGE_LOG.c
        entries = conn.execute(
            select(log.table_name, log.record_key, log.after, log.before)
            .where(log.id > previous.last_change)
            .limit(INCREMENTAL_LIMIT + 1)
        ).all()
        if len(entries) > INCREMENTAL_LIMIT:
            return None
        changed = _Changed()
        for table, key, after, before in entries:
            if table == "sources":
                changed.sources.add(key)
            elif table == "meetings":
                changed.meetings.add(key)
            elif table == "followups":
                changed.followups.add(key)
            elif table in LINK_TABLES and (after or before or {}).get("meeting_id"):
                changed.meetings.add((after or before)["meeting_id"])
            elif table == "subscriptions":
                continue  # the digest's subscribers: in no record table
            else:
                return None
        return changed

    def _read_changed(
        self, conn: Connection, frames: dict[str, pd.DataFrame], changed: _Changed
    ) -> tuple[dict[str, pd.DataFrame], frozenset[str]]:
        """`frames` with the rows of the changed records read again; and the tables touched."""
        frames = dict(frames)
        touched: set[str] = set()

        def splice(name: str, stale: pd.Series, fresh: pd.DataFrame) -> None:
            gone = stale.to_numpy(dtype=bool)
            if gone.any() or not fresh.empty:
                frames[name] = _merged(
                    frames[name][~gone], fresh, self._resource(name).primary_key[0]
                )
                touched.add(name)

        sources, meetings = sorted(changed.sources), sorted(changed.meetings)
        if sources:
            fresh = self._frame(conn, "sources", SOURCES.c.source_id.in_(sources))
            splice("sources", frames["sources"]["source_id"].isin(sources), fresh)
        if meetings:
            fresh = self._frame(
                conn,
                "meetings",
                MEETINGS.c.meeting_id.in_(meetings),
                MEETINGS.c.withdrawn_at.is_(None),
            )
            splice("meetings", frames["meetings"]["meeting_id"].isin(meetings), fresh)
            shown = list(fresh["meeting_id"])
            for name in LINK_TABLES:
                table = METADATA.tables[name]
                links = self._frame(conn, name, table.c.meeting_id.in_(shown))
                splice(name, frames[name]["meeting_id"].isin(meetings), links)
        if meetings or changed.followups:
            # A follow-up is shown with its meeting, and its resolving meeting only while that
            # is shown: a changed meeting reads again the follow-ups it has and it resolved.
            fresh = self._frame(
                conn,
                "followups",
                MEETINGS.c.withdrawn_at.is_(None),
                or_(
                    FOLLOWUPS.c.action_id.in_(sorted(changed.followups)),
                    FOLLOWUPS.c.meeting_id.in_(meetings),
                    FOLLOWUPS.c.resolved_by_meeting_id.in_(meetings),
                ),
                join=MEETINGS,
            )
            fresh = _resolved_if_shown(fresh, frames["meetings"])
            old = frames["followups"]
            stale = old["action_id"].isin([*changed.followups, *fresh["action_id"]])
            stale |= old["meeting_id"].isin(meetings)
            splice("followups", stale, fresh)
        return frames, frozenset(touched)

    def _frame(
        self,
        conn: Connection,
        name: str,
        *where: ColumnElement[bool],
        join: Table | None = None,
    ) -> pd.DataFrame:
        """The rows of record table `name` that meet `where` (its meetings joined in if
        `join`), typed, in the order of its key."""
        res = self._resource(name)
        table = METADATA.tables[name]
        query = select(*_as_text_columns(table, res, conn.dialect.name))
        if join is not None:
            query = query.join(join, join.c.meeting_id == table.c.meeting_id)
        rows = conn.execute(query.where(*where)).all()
        return _ordered(_typed_frame(rows, res, self._templates[name]), res)

    @functools.cached_property
    def _templates(self) -> dict[str, pd.DataFrame]:
        """Each record table with no rows, typed as the loader types the CSV table."""
        return {name: empty_frame(self._resource(name)) for name in RECORD_TABLES}

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
            query = query.where(CHANGE_LOG.c.at >= utc(start))
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
                    "at": utc(row["at"]),
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


def _as_text_columns(table: Table, res: Resource, dialect: str) -> list[ColumnElement]:
    """The package's fields of `table`, dates as ISO text (parsed in one vectorised step;
    SQLite stores them so, PostgreSQL formats them whatever its DateStyle)."""

    def iso(column: ColumnElement) -> ColumnElement:
        if dialect == "postgresql":
            return func.to_char(column, "YYYY-MM-DD").label(column.name)
        return cast(column, String).label(column.name)

    return [iso(table.c[f.name]) if f.type == "date" else table.c[f.name] for f in res.fields]


def _ordered(frame: pd.DataFrame, res: Resource) -> pd.DataFrame:
    """`frame` in the order of its key, by code point whatever the database's collation (so a
    read in part and a full read agree, on SQLite and PostgreSQL alike)."""
    return frame.sort_values(list(res.primary_key), ignore_index=True)


def _merged(kept: pd.DataFrame, fresh: pd.DataFrame, first_key: str) -> pd.DataFrame:
    """Two frames in key order as one, in key order, without sorting the whole again: each
    fresh row goes before the first kept row with a greater `first_key` (the rows of one
    `first_key` value are all in one of the two)."""
    if fresh.empty:
        return kept.reset_index(drop=True)
    at = np.searchsorted(kept[first_key].to_numpy(), fresh[first_key].to_numpy())
    fresh_at = at + np.arange(len(fresh))
    kept_at = np.arange(len(kept)) + np.searchsorted(at, np.arange(len(kept)), side="right")
    order = np.empty(len(kept) + len(fresh), dtype=np.intp)
    order[kept_at] = np.arange(len(kept))
    order[fresh_at] = np.arange(len(kept), len(kept) + len(fresh))
    return pd.concat([kept, fresh], ignore_index=True).take(order).reset_index(drop=True)


def _resolved_if_shown(followups: pd.DataFrame, meetings: pd.DataFrame) -> pd.DataFrame:
    """`followups` with a resolving meeting that is not shown (withdrawn) left blank."""
    resolved = followups["resolved_by_meeting_id"]
    named = meetings["meeting_id"]
    # Look up the few ids named among the many meetings, not the other way round (pandas
    # turns the values looked up into Python objects, one by one).
    shown = named[named.isin(resolved.dropna().unique())]
    kept = resolved.isna() | resolved.isin(shown)
    if kept.all():
        return followups
    return followups.assign(resolved_by_meeting_id=resolved.where(kept, pd.NA))


def _typed_frame(
    rows: Sequence[Sequence[Any]], res: Resource, template: pd.DataFrame
) -> pd.DataFrame:
    """Rows from the database (dates as ISO text) typed as the loader types the CSV table
    (`template`: the table with no rows)."""
    if not rows:
        return template.copy(deep=False)
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
