"""Importing rows from a CSV file with the columns of data/'s table, all or nothing."""

from __future__ import annotations

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
        with self._writing() as conn:
            problems += self._import_problems(conn, res, rows, lines)
            if problems:
                raise ValidationFailed(
                    sorted(problems, key=lambda p: (p.line or 0, p.column or ""))
                )
            if not rows:
                return 0
            conn.execute(insert(METADATA.tables[table]), rows)
            at = now()
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
                    entry = history_entry(row, at)
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
