"""Reading the records: the tables the pages show, one record, histories."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    cast,
    func,
    select,
)

from dashboard.datasets.package import Resource
from dashboard.datasets.validate import empty_frame
from dashboard.records.base import (
    CHANGE_LOG,
    FOLLOWUPS,
    MEETING_AREAS,
    MEETING_SOURCES,
    MEETINGS,
    REVISION,
    SOURCES,
    STATUS_HISTORY,
    NotFound,
    StoreBase,
    utc,
)
from dashboard.records.models import METADATA


class Reading(StoreBase):
    """What the pages and the command line read."""

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
