"""Calendar files (iCalendar, RFC 5545): follow-ups' due dates and meetings, for staff who live
in their calendars.

A follow-up with a due date is an all-day event on that day, named with its status and owner;
a meeting is an all-day event on its date, over several days when it has an end date. Every
event's UID is made from its record's id, so importing a newer file into the same calendar
updates the events imported before instead of adding them a second time. Built from the
frames the pages show (`meetings_view`, `followups_view`), so a download holds what the
filters show.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
from icalendar import Calendar, Event

from dashboard.charts.timeline import date_text
from dashboard.datasets.queries import status_text
from dashboard.export.links import AppLinks

PRODUCT = "-//S&T Partnerships Dashboard//Calendar//EN"
UID_DOMAIN = "st-partnerships-dashboard"
# A calendar shows the summary in a small box: longer titles are cut (the description has all).
SUMMARY_LENGTH = 120


def meeting_uid(meeting_id: str) -> str:
    return f"meeting-{meeting_id}@{UID_DOMAIN}"


def followup_uid(action_id: str) -> str:
    return f"followup-{action_id}@{UID_DOMAIN}"


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _short(text: str, length: int = SUMMARY_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _day(value: object) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _all_day(uid: str, first: date, last: date, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", first)
    event.add("dtend", last + timedelta(days=1))  # the day after the last (RFC 5545)
    event.add("transp", "TRANSPARENT")  # a reminder, not time taken
    return event


def _description(lines: list[tuple[str, str]], link: str | None) -> str:
    text = "\n".join(f"{label}: {value}" for label, value in lines if value)
    return f"{text}\n\n{link}" if link else text


def meeting_events(meetings: pd.DataFrame, links: AppLinks | None, stamp: datetime) -> list[Event]:
    """One event per meeting with a date (`meetings_view`'s columns)."""
    events = []
    for row in meetings.itertuples(index=False):
        first = _day(row.date)
        if first is None:
            continue
        last = _day(row.end_date) or first
        event = _all_day(meeting_uid(row.meeting_id), first, max(first, last), stamp)
        title = _text(row.title) or "Meeting"
        event.add("summary", _short(f"{_text(row.partner)}: {title}"))
        link = links.meeting(row.meeting_id) if links else None
        details = [
            ("Partner", _text(row.partner)),
            ("Type", _text(row.type)),
            ("Date", date_text(pd.Timestamp(row.date), row.date_precision, row.end_date)),
            ("Areas", _text(row.areas)),
            ("Outcomes", _text(row.outcomes)),
        ]
        event.add("description", _description(details, link))
        if _text(row.location):
            event.add("location", _text(row.location))
        if _text(row.type):
            event.add("categories", [_text(row.type)])
        if link:
            event.add("url", link)
        events.append(event)
    return events


def followup_events(
    followups: pd.DataFrame, links: AppLinks | None, stamp: datetime
) -> list[Event]:
    """One event per follow-up with a due date (`followups_view`'s columns)."""
    events = []
    statuses = status_text(followups)
    for status, row in zip(statuses, followups.itertuples(index=False), strict=True):
        due = _day(row.due)
        if due is None:
            continue
        event = _all_day(followup_uid(row.action_id), due, due, stamp)
        owner = _text(row.owner) or "owner not recorded"
        event.add("summary", _short(f"Due: {_text(row.description)} — {status}, {owner}"))
        link = links.meeting(row.meeting_id) if links else None
        details = [
            ("Action", _text(row.description)),
            ("Partner", _text(row.partner)),
            ("Owner", owner),
            ("Status", f"{status} (as of {_day(row.status_as_of)})"),
            ("Raised", str(_day(row.raised) or "")),
            ("Age", f"{row.age_days} days" if not pd.isna(row.age_days) else ""),
            ("Overdue", "yes" if row.overdue else ""),
        ]
        event.add("description", _description(details, link))
        event.add("categories", ["Follow-up due"])
        if link:
            event.add("url", link)
        events.append(event)
    return events


def build_calendar(
    name: str,
    meetings: pd.DataFrame | None = None,
    followups: pd.DataFrame | None = None,
    links: AppLinks | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """The .ics file of `meetings` and `followups`' due dates, events in date order; `stamp`
    (default now) is when the events were written out (DTSTAMP)."""
    stamp = stamp or datetime.now(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    events = []
    if meetings is not None:
        events += meeting_events(meetings, links, stamp)
    if followups is not None:
        events += followup_events(followups, links, stamp)
    for event in sorted(events, key=lambda e: (e.decoded("dtstart"), str(e["uid"]))):
        calendar.add_component(event)
    return calendar.to_ical()
