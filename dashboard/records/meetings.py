"""Writing meetings: recording, correcting, withdrawing and restoring, and their sources."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import timedelta
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
    CHANGE_LOG,
    FOLLOWUPS,
    MAIN_SOURCE,
    MEETING_AREAS,
    MEETING_SOURCES,
    MEETINGS,
    SOURCES,
    NotFound,
    field_problem,
    ids_from,
    now,
    slug,
    text_of,
    unique_id,
    utc,
)
from dashboard.records.followups import FollowupWrites
from dashboard.records.rules import (
    MAX_TEXT,
    MEETING_REQUIRED,
    ValidationFailed,
    forbidden_character_problem,
    required_problem,
    validate_rows,
)

# A second meeting with the same partner, date and title within this time of the first is
# taken for the same one saved twice (a double click, two tabs, two colleagues), unless the
# person confirms it is a different event.
DUPLICATE_WINDOW = timedelta(minutes=15)
# The change-log actions that bring a meeting into the database.
CREATING_ACTIONS = ("insert", "import", "seed")


class MeetingWrites(FollowupWrites):
    """Meetings and the sources they cite."""

    def add_source(self, identity: Identity, source: Mapping[str, Any]) -> str:
        """Add one source (publisher, title, url, published, accessed, licence, notes); its id
        is made from the publisher when not given, and it is marked undated when it has no
        published date (unless `undated` is given). Returns the id."""
        self._require(identity, Role.EDITOR, "add a source")
        with self._writing() as conn:
            (source_id,) = self._insert_sources(conn, identity, [source])
        return source_id

    def _insert_sources(
        self, conn: Connection, identity: Identity, sources: Sequence[Mapping[str, Any]]
    ) -> list[str]:
        if not sources:
            return []
        res = self._resource("sources")
        existing: set[str] = set()  # the ids a new id must not take
        rows = []
        for source in sources:
            row = dict(source)
            # A form sends every field, empty ones as None: fill the blanks, keep what is given.
            if not row.get("accessed"):
                row["accessed"] = clock.today()
            if not row.get("licence"):
                row["licence"] = "Not stated — cited for facts"
            if not row.get("published") and row.get("undated") is None:
                # A form leaves the date empty when the source shows none: say so explicitly.
                row["undated"] = True
            if not row.get("source_id"):
                stem = slug(str(row.get("publisher") or ""))
                published = row.get("published")
                if published:
                    stem = f"{stem}-{published}"
                existing |= ids_from(conn, SOURCES.c.source_id, stem)
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
        *,
        new_source_is_main: bool = False,
        distinct_from: Collection[str] = (),
    ) -> str:
        """Record a new meeting with its areas, sources (existing ids and new ones) and
        follow-ups, all or nothing. The main source is ``meeting["source_id"]`` if given, else
        the first new source when `new_source_is_main`, else the first source given. The id
        is ``<date>-<partner>`` (made unique) unless given. Returns it.

        What a person must give (date, partner, type, title, a source) is checked before
        anything else, and alone. A meeting with the same partner, date and title recorded
        in the last DUPLICATE_WINDOW is refused (rule ``duplicate-meeting``, its id as the
        problem's value: a second click, or a colleague recording it too) unless its id is
        in `distinct_from`, the meetings the person confirmed this one is not."""
        self._require(identity, Role.EDITOR, "record a meeting")
        res = self._resource("meetings")
        row = dict(meeting)
        missing = _missing(res, row, bool(source_ids or new_sources or row.get("source_id")))
        if new_source_is_main and not new_sources:
            missing.append(required_problem(res, "source_id", None, "the new main source"))
        if missing:
            raise ValidationFailed(missing)
        with self._writing() as conn:
            problems: list[Problem] = []
            try:
                new_ids = self._insert_sources(conn, identity, new_sources)
            except ValidationFailed as failed:
                problems += failed.problems
                new_ids = []
            given = [*new_ids, *source_ids] if new_source_is_main else [*source_ids, *new_ids]
            all_sources = list(dict.fromkeys(given))
            if not row.get("source_id") and all_sources:
                row["source_id"] = all_sources[0]
            if row.get("source_id") and row["source_id"] not in all_sources:
                all_sources.insert(0, row["source_id"])
            if not row.get("meeting_id"):
                stem = f"{text_of(row.get('date'))}-{text_of(row.get('partner_iso3'))}"
                row["meeting_id"] = unique_id(stem, ids_from(conn, MEETINGS.c.meeting_id, stem))
            elif conn.scalar(
                select(MEETINGS.c.meeting_id).where(MEETINGS.c.meeting_id == row["meeting_id"])
            ):
                problems.append(
                    field_problem(
                        res,
                        "meeting_id",
                        row["meeting_id"],
                        "unique",
                        f"a meeting with id '{row['meeting_id']}' already exists",
                    )
                )
            try:
                (typed,) = validate_rows([row], res, self.curated())
            except ValidationFailed as failed:
                problems += failed.problems
                typed = None
            problems += self._check_sources(conn, res, "source_id", all_sources, set(new_ids))
            problems += self._check_areas(res, area_ids)
            if typed is not None:
                problems += self._recent_twins(conn, res, typed, set(distinct_from))
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

    def _recent_twins(
        self, conn: Connection, res: Resource, meeting: Mapping[str, Any], distinct: set[str]
    ) -> list[Problem]:
        """A problem for each shown meeting with the same partner, date and title as `meeting`
        that was recorded (or imported, or seeded) within DUPLICATE_WINDOW, unless confirmed
        distinct."""
        title = _comparable(meeting["title"])
        same = [
            meeting_id
            for meeting_id, other in conn.execute(
                select(MEETINGS.c.meeting_id, MEETINGS.c.title).where(
                    MEETINGS.c.partner_iso3 == meeting["partner_iso3"],
                    MEETINGS.c.date == meeting["date"],
                    MEETINGS.c.withdrawn_at.is_(None),
                )
            )
            if _comparable(other) == title and meeting_id not in distinct
        ]
        if not same:
            return []
        at = now()
        recorded = conn.execute(
            select(CHANGE_LOG.c.record_key, CHANGE_LOG.c.at, CHANGE_LOG.c.by_email)
            .where(
                CHANGE_LOG.c.table_name == "meetings",
                CHANGE_LOG.c.record_key.in_(same),
                CHANGE_LOG.c.action.in_(CREATING_ACTIONS),
                CHANGE_LOG.c.at >= at - DUPLICATE_WINDOW,
            )
            .order_by(CHANGE_LOG.c.id)
        ).all()
        return [
            field_problem(
                res,
                "title",
                meeting_id,
                "duplicate-meeting",
                f"meeting {meeting_id}, with the same partner, date and title, was recorded "
                f"{_ago(at - utc(when))} by {by}; if this is a different event, confirm it "
                "and save again",
            )
            for meeting_id, when, by in recorded
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

    def correct_meeting(
        self,
        identity: Identity,
        meeting_id: str,
        changes: Mapping[str, Any],
        area_ids: Sequence[str] | None = None,
        source_ids: Sequence[str] | None = None,
        expected_version: int | None = None,
        *,
        new_sources: Sequence[Mapping[str, Any]] = (),
        new_source_is_main: bool = False,
    ) -> int:
        """Correct fields of a meeting (and, when given, replace its areas / sources, the first
        source given being the main one), made on `expected_version`; `new_sources` are added
        to its sources (the first as its main source when `new_source_is_main`). Returns the
        new version. Raises Conflict, ValidationFailed, NotFound, NotAllowed."""
        self._require(identity, Role.EDITOR, "correct a meeting")
        res = self._resource("meetings")
        if new_source_is_main and not new_sources:
            raise ValidationFailed(
                [required_problem(res, "source_id", None, "the new main source")]
            )
        with self._writing() as conn:
            before = self._meeting_snapshot(conn, meeting_id)
            if before is None or before["withdrawn_at"] is not None:
                raise NotFound(f"no meeting {meeting_id!r}")
            if expected_version is None:
                expected_version = before["version"]
            row = {name: before[name] for name in res.field_names}
            row.update(changes)
            problems: list[Problem] = []
            try:
                new_ids = self._insert_sources(conn, identity, new_sources)
            except ValidationFailed as failed:
                problems += failed.problems
                new_ids = []
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
            if new_ids:
                sources = [*new_ids, *sources] if new_source_is_main else [*sources, *new_ids]
                if new_source_is_main and "source_id" not in changes:
                    row["source_id"] = new_ids[0]
            try:
                (typed,) = validate_rows([row], res, self.curated())
            except ValidationFailed as failed:
                problems += failed.problems
                typed = None
            problems += self._check_sources(
                conn, res, "source_id", sources or [row["source_id"]], set(new_ids)
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


def _missing(res: Resource, meeting: Mapping[str, Any], has_source: bool) -> list[Problem]:
    """What a person must give for a new meeting and did not: its date, partner, type, title
    and at least one source."""
    wanted = {"date": "its date", **MEETING_REQUIRED}
    problems = [
        required_problem(res, field, None, what)
        for field, what in wanted.items()
        if not text_of(meeting.get(field))
    ]
    if not has_source:
        problems.append(
            required_problem(res, "source_id", None, "at least one source: choose one or add one")
        )
    return problems


def _comparable(title: object) -> str:
    """A title as compared for duplicates: case and runs of spaces do not matter."""
    return " ".join(str(title or "").split()).casefold()


def _ago(elapsed: timedelta) -> str:
    minutes = int(elapsed.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute ago"
    return f"{minutes} minute{'s' if minutes != 1 else ''} ago"
