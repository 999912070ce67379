"""Writing follow-ups: those recorded with a meeting, and status updates."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    insert,
    select,
    update,
)

from dashboard.datasets import clock
from dashboard.datasets.package import Resource
from dashboard.datasets.validate import Problem
from dashboard.records.access import Identity, Role
from dashboard.records.base import (
    CLOSING_STATUSES,
    FOLLOWUPS,
    STATUS_HISTORY,
    NotFound,
    StoreBase,
    field_problem,
    history_entry,
    ids_from,
    now,
    unique_id,
)
from dashboard.records.rules import (
    ValidationFailed,
    check_text,
    validate_rows,
)


class FollowupWrites(StoreBase):
    """Follow-up actions and their status history."""

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
            row["action_id"] = unique_id(stem, taken)
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
        # Made ids start with the meeting's (`_followup_defaults`).
        taken = ids_from(conn, FOLLOWUPS.c.action_id, str(meeting.get("meeting_id") or "").lower())
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
                    field_problem(
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
            problems += followup_date_problems(res, row, meeting.get("date"), n)
            resolved = row.get("resolved_by_meeting_id")
            if resolved and self._meeting_snapshot(conn, resolved) is None:
                problems.append(
                    field_problem(
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
        at = now()
        history = []
        for row in rows:
            self._log(conn, identity, "followups", row["action_id"], action, None, row)
            entry = history_entry(row, at)
            entry["recorded_by"] = str(identity.email)
            history.append(entry)
        conn.execute(insert(STATUS_HISTORY), history)

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
            if status_basis == "inferred":  # the follow-up's note says why (data audit rule)
                row["note"] = note
            problems: list[Problem] = []

            if source_id is None and note is None:
                problems.append(
                    field_problem(
                        res,
                        "status_source_id",
                        None,
                        "required",
                        "give the source of the new status, or a note saying how it is known",
                    )
                )
            try:
                (typed,) = validate_rows([{**row, "closed": None}], res, self.curated())
            except ValidationFailed as failed:
                problems += failed.problems
                typed = None
            if note is not None and status_basis != "inferred":  # else checked as the row's
                problems += check_text(res, "note", note)
            if source_id:
                problems += self._check_sources(conn, res, "status_source_id", [source_id], set())
            inferred = typed is not None and typed["status_basis"] == "inferred"
            if typed is not None:
                effective_date = typed["status_as_of"]
                if effective_date < before["raised"]:
                    problems.append(
                        field_problem(
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
                        field_problem(
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
                        field_problem(
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
                    "recorded_at": now(),
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


def followup_date_problems(
    res: Resource, row: Mapping[str, Any], meeting_date: Any, line: int | None
) -> list[Problem]:
    problems = []
    raised = row["raised"]
    if isinstance(meeting_date, date) and raised is not None and raised < meeting_date:
        problems.append(
            field_problem(
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
                field_problem(
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
