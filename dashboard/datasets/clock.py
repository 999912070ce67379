""" "Today", injectable so that ages, overdue flags and briefings can be fixed to a date.

Set ``DASHBOARD_TODAY=YYYY-MM-DD`` (server setting) to show the app "as of" that date.
"""

from __future__ import annotations

import os
from datetime import date


def today() -> date:
    configured = os.environ.get("DASHBOARD_TODAY", "").strip()
    if configured:
        try:
            return date.fromisoformat(configured)
        except ValueError:
            pass
    return date.today()
