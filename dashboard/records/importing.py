"""Importing rows from a CSV file with the columns of data/'s table, all or nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    insert,
    select,
)

from dashboard.datasets.package import Resource
from dashboard.datasets.validate import ERROR, Problem, parse_table
from dashboard.records.access import Identity, Role
from dashboard.records.base import (
    CHANGE_LOG,
    LINKS,
    MAIN_SOURCE,
    MEETING_SOURCES,
    MEETINGS,
    STATUS_HISTORY,
    StoreBase,
    field_problem,
    history_entry,
    now,
)
from dashboard.records.followups import followup_date_problems
from dashboard.records.models import METADATA, RECORD_TABLES
from dashboard.records.rules import (
    ValidationFailed,
    as_text,
    check_frame,
    frame_records,
)


class Importing(StoreBase):
    """CSV imports."""

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
        by = str(identity.email)
        with self._writing() as conn:
            if table in LINKS:
                rows, lines = _not_present(conn, table, rows, lines)
            problems += self._import_problems(conn, res, rows, lines)
            if problems:
                raise ValidationFailed(
                    sorted(problems, key=lambda p: (p.line or 0, p.column or ""))
                )
            if not rows:
                return 0
            linked = {r["meeting_id"] for r in rows} if table in LINKS else ()
            with self._adding_links(conn, by, linked, "import"):
                conn.execute(insert(METADATA.tables[table]), rows)
            at = now()
            conn.execute(
                insert(CHANGE_LOG),
                [self._log_row(at, by, table, self._key(res, r), "import", None, r) for r in rows],
            )
            if table == "meetings":
                self._link_main_sources(conn, by, rows, at)
            if table == "followups":
                history = []
                for row in rows:
                    entry = history_entry(row, at)
                    entry["recorded_by"] = by
                    history.append(entry)
                conn.execute(insert(STATUS_HISTORY), history)
        return len(rows)

    def _link_main_sources(
        self, conn: Connection, by: str, meetings: list[dict[str, Any]], at: datetime
    ) -> None:
        """Imported meetings list their main source in meeting_sources, as a recorded one
        does (the package's rule): the store adds the link rather than leave it to a later
        import of meeting_sources, which then finds it there already."""
        res = self._resource("meeting_sources")
        links = [
            {"meeting_id": m["meeting_id"], "source_id": m["source_id"], "supports": MAIN_SOURCE}
            for m in meetings
        ]
        conn.execute(insert(MEETING_SOURCES), links)
        conn.execute(
            insert(CHANGE_LOG),
            [
                self._log_row(at, by, "meeting_sources", self._key(res, r), "import", None, r)
                for r in links
            ],
        )

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
                    field_problem(
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
                        field_problem(
                            res,
                            field,
                            value,
                            "foreign-key",
                            f"'{value}' is not in the database",
                            line,
                        )
                    )
            if res.name == "followups" and row["meeting_id"] in meeting_dates:
                problems += followup_date_problems(res, row, meeting_dates[row["meeting_id"]], line)
        return problems


def _not_present(
    conn: Connection, table: str, rows: list[dict[str, Any]], lines: list[int]
) -> tuple[list[dict[str, Any]], list[int]]:
    """The link rows that are not already in the database exactly as given (a main-source
    link an import of meetings added, or a file imported twice): those are not new."""
    columns = METADATA.tables[table].columns
    present = {tuple(r) for r in conn.execute(select(*columns))}
    kept = [
        (row, line)
        for row, line in zip(rows, lines, strict=True)
        if tuple(row[c.name] for c in columns) not in present
    ]
    return [row for row, _ in kept], [line for _, line in kept]
