"""What one subscriber's digest holds for one period, from the records and the data package.

Meetings come from the change log (recorded, corrected, withdrawn, restored in the period),
status changes from the follow-ups' status history, due and overdue follow-ups from the
package as the Follow-ups page shows it today (`followups_view`), all narrowed to the
subscriber's countries and areas the way the pages' filters narrow them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.queries import STATUS_LABELS, followups_view
from dashboard.export.links import AppLinks
from dashboard.records.subscriptions import Subscription

DUE_WITHIN_DAYS = 14
# Longer titles and descriptions are cut here (the app shows them whole).
ITEM_TEXT = 300
# What staff did to a meeting, in words. Seeding from data/ is left out: it is not news (the
# first seeding of a database would list every meeting).
MEETING_ACTIONS = {
    "insert": "recorded",
    "import": "imported",
    "update": "corrected",
    "withdraw": "withdrawn",
    "restore": "restored",
}
# Bookkeeping in a meeting's logged snapshot, not something a reader calls a correction.
UNSHOWN_FIELDS = {"version", "withdrawn_at", "withdrawn_by", "withdrawn_reason"}


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of `day` in `zone`, in UTC."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """[start, end): from one midnight of the ministry's time zone to another, in UTC."""

    start: datetime
    end: datetime
    zone: ZoneInfo

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(self.zone) - timedelta(microseconds=1)).date()

    def describe(self) -> str:
        if self.first_day == self.last_day:
            return f"{self.first_day:%Y-%m-%d}"
        return f"{self.first_day:%Y-%m-%d} to {self.last_day:%Y-%m-%d}"


@dataclass(frozen=True)
class MeetingNews:
    """A meeting recorded, corrected, withdrawn or restored in the period."""

    meeting_id: str
    title: str
    partner: str
    date: str
    happened: tuple[str, ...]  # "recorded on 2026-11-20 by editor@…", oldest first
    withdrawn: bool
    link: str | None  # None once withdrawn: the app no longer shows it


@dataclass(frozen=True)
class StatusNews:
    """A follow-up whose status changed in the period."""

    action_id: str
    action: str
    partner: str
    change: str  # "from Proposed to Agreed" (the PDF's font has no arrow)
    effective: date
    by: str
    link: str | None


@dataclass(frozen=True)
class DueItem:
    """An open follow-up due soon or overdue."""

    action_id: str
    action: str
    partner: str
    owner: str
    status: str
    due: date
    age_days: int
    link: str | None

    def days_overdue(self, today: date) -> int:
        return max(0, (today - self.due).days)


@dataclass(frozen=True)
class Digest:
    """One subscriber's digest for one period."""

    subscription: Subscription
    period: Period
    today: date
    scope: str  # "Romania, Poland · all cooperation areas"
    meetings: tuple[MeetingNews, ...]
    status_changes: tuple[StatusNews, ...]
    due_soon: tuple[DueItem, ...]
    overdue: tuple[DueItem, ...]

    @property
    def empty(self) -> bool:
        return not (self.meetings or self.status_changes or self.due_soon or self.overdue)

    def counts(self) -> str:
        if self.empty:
            return "nothing new"
        parts = [
            (len(self.meetings), "meeting(s)"),
            (len(self.status_changes), "status change(s)"),
            (len(self.due_soon), "due soon"),
            (len(self.overdue), "overdue"),
        ]
        return ", ".join(f"{count} {what}" for count, what in parts if count)


def shorten(value: object, length: int = ITEM_TEXT) -> str:
    """Text for one line of the digest: missing as "", runs of spaces as one, cut at `length`."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = " ".join(str(value).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def scope_text(subscription: Subscription, package: LoadedPackage) -> str:
    """The subscriber's countries and areas in words."""
    countries = package.table("countries")
    names = dict(zip(countries["iso3"], countries["name"], strict=False))
    areas = package.table("cooperation_areas") if package.has("cooperation_areas") else None
    area_names = (
        dict(zip(areas["area_id"], areas["name"], strict=False)) if areas is not None else {}
    )
    where = ", ".join(names.get(c, c) for c in subscription.countries) or "all partners"
    what = ", ".join(area_names.get(a, a) for a in subscription.areas) or "all cooperation areas"
    return f"{where} · {what}"


def _matches(snapshot: Mapping[str, Any] | None, subscription: Subscription) -> bool:
    if not snapshot:
        return False
    if subscription.countries and snapshot.get("partner_iso3") not in subscription.countries:
        return False
    areas = set(snapshot.get("area_ids") or ())
    return not subscription.areas or bool(areas & set(subscription.areas))


def _corrected_fields(entry: Mapping[str, Any]) -> list[str]:
    before, after = entry["before"] or {}, entry["after"] or {}
    return [
        key.replace("_", " ")
        for key in after
        if key not in UNSHOWN_FIELDS and before.get(key) != after.get(key)
    ]


def meeting_news(
    log: Sequence[Mapping[str, Any]],
    subscription: Subscription,
    names: Mapping[str, str],
    zone: ZoneInfo,
    links: AppLinks,
) -> tuple[MeetingNews, ...]:
    """The meetings of `log` (`RecordsStore.meeting_changes`) within the subscription, one
    item per meeting, in the order they first changed."""
    entries: dict[str, list[Mapping[str, Any]]] = {}
    for entry in log:
        if entry["action"] not in MEETING_ACTIONS:
            continue
        if _matches(entry["after"], subscription) or _matches(entry["before"], subscription):
            entries.setdefault(entry["meeting_id"], []).append(entry)
    news = []
    for meeting_id, changes in entries.items():
        latest = changes[-1]["after"] or changes[-1]["before"] or {}
        happened = []
        for entry in changes:
            words = MEETING_ACTIONS[entry["action"]]
            if entry["action"] == "update":
                fields = _corrected_fields(entry)
                if fields:
                    words += f" ({', '.join(fields)})"
            elif entry["action"] == "withdraw":
                reason = shorten((entry["after"] or {}).get("withdrawn_reason"), 120)
                if reason:
                    words += f": {reason}"
            on = entry["at"].astimezone(zone)
            happened.append(f"{words} on {on:%Y-%m-%d} by {entry['by']}")
        withdrawn = latest.get("withdrawn_at") is not None
        partner = latest.get("partner_iso3") or ""
        news.append(
            MeetingNews(
                meeting_id=meeting_id,
                title=shorten(latest.get("title")) or meeting_id,
                partner=names.get(partner, partner),
                date=str(latest.get("date") or ""),
                happened=tuple(happened),
                withdrawn=withdrawn,
                link=None if withdrawn else links.meeting(meeting_id),
            )
        )
    return tuple(news)


def _due_item(row: Any, links: AppLinks) -> DueItem:
    return DueItem(
        action_id=row.action_id,
        action=shorten(row.description),
        partner=shorten(row.partner),
        owner=shorten(row.owner, 120) or "not recorded",
        status=STATUS_LABELS.get(row.status, str(row.status)),
        due=pd.Timestamp(row.due).date(),
        age_days=int(row.age_days),
        link=links.meeting(row.meeting_id),
    )


def build_digest(
    package: LoadedPackage,
    subscription: Subscription,
    period: Period,
    today: date,
    meeting_log: Sequence[Mapping[str, Any]],
    status_log: Sequence[Mapping[str, Any]],
    links: AppLinks,
) -> Digest:
    """The digest of `subscription` for `period`: `meeting_log` and `status_log` are the
    store's `meeting_changes` and `status_changes` of the period; `package` holds the records
    as the pages show them."""
    countries = package.table("countries")
    names = dict(zip(countries["iso3"], countries["name"], strict=False))
    filters = Filters(countries=subscription.countries, areas=subscription.areas)
    actions = followups_view(package, filters, today)
    shown = actions.set_index("action_id", drop=False)
    status_news = []
    for change in status_log:
        if change["action_id"] not in shown.index:
            continue  # outside the subscription, or its meeting is withdrawn
        row = shown.loc[change["action_id"]]
        old = STATUS_LABELS.get(change["from_status"], change["from_status"])
        new = STATUS_LABELS.get(change["to_status"], change["to_status"])
        status_news.append(
            StatusNews(
                action_id=change["action_id"],
                action=shorten(row["description"]),
                partner=shorten(row["partner"]),
                change=f"from {old} to {new}",
                effective=change["effective"],
                by=change["by"],
                link=links.meeting(row["meeting_id"]),
            )
        )
    due = actions[actions["is_open"] & actions["due"].notna()].sort_values(["due", "action_id"])
    horizon = pd.Timestamp(today + timedelta(days=DUE_WITHIN_DAYS))
    soon = due[(due["due"] >= pd.Timestamp(today)) & (due["due"] <= horizon)]
    late = due[due["due"] < pd.Timestamp(today)]
    return Digest(
        subscription=subscription,
        period=period,
        today=today,
        scope=scope_text(subscription, package),
        meetings=meeting_news(meeting_log, subscription, names, period.zone, links),
        status_changes=tuple(status_news),
        due_soon=tuple(_due_item(row, links) for row in soon.itertuples(index=False)),
        overdue=tuple(_due_item(row, links) for row in late.itertuples(index=False)),
    )
