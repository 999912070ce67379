"""What the filter widgets offer and which values a URL may name, once per loaded package."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.datasets.filters import KnownValues
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.queries import can_be_partner


@dataclass(frozen=True)
class FilterOptions:
    """What the filter widgets offer, with display names: the same for every rerun of every
    session, so built once per loaded package. Callers must not change it."""

    countries: list[str]  # countries and the EU, partners first
    country_names: dict[str, str]  # every code in the countries table, aggregates too
    areas: list[str]
    area_names: dict[str, str]
    programmes: list[str]
    programme_names: dict[str, str]


@per_package
def filter_options(package: LoadedPackage) -> FilterOptions:
    countries = package.table("countries")
    selectable = countries[countries["kind"].isin(["country", "union"])].sort_values(
        ["is_partner", "name"], ascending=[False, True]
    )
    areas = package.table("cooperation_areas")
    programmes = package.table("programmes")
    return FilterOptions(
        countries=list(selectable["iso3"]),
        country_names=dict(zip(countries["iso3"], countries["name"], strict=False)),
        areas=list(areas["area_id"]),
        area_names=dict(zip(areas["area_id"], areas["name"], strict=False)),
        programmes=list(programmes["programme_id"]),
        programme_names=dict(zip(programmes["programme_id"], programmes["name"], strict=False)),
    )


def known_values(package: LoadedPackage) -> KnownValues:
    return KnownValues(
        countries=frozenset(package.table("countries")["iso3"].dropna()),
        areas=frozenset(package.table("cooperation_areas")["area_id"].dropna()),
        programmes=frozenset(package.table("programmes")["programme_id"].dropna()),
    )


@per_package
def source_picker_labels(package: LoadedPackage) -> dict[str, str]:
    """Each source as a picker shows it, "publisher · published date · title", newest first,
    by source id: a search by publisher, title or date finds it (shared: callers must not
    change it)."""
    sources = package.table("sources").sort_values(
        ["published", "publisher"], ascending=[False, True], na_position="last"
    )
    published = sources["published"].dt.strftime("%Y-%m-%d").fillna("undated")
    labels = (
        sources["publisher"].fillna("") + " · " + published + " · " + sources["title"].fillna("")
    )
    return dict(zip(sources["source_id"], labels, strict=True))


@per_package
def partner_choices(package: LoadedPackage) -> dict[str, str]:
    """The countries and organisations a meeting's partner may be, by name (`can_be_partner`:
    no group of countries, no territory without a World Bank classification)."""
    countries = package.table("countries")
    chosen = countries[can_be_partner(countries).to_numpy()].sort_values("name")
    return dict(zip(chosen["iso3"], chosen["name"], strict=True))
