"""A country profile as a `View`: what the command line puts in a country's deck and workbook.

Charts come from `dashboard.charts.country`, the functions the country page uses.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from dashboard.charts.country import hubs_map, indicator_trend
from dashboard.datasets.citations import SourceDates, resource_as_of, source_line
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.profile import HOME_ISO3, KEY_INDICATORS, CountryProfile
from dashboard.export.model import View, ViewItem

INDICATOR_COLUMNS = ["country", "iso3", "year", "value", "unit", "indicator", "source_id"]
TABLE_COLUMNS = {
    "facts": [
        "statement",
        "value",
        "unit",
        "comparator",
        "period",
        "as_of",
        "unverified",
        "source_id",
    ],
    "meetings": ["date", "title", "type", "pakistan_lead", "partner_lead", "source_id"],
    "open_followups": ["description", "status", "status_basis", "raised", "age_days", "source_id"],
    "programme_access": [
        "name",
        "budget_eur_m",
        "pakistan_eligibility",
        "eligibility_route",
        "partner_status",
        "source_id",
    ],
}


def _ids(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["source_id"].dropna().astype(str)))


# The tables whose dates each part's source line gives, as on the country page.
PART_TABLES = {
    "indicators": ("indicators", "indicator_catalogue"),
    "hubs": ("tech_hubs",),
    "facts": ("sector_facts",),
    "meetings": ("meetings",),
    "open_followups": ("followups",),
    "programme_access": ("programmes",),
}


def _item(
    package: LoadedPackage, title: str, data: pd.DataFrame, as_of: SourceDates, figure=None
) -> ViewItem:
    ids = _ids(data)
    return ViewItem(
        title=title,
        data=data.reset_index(drop=True),
        source=source_line(package, ids, as_of),
        figure=figure,
        source_ids=ids,
        dates=as_of,
    )


def country_view(package: LoadedPackage, profile: CountryProfile, as_of: date) -> View:
    """The profile's charts (indicator trends next to Pakistan, tech hubs) and its tables.

    `as_of` is the view's date (follow-up ages count to it); each part's source line gives
    the published and checked dates of its own tables."""
    countries = package.table("countries")
    names = dict(zip(countries["iso3"], countries["name"], strict=True))
    view = View(
        title=f"Country profile: {profile.name}",
        filters=Filters(countries=profile.compared).describe(names),
        as_of=as_of.isoformat(),
    )
    dates = {part: resource_as_of(package, *tables) for part, tables in PART_TABLES.items()}
    for code in KEY_INDICATORS:
        rows = profile.indicators[profile.indicators["indicator_code"] == code]
        if rows[rows["iso3"] == profile.iso3].empty:
            continue
        title = str(rows["indicator"].iloc[0])
        item = _item(package, title, rows[INDICATOR_COLUMNS], dates["indicators"])
        item.figure = indicator_trend(profile.indicators, code, HOME_ISO3, source=item.source)
        view.items.append(item)
    if not profile.hubs.empty:
        title = f"Tech hubs in {profile.name}"
        hubs = profile.hubs[["city", "kind", "lat", "lon", "source_id"]]
        item = _item(package, title, hubs, dates["hubs"])
        item.figure = hubs_map(profile.hubs, title=title, source=item.source)
        view.items.append(item)
    tables = {
        "facts": "Headline facts",
        "meetings": "Meeting history",
        "open_followups": "Open follow-ups",
        "programme_access": "EU programme access",
    }
    for part, title in tables.items():
        frame = getattr(profile, part)
        if not frame.empty:
            view.items.append(_item(package, title, frame[TABLE_COLUMNS[part]], dates[part]))
    return view
