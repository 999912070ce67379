"""Writing meetings: recording, correcting, withdrawing and restoring, and their sources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    insert,
    select,
    update,
)

from dashboard.datasets import clock
from dashboard.datasets.validate import Problem
from dashboard.records.access import Identity, Role
from dashboard.records.base import (
    FOLLOWUPS,
    MAIN_SOURCE,
    MEETING_AREAS,
    MEETING_SOURCES,
    MEETINGS,
    SOURCES,
    NotFound,
    field_problem,
    now,
    slug,
    text_of,
    unique_id,
)
from dashboard.records.followups import FollowupWrites
from dashboard.records.rules import (
    MAX_TEXT,
    ValidationFailed,
    forbidden_character_problem,
    validate_rows,
)


class MeetingWrites(FollowupWrites):
    """Meetings and the sources they cite."""

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
                stem = slug(str(row.get("publisher") or ""))
                published = row.get("published")
                if published:
                    stem = f"{stem}-{published}"
                row["source_id"] = unique_id(stem, existing)
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
            field_problem(
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
                row["meeting_id"] = unique_id(
                    f"{text_of(row.get('date'))}-{text_of(row.get('partner_iso3')) or 'XXX'}",
                    existing,
                )
            elif row["meeting_id"] in existing:
                problems.append(
                    field_problem(
                        res,
                        "meeting_id",
                        row["meeting_id"],
                        "unique",
                        f"a meeting with id '{row['meeting_id']}' already exists",
                    )
                )
            if not all_sources:
                problems.append(
                    field_problem(
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
                    field_problem(
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
                            field_problem(
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
        if not reason:
            wrong = "required", f"give a reason (at most {MAX_TEXT:,} characters)"
        elif len(reason) > MAX_TEXT:
            wrong = (
                "max-length",
                f"the reason is {len(reason):,} characters long; at most {MAX_TEXT:,} are allowed",
            )
        elif (character := forbidden_character_problem(reason)) is not None:
            wrong = "control-character", character
        else:
            wrong = None
        if wrong is not None:
            raise ValidationFailed(
                [field_problem(res, "withdrawn_reason", reason[:80], wrong[0], wrong[1])]
            )
        with self._writing() as conn:
            before = self._meeting_snapshot(conn, meeting_id)
            if before is None:
                raise NotFound(f"no meeting {meeting_id!r}")
            if withdraw:
                values = {
                    "withdrawn_at": now(),
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
