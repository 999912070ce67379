"""Which period is due for whom, the send log, and one outcome per subscriber.

Periods run from midnight to midnight in the ministry's time zone (``DASHBOARD_TIMEZONE``). A
daily subscriber's period ends at the start of today, a weekly subscriber's at the start of
the latest Monday (weekly digests cover Monday to Sunday). A period starts where the
subscriber's last digest ended (the send log), or one period back for a new subscriber: no day
is left out or told twice, however often the command runs. ``--since 7d`` asks instead for the
7 days up to the start of today, for every subscriber chosen, unless a digest sent already
covers them.

Each send is claimed in the send log before it goes out and settled after (sent, empty,
failed): a rerun sends nothing twice, a failed one is tried again at the next run, and two
runs at once do not both send.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dashboard.datasets.loader import LoadedPackage
from dashboard.digest.content import Digest, Period, build_digest, midnight
from dashboard.digest.mail import Mailer, build_message, failure_text
from dashboard.export.links import AppLinks
from dashboard.records.store import RecordsStore
from dashboard.records.subscriptions import Subscription
from dashboard.records.tokens import make_token

SENT, WRITTEN, EMPTY, FAILED, NOT_DUE, SKIPPED = (
    "sent",
    "written",
    "empty",
    "failed",
    "not due",
    "skipped",
)


def due_period(
    subscription: Subscription,
    covered_until: datetime | None,
    today: date,
    zone: ZoneInfo,
    since_days: int | None = None,
) -> Period | None:
    """The period `subscription` is due a digest for on `today` (None: none is due)."""
    if since_days is not None:
        return Period(
            midnight(today - timedelta(days=since_days), zone), midnight(today, zone), zone
        )
    last_day = today
    if subscription.frequency == "weekly":
        last_day = today - timedelta(days=today.weekday())  # the latest Monday
    end = midnight(last_day, zone)
    start = covered_until or midnight(last_day - timedelta(days=subscription.period_days), zone)
    return Period(start, end, zone) if start < end else None


@dataclass(frozen=True)
class Outcome:
    """What happened to one subscriber's digest in this run."""

    email: str
    status: str
    period: Period | None = None
    detail: str = ""

    def line(self) -> str:
        when = f" for {self.period.describe()}" if self.period else ""
        words = {
            SENT: f"sent to {self.email}{when}: {self.detail}",
            WRITTEN: f"wrote the digest for {self.email}{when} to {self.detail}",
            EMPTY: f"nothing to send to {self.email}{when}: {self.detail}",
            FAILED: f"FAILED to send to {self.email}{when}: {self.detail}; tried again at the "
            "next run",
            NOT_DUE: f"not due for {self.email}: {self.detail}",
            SKIPPED: f"not sent again to {self.email}{when}: {self.detail}",
        }
        return words[self.status]


def _file_name(digest: Digest) -> str:
    address = re.sub(r"[^A-Za-z0-9@._-]", "_", digest.subscription.email)
    return f"digest-{digest.period.last_day:%Y-%m-%d}-{address}.eml"


@dataclass
class DigestRun:
    """One run of the digest over some subscribers, on the records as they are now."""

    store: RecordsStore
    package: LoadedPackage  # the package joined with the records (`with_records`)
    today: date
    zone: ZoneInfo
    links: AppLinks
    secret: str
    from_address: Address
    since_days: int | None = None
    # Each period's change log and status changes, read once for every subscriber.
    _logs: dict[tuple[datetime, datetime], tuple[list, list]] = field(
        default_factory=dict, init=False, repr=False
    )

    def _period_logs(self, period: Period) -> tuple[list[Mapping[str, Any]], ...]:
        key = (period.start, period.end)
        if key not in self._logs:
            self._logs[key] = (
                self.store.meeting_changes(period.start, period.end),
                self.store.status_changes(period.start, period.end),
            )
        return self._logs[key]

    def _digest(self, subscription: Subscription, period: Period) -> Digest:
        meetings, statuses = self._period_logs(period)
        return build_digest(
            self.package, subscription, period, self.today, meetings, statuses, self.links
        )

    def _message(self, digest: Digest) -> EmailMessage:
        token = make_token(
            self.secret, digest.subscription.id, digest.subscription.email, self.today
        )
        return build_message(digest, self.from_address, self.links.unsubscribe(token))

    def _due(self, subscription: Subscription) -> Outcome | Period:
        covered = self.store.covered_until(subscription.id)
        period = due_period(subscription, covered, self.today, self.zone, self.since_days)
        if period is not None:
            return period
        assert covered is not None  # a subscriber never sent anything is always due
        covered_day = covered.astimezone(self.zone).date()
        if subscription.frequency == "weekly":
            next_day = covered_day + timedelta(days=7 - covered_day.weekday())  # a Monday
        else:
            next_day = covered_day + timedelta(days=1)
        return Outcome(
            subscription.email,
            NOT_DUE,
            detail=f"{subscription.frequency}; the digest up to "
            f"{covered_day - timedelta(days=1):%Y-%m-%d} went out already, the next is due on "
            f"{next_day:%Y-%m-%d}",
        )

    @staticmethod
    def _nothing(digest: Digest) -> Outcome:
        return Outcome(
            digest.subscription.email,
            EMPTY,
            digest.period,
            "no news and nothing due or overdue (this subscriber gets only digests with news)",
        )

    def send(self, subscriptions: Iterable[Subscription], mailer: Mailer) -> list[Outcome]:
        """Send each due digest; one failure does not stop the others."""
        outcomes = []
        for subscription in subscriptions:
            due = self._due(subscription)
            if isinstance(due, Outcome):
                outcomes.append(due)
                continue
            digest = self._digest(subscription, due)
            message = None if digest.empty and not subscription.always else self._message(digest)
            send_id = self.store.claim_digest(subscription, due.start, due.end)
            if send_id is None:
                reason = "a digest covering this period was sent already, or is being sent"
                outcomes.append(Outcome(subscription.email, SKIPPED, due, reason))
                continue
            if message is None:
                self.store.finish_digest(send_id, EMPTY)
                outcomes.append(self._nothing(digest))
                continue
            try:
                mailer.send(message)
            except (smtplib.SMTPException, OSError) as error:
                reason = failure_text(error)
                self.store.finish_digest(send_id, FAILED, error=reason)
                outcomes.append(Outcome(subscription.email, FAILED, due, reason))
                continue
            self.store.finish_digest(send_id, SENT, message_id=message["Message-ID"])
            outcomes.append(Outcome(subscription.email, SENT, due, digest.counts()))
        return outcomes

    def write(self, subscriptions: Iterable[Subscription], folder: Path) -> list[Outcome]:
        """Write each due digest to `folder` as an .eml file instead of sending it (the send
        log is read, never written)."""
        folder.mkdir(parents=True, exist_ok=True)
        outcomes = []
        for subscription in subscriptions:
            due = self._due(subscription)
            if isinstance(due, Outcome):
                outcomes.append(due)
                continue
            digest = self._digest(subscription, due)
            if digest.empty and not subscription.always:
                outcomes.append(self._nothing(digest))
                continue
            path = folder / _file_name(digest)
            path.write_bytes(self._message(digest).as_bytes())
            outcomes.append(Outcome(subscription.email, WRITTEN, due, str(path)))
        return outcomes


def chosen(
    subscriptions: Sequence[Subscription], emails: Sequence[str]
) -> tuple[list[Subscription], list[str]]:
    """The subscribers among `emails` (all when none), and the addresses that are none."""
    if not emails:
        return list(subscriptions), []
    wanted = {email.strip().lower() for email in emails}
    found = [s for s in subscriptions if s.email in wanted]
    return found, sorted(wanted - {s.email for s in found})
