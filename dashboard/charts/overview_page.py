"""The Overview's frames and figures for a set of filters, built once per package.

A filter change back to a view seen before only redraws them; and the server builds the
unfiltered view at start (`warm_overview`, from `dashboard/serve.py`), so the first visitor's
Overview is a lookup.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from dashboard.charts.overview import partner_map, partner_meeting_counts
from dashboard.datasets import clock
from dashboard.datasets.citations import resource_as_of, source_line
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.queries import (
    followups_view,
    meetings_view,
    partners_view,
    reachable_programmes,
    status_text,
)

TOP_ROWS = 8
OVERVIEW_TABLES = ("countries", "meetings", "meeting_areas", "followups", "programmes")


def period_words(filters: Filters) -> str:
    """The filters' period in words, for titles and help texts."""
    if filters.start or filters.end:
        return f"{filters.start or 'the first record'} to {filters.end or 'today'}"
    return "all recorded dates"


@per_package
def overview_page_data(package: LoadedPackage, filters: Filters, today: date) -> dict[str, object]:
    """The frames and figures the Overview shows for `filters`, built once per package."""
    data: dict[str, object] = {
        "partners": partners_view(package, filters),
        "meetings": meetings_view(package, filters),
        "programmes": reachable_programmes(package, filters),
    }
    followups = followups_view(package, filters, today)
    data["open_followups"] = followups[followups["is_open"]]
    all_partners = partners_view(package, replace(filters, countries=()))
    period_meetings = meetings_view(package, replace(filters, countries=()))
    data["all_partners"] = all_partners
    data["map_data"] = partner_meeting_counts(all_partners, period_meetings)
    data["map_sources"] = list(period_meetings["source_id"].dropna()) + list(
        all_partners["source_id"].dropna()
    )
    data["map"] = partner_map(
        data["map_data"],
        title=f"Meetings with partner countries, {period_words(filters)}",
        source=source_line(
            package, data["map_sources"], resource_as_of(package, "countries", "meetings")
        ),
    )
    data["map_table"] = data["map_data"].rename(
        columns={
            "iso3": "ISO3",
            "country": "Country",
            "meetings": "Meetings",
            "latest_meeting": "Latest meeting",
        }
    )
    latest = data["meetings"].head(TOP_ROWS)
    data["latest"] = latest
    data["latest_table"] = pd.DataFrame(
        {
            "Date": latest["date"].dt.date,
            "Partner": latest["partner"],
            "Meeting": latest["title"],
            "Type": latest["event_type_detail"],
            "Pakistan lead": latest["pakistan_lead"],
        }
    )
    oldest = data["open_followups"].sort_values("age_days", ascending=False).head(TOP_ROWS)
    data["oldest"] = oldest
    data["oldest_table"] = pd.DataFrame(
        {
            "Raised": oldest["raised"].dt.date,
            "Partner": oldest["partner"],
            "Action": oldest["description"],
            "Status": status_text(oldest),
            "Age (days)": oldest["age_days"],
            "Overdue": oldest["overdue"],
        }
    )
    return data


def warm_overview(
    package: LoadedPackage, filters: Filters | None = None, today: date | None = None
) -> None:
    """Build the Overview of `package` for `filters` (unfiltered unless given) and `today` (the
    ministry's date unless given), as a visitor would see it, when it has its tables."""
    if package.spec is not None and all(package.has(name) for name in OVERVIEW_TABLES):
        overview_page_data(package, filters or Filters(), today or clock.today())
