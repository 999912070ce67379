""" "Today" as the ministry counts it: ages, overdue flags and briefings follow its date.

``DASHBOARD_TIMEZONE`` (default ``Asia/Karachi``) decides the date; ``DASHBOARD_TODAY=YYYY-MM-DD``
fixes it (to show the app "as of" that day). A malformed setting is an error with a message,
never silently replaced by the server's own date. Queries take `today` as an argument; only
the pages and the command lines call `today()`.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Karachi"


class ClockSettingError(ValueError):
    """A clock setting in the environment cannot be read; the message says which and why."""


def ministry_timezone() -> ZoneInfo:
    """The time zone named by ``DASHBOARD_TIMEZONE`` (default Asia/Karachi)."""
    name = os.environ.get("DASHBOARD_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ClockSettingError(
            f"DASHBOARD_TIMEZONE={name!r} is not a time zone name such as {DEFAULT_TIMEZONE}"
        ) from exc


def today() -> date:
    """``DASHBOARD_TODAY`` if set, else the current date in the ministry's time zone."""
    zone = ministry_timezone()
    configured = os.environ.get("DASHBOARD_TODAY", "").strip()
    if configured:
        try:
            return date.fromisoformat(configured)
        except ValueError as exc:
            raise ClockSettingError(
                f"DASHBOARD_TODAY={configured!r} is not a date of the form YYYY-MM-DD"
            ) from exc
    return datetime.now(zone).date()
