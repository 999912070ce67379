"""Digest subscriptions, their unsubscribe links, the digest's send log, and what the digest
reads of a period: the meetings' change log and the follow-ups' status changes.

Subscriptions are records like the others: only an admin adds, changes or removes one (checked
here, whatever the page shows), every write is versioned (a stale edit is refused with what
changed meanwhile) and logged in the change log. A removed subscription is kept, marked
removed, so its history and its sends still name it; adding the address again makes a new
one. Unsubscribing needs no sign-in but a valid token (`tokens`): it is logged as done by the
subscriber's own address.

Neither subscriptions nor the send log are shown by the data pages, so their writes leave the
records' revision (the pages' cache key) alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from dashboard.datasets import clock
from dashboard.datasets.validate import Problem
from dashboard.records.access import Identity, Role, is_email
from dashboard.records.base import (
    CHANGE_LOG,
    STATUS_HISTORY,
    Conflict,
    NotFound,
    StoreBase,
    jsonable,
    now,
    utc,
)
from dashboard.records.models import METADATA
from dashboard.records.rules import ValidationFailed, forbidden_character_problem
from dashboard.records.tokens import BadToken, check_token, read_token

SUBSCRIPTIONS = METADATA.tables["subscriptions"]
SENDS = METADATA.tables["digest_sends"]
TABLE = "subscriptions"
# How often a subscriber gets the digest, and the days one period covers.
FREQUENCIES = {"weekly": 7, "daily": 1}
FIELDS = ("email", "countries", "areas", "frequency", "always")
MAX_EMAIL = 254
# A send still marked "sending" after this long was cut short (the run stopped): tried again.
SENDING_STALE = timedelta(minutes=30)
# Send-log outcomes that settle a period: it is not sent again.
SETTLED = ("sent", "empty")
SEND_STATUSES = ("sending", *SETTLED, "failed")


@dataclass(frozen=True)
class Subscription:
    """One subscriber: the digest of `countries` and `areas` (empty: all) every `frequency`."""

    id: int
    email: str
    countries: tuple[str, ...]
    areas: tuple[str, ...]
    frequency: str
    always: bool
    version: int
    created_at: datetime
    removed_at: datetime | None = None
    removed_by: str | None = None

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def period_days(self) -> int:
        return FREQUENCIES[self.frequency]

    def snapshot(self) -> dict[str, Any]:
        """As the change log keeps it."""
        return jsonable(
            {**asdict(self), "countries": list(self.countries), "areas": list(self.areas)}
        )


def _subscription(row: Mapping[str, Any]) -> Subscription:
    removed = row["removed_at"]
    return Subscription(
        id=int(row["id"]),
        email=row["email"],
        countries=tuple(row["countries"] or ()),
        areas=tuple(row["areas"] or ()),
        frequency=row["frequency"],
        always=bool(row["always"]),
        version=int(row["version"]),
        created_at=utc(row["created_at"]),
        removed_at=None if removed is None else utc(removed),
        removed_by=row["removed_by"],
    )


def _problem(field: str, value: Any, rule: str, message: str) -> Problem:
    shown = None if value is None else str(value)
    return Problem(TABLE, None, field, shown, rule, message)


class Subscriptions(StoreBase):
    """Subscribers, unsubscribing, the send log and the digest's reads of a period."""

    # -- reading -----------------------------------------------------------------------------

    def subscriptions(self, include_removed: bool = False) -> list[Subscription]:
        """Every subscription (the removed ones too when asked), by email."""
        query = select(SUBSCRIPTIONS).order_by(SUBSCRIPTIONS.c.email, SUBSCRIPTIONS.c.id)
        if not include_removed:
            query = query.where(SUBSCRIPTIONS.c.removed_at.is_(None))
        with self._reading() as conn:
            return [_subscription(row) for row in conn.execute(query).mappings()]

    def subscription(self, subscription_id: int) -> Subscription:
        """One subscription, removed or not. Raises NotFound."""
        with self._reading() as conn:
            found = self._subscription_row(conn, subscription_id)
        if found is None:
            raise NotFound(f"no subscription {subscription_id!r}")
        return found

    def _subscription_row(self, conn: Connection, subscription_id: int) -> Subscription | None:
        row = (
            conn.execute(select(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == subscription_id))
            .mappings()
            .first()
        )
        return None if row is None else _subscription(row)

    # -- writing (admins) --------------------------------------------------------------------

    def add_subscription(
        self,
        identity: Identity,
        email: str,
        countries: Sequence[str] = (),
        areas: Sequence[str] = (),
        frequency: str = "weekly",
        always: bool = False,
    ) -> int:
        """Subscribe `email` to the digest of `countries` and `areas` (none: all). Admin only.
        Returns the subscription's id."""
        self._require(identity, Role.ADMIN, "add a subscriber to the digest")
        values = {
            "email": email,
            "countries": countries,
            "areas": areas,
            "frequency": frequency,
            "always": always,
        }
        with self._writing(records=False) as conn:
            row = self._checked(conn, values, None)
            result = conn.execute(insert(SUBSCRIPTIONS).values(**row, version=1, created_at=now()))
            subscription_id = int(result.inserted_primary_key[0])
            after = self._subscription_row(conn, subscription_id)
            self._log(conn, identity, TABLE, str(subscription_id), "insert", None, after.snapshot())
        return subscription_id

    def change_subscription(
        self,
        identity: Identity,
        subscription_id: int,
        changes: Mapping[str, Any],
        expected_version: int,
    ) -> int:
        """Change a subscription's email, countries, areas, frequency or `always`, made on
        `expected_version`. Admin only. Returns the new version; Conflict when someone changed
        it meanwhile."""
        self._require(identity, Role.ADMIN, "change a digest subscription")
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise ValueError(f"not fields of a subscription: {', '.join(sorted(unknown))}")
        with self._writing(records=False) as conn:
            before = self._active(conn, subscription_id)
            wanted = {**{f: getattr(before, f) for f in FIELDS}, **changes}
            row = self._checked(conn, wanted, subscription_id)
            result = conn.execute(
                update(SUBSCRIPTIONS)
                .where(
                    SUBSCRIPTIONS.c.id == subscription_id,
                    SUBSCRIPTIONS.c.version == expected_version,
                )
                .values(**row, version=SUBSCRIPTIONS.c.version + 1)
            )
            if result.rowcount != 1:
                raise self._subscription_conflict(conn, before, expected_version, changes)
            after = self._subscription_row(conn, subscription_id)
            self._log(
                conn, identity, TABLE, str(subscription_id), "update", before.snapshot(),
                after.snapshot(),
            )  # fmt: skip
        return after.version

    def remove_subscription(
        self, identity: Identity, subscription_id: int, expected_version: int
    ) -> int:
        """Stop sending the digest to a subscriber (kept, marked removed). Admin only."""
        self._require(identity, Role.ADMIN, "remove a subscriber from the digest")
        with self._writing(records=False) as conn:
            before = self._active(conn, subscription_id)
            if not self._remove(conn, subscription_id, str(identity.email), expected_version):
                raise self._subscription_conflict(conn, before, expected_version, {})
            after = self._subscription_row(conn, subscription_id)
            self._log(
                conn, identity, TABLE, str(subscription_id), "remove", before.snapshot(),
                after.snapshot(),
            )  # fmt: skip
        return after.version

    def _active(self, conn: Connection, subscription_id: int) -> Subscription:
        found = self._subscription_row(conn, subscription_id)
        if found is None or not found.active:
            raise NotFound(f"no subscription {subscription_id!r} (or it was removed)")
        return found

    def _remove(
        self, conn: Connection, subscription_id: int, by: str, expected_version: int | None
    ) -> bool:
        """Mark an active subscription removed (at `expected_version`, when given)."""
        where = [SUBSCRIPTIONS.c.id == subscription_id, SUBSCRIPTIONS.c.removed_at.is_(None)]
        if expected_version is not None:
            where.append(SUBSCRIPTIONS.c.version == expected_version)
        result = conn.execute(
            update(SUBSCRIPTIONS)
            .where(*where)
            .values(removed_at=now(), removed_by=by, version=SUBSCRIPTIONS.c.version + 1)
        )
        return result.rowcount == 1

    def _checked(
        self, conn: Connection, values: Mapping[str, Any], subscription_id: int | None
    ) -> dict[str, Any]:
        """`values` normalised (email in lower case, codes without repeats), or
        ValidationFailed with every problem, each naming its field."""
        problems: list[Problem] = []
        email = str(values.get("email") or "").strip().lower()
        if not email:
            problems.append(_problem("email", None, "required", "give the subscriber's email"))
        elif (character := forbidden_character_problem(email)) is not None:
            problems.append(_problem("email", email[:80], "control-character", character))
        elif len(email) > MAX_EMAIL or not is_email(email):
            problems.append(
                _problem("email", email[:80], "email", "not an email address (name@domain)")
            )
        else:
            taken = select(SUBSCRIPTIONS.c.id).where(
                SUBSCRIPTIONS.c.email == email, SUBSCRIPTIONS.c.removed_at.is_(None)
            )
            if subscription_id is not None:
                taken = taken.where(SUBSCRIPTIONS.c.id != subscription_id)
            if conn.execute(taken).first() is not None:
                problems.append(
                    _problem("email", email, "unique", f"{email} is subscribed already")
                )
        known = self.curated()
        countries = self._codes(values.get("countries"), str.upper)
        areas = self._codes(values.get("areas"), str)
        for field, codes, table, what in (
            ("countries", countries, "countries", "country"),
            ("areas", areas, "cooperation_areas", "cooperation area"),
        ):
            for code in codes:
                if code not in known.get(table, set()):
                    problems.append(
                        _problem(field, code[:80], "foreign-key", f"'{code}' is not a known {what}")
                    )
        frequency = values.get("frequency")
        if frequency not in FREQUENCIES:
            problems.append(
                _problem("frequency", frequency, "enum", f"is one of {', '.join(FREQUENCIES)}")
            )
        always = values.get("always")
        if not isinstance(always, bool):
            problems.append(_problem("always", always, "type", "is true or false"))
        if problems:
            raise ValidationFailed(problems)
        return {
            "email": email,
            "countries": countries,
            "areas": areas,
            "frequency": frequency,
            "always": always,
        }

    @staticmethod
    def _codes(values: Iterable[Any] | None, case: Callable[[str], str]) -> list[str]:
        if isinstance(values, str):
            values = [values]
        codes = (case(str(v).strip()) for v in values or ())
        return sorted(dict.fromkeys(code for code in codes if code))

    def _subscription_conflict(
        self,
        conn: Connection,
        before: Subscription,
        expected_version: int,
        wanted: Mapping[str, Any],
    ) -> Conflict:
        """What changed since `expected_version`, the subscription being `before` now (the
        change log keeps each version); `wanted`: the fields the refused edit gave."""
        logged = conn.scalars(
            select(CHANGE_LOG.c.after)
            .where(CHANGE_LOG.c.table_name == TABLE, CHANGE_LOG.c.record_key == str(before.id))
            .order_by(CHANGE_LOG.c.id)
        )
        then = next((a for a in logged if a and a.get("version") == expected_version), None)
        current = before.snapshot()
        changed: dict[str, tuple[Any, Any]] = {}
        for field, theirs in current.items():
            if field in ("id", "version") or (then is not None and then.get(field) == theirs):
                continue
            yours = wanted.get(field, then.get(field) if then is not None else theirs)
            changed[field] = (jsonable({field: yours})[field], theirs)
        return Conflict(current, changed)

    # -- unsubscribing (a link, no sign-in) --------------------------------------------------

    def unsubscribe_target(
        self, token: str, secret: str, today: date | None = None
    ) -> Subscription:
        """The subscription an unsubscribe link names (removed already, or not). Raises
        BadToken when the link was altered, has expired, or names no subscription."""
        claim = read_token(token)
        try:
            found = self.subscription(claim.subscription_id)
        except NotFound:
            raise BadToken("This unsubscribe link is incomplete or was altered.") from None
        check_token(secret, claim, found.email, today or clock.today())
        return found

    def unsubscribe(self, token: str, secret: str, today: date | None = None) -> Subscription:
        """Remove the subscription an unsubscribe link names, logged as done by its own
        address; a second use changes nothing. Raises BadToken as `unsubscribe_target`."""
        target = self.unsubscribe_target(token, secret, today)
        if not target.active:
            return target
        with self._writing(records=False) as conn:
            before = self._subscription_row(conn, target.id)
            if not self._remove(conn, target.id, target.email, None):
                return before  # another click was first
            after = self._subscription_row(conn, target.id)
            conn.execute(
                insert(CHANGE_LOG),
                self._log_row(
                    now(), target.email, TABLE, str(target.id), "unsubscribe",
                    before.snapshot(), after.snapshot(),
                ),
            )  # fmt: skip
        return after

    # -- the send log -------------------------------------------------------------------------

    def covered_until(self, subscription_id: int) -> datetime | None:
        """The end of the latest period sent (or found empty) to a subscription."""
        with self._reading() as conn:
            end = conn.scalar(
                select(SENDS.c.period_end)
                .where(SENDS.c.subscription_id == subscription_id, SENDS.c.status.in_(SETTLED))
                .order_by(SENDS.c.period_end.desc())
                .limit(1)
            )
        return None if end is None else utc(end)

    def claim_digest(
        self, subscription: Subscription, start: datetime, end: datetime
    ) -> int | None:
        """Mark the digest of [`start`, `end`) for `subscription` as being sent, and return the
        send's id; None when a digest covering that period was settled already or another run
        is sending one now (so no period goes out twice, even with two runs at once). A send
        left "sending" longer than SENDING_STALE was cut short: marked failed, and tried again."""
        start, end = utc(start), utc(end)
        with self._writing(records=False) as conn:
            at = now()
            earlier = (
                conn.execute(
                    select(SENDS).where(
                        SENDS.c.subscription_id == subscription.id,
                        SENDS.c.status.in_(("sending", *SETTLED)),
                    )
                )
                .mappings()
                .all()
            )
            for row in earlier:
                if row["status"] == "sending":
                    if at - utc(row["attempted_at"]) < SENDING_STALE:
                        return None
                    conn.execute(
                        update(SENDS)
                        .where(SENDS.c.id == row["id"])
                        .values(status="failed", error="the run stopped while sending")
                    )
                elif utc(row["period_start"]) <= start and utc(row["period_end"]) >= end:
                    return None
            result = conn.execute(
                insert(SENDS).values(
                    subscription_id=subscription.id,
                    email=subscription.email,
                    period_start=start,
                    period_end=end,
                    status="sending",
                    attempted_at=at,
                )
            )
            return int(result.inserted_primary_key[0])

    def finish_digest(
        self,
        send_id: int,
        status: str,
        error: str | None = None,
        message_id: str | None = None,
    ) -> None:
        """Record how a claimed send ended: sent, empty (nothing to send) or failed (tried
        again by the next run)."""
        if status not in SEND_STATUSES[1:]:
            raise ValueError(f"a send ends {', '.join(SEND_STATUSES[1:])}, not {status!r}")
        with self._writing(records=False) as conn:
            conn.execute(
                update(SENDS)
                .where(SENDS.c.id == send_id)
                .values(status=status, error=error, message_id=message_id)
            )

    def digest_sends(
        self, subscription_id: int | None = None, limit: int | None = 100
    ) -> pd.DataFrame:
        """The send log, newest first: email, period_start, period_end, status, attempted_at,
        error (per subscription when given)."""
        columns = ["email", "period_start", "period_end", "status", "attempted_at", "error"]
        query = select(*(SENDS.c[c] for c in columns)).order_by(SENDS.c.id.desc())
        if subscription_id is not None:
            query = query.where(SENDS.c.subscription_id == subscription_id)
        if limit is not None:
            query = query.limit(limit)
        with self._reading() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        frame = pd.DataFrame(rows, columns=columns)
        for column in ("period_start", "period_end", "attempted_at"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame

    # -- what the digest reads of a period ------------------------------------------------

    def meeting_changes(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Each change-log entry about a meeting in [`start`, `end`), oldest first: at, by,
        meeting_id, action (insert, import, seed, update, withdraw, restore), before, after
        (the meeting with its area_ids and source_ids)."""
        log = CHANGE_LOG.c
        query = (
            select(log.at, log.by_email, log.record_key, log.action, log.before, log.after)
            .where(log.table_name == "meetings", log.at >= utc(start), log.at < utc(end))
            .order_by(log.id)
        )
        with self._reading() as conn:
            return [
                {
                    "at": utc(at),
                    "by": by,
                    "meeting_id": key,
                    "action": action,
                    "before": before,
                    "after": after,
                }
                for at, by, key, action, before, after in conn.execute(query)
            ]

    def status_changes(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Each follow-up status recorded in [`start`, `end`) that replaced an earlier one,
        oldest first: action_id, from_status, to_status, effective, by, at."""
        start, end = utc(start), utc(end)
        history = STATUS_HISTORY.c
        with self._reading() as conn:
            actions = sorted(
                conn.scalars(
                    select(history.action_id)
                    .where(history.recorded_at >= start, history.recorded_at < end)
                    .distinct()
                )
            )
            rows = conn.execute(
                select(STATUS_HISTORY)
                .where(history.action_id.in_(actions))
                .order_by(history.action_id, history.id)
            ).mappings()
            changes: list[dict[str, Any]] = []
            previous: Mapping[str, Any] | None = None
            for row in rows:
                at = utc(row["recorded_at"])
                replaced = previous is not None and previous["action_id"] == row["action_id"]
                if replaced and start <= at < end:
                    changes.append(
                        {
                            "action_id": row["action_id"],
                            "from_status": previous["status"],
                            "to_status": row["status"],
                            "effective": row["effective"],
                            "by": row["recorded_by"],
                            "at": at,
                        }
                    )
                previous = row
        return sorted(changes, key=lambda change: change["at"])
