"""The frames behind the Compare page: one indicator for a set of countries over a year range.

Only the rows a chart needs leave this module (one indicator, the chosen countries, the chosen
years), never the whole indicators table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from dashboard.datasets.loader import LoadedPackage, per_package

HOME_ISO3 = "PAK"
# The default indicator: R&D spend, a headline figure of the design's country comparisons.
DEFAULT_INDICATOR = "GB.XPD.RSDV.GD.ZS"
SERIES_COLUMNS = [
    "iso3",
    "country",
    "indicator_code",
    "indicator",
    "unit",
    "year",
    "value",
    "source_id",
    "source",
]


@dataclass
class Comparison:
    """One indicator compared across countries: its series, latest values and what is missing."""

    indicator_code: str
    indicator: str
    unit: str
    countries: tuple[str, ...]
    defaulted: bool  # True when the countries were chosen by default, not by the filter
    years: tuple[int, int] | None  # first and last year shown; None when nothing is shown
    series: pd.DataFrame  # long, SERIES_COLUMNS, countries only
    references: pd.DataFrame  # long, SERIES_COLUMNS, aggregates shown as reference lines
    latest: pd.DataFrame  # one row per country: its latest value inside the years, sorted
    without_data: list[str] = field(default_factory=list)  # compared countries with no value
    source_ids: list[str] = field(default_factory=list)


@per_package
def indicator_codes(package: LoadedPackage) -> list[str]:
    """Indicator codes in the catalogue, the default one first."""
    codes = list(package.table("indicator_catalogue")["indicator_code"].dropna())
    if DEFAULT_INDICATOR in codes:
        codes.remove(DEFAULT_INDICATOR)
        codes.insert(0, DEFAULT_INDICATOR)
    return codes


def _values(package: LoadedPackage, indicator_code: str) -> pd.DataFrame:
    values = package.table("indicators")
    return values[(values["indicator_code"] == indicator_code).to_numpy()]


@per_package
def default_countries(package: LoadedPackage, indicator_code: str) -> list[str]:
    """Pakistan, then the partner countries that have at least one value of the indicator."""
    countries = package.table("countries")
    with_data = set(_values(package, indicator_code)["iso3"])
    partners = countries[countries["is_partner"].fillna(False).astype(bool).to_numpy()]
    partners = partners[partners["iso3"].isin(with_data)].sort_values("name")
    return list(dict.fromkeys([HOME_ISO3, *partners["iso3"]]))


@per_package
def reference_groups(package: LoadedPackage, indicator_code: str) -> list[str]:
    """Aggregates (World, income groups, regions) with values of the indicator, World first."""
    countries = package.table("countries")
    aggregates = countries[(countries["kind"] == "aggregate").to_numpy()]
    with_data = set(_values(package, indicator_code)["iso3"])
    codes = sorted(set(aggregates["iso3"]) & with_data)
    if "WLD" in codes:
        codes.remove("WLD")
        codes.insert(0, "WLD")
    return codes


def _series(
    package: LoadedPackage,
    indicator_code: str,
    iso3s: Sequence[str],
    years: tuple[int, int] | None,
    catalogue_row: pd.Series,
) -> pd.DataFrame:
    values = _values(package, indicator_code)
    rows = values[values["iso3"].isin(list(iso3s)).to_numpy()]
    if years is not None:
        rows = rows[rows["year"].between(years[0], years[1]).fillna(False).to_numpy()]
    countries = package.table("countries")
    names = dict(zip(countries["iso3"], countries["name"], strict=False))
    sources = package.table("sources")
    publishers = dict(zip(sources["source_id"], sources["publisher"], strict=False))
    source_id = catalogue_row.get("source_id")
    order = {iso3: i for i, iso3 in enumerate(iso3s)}
    frame = rows.assign(
        country=rows["iso3"].map(names).fillna(rows["iso3"]),
        indicator=catalogue_row.get("name"),
        unit=catalogue_row.get("unit"),
        source_id=source_id,
        source=publishers.get(source_id, source_id),
        _order=rows["iso3"].map(order),
    )
    frame = frame.sort_values(["_order", "year"]).reset_index(drop=True)
    return frame[SERIES_COLUMNS]


def latest_values(series: pd.DataFrame) -> pd.DataFrame:
    """Each country's latest value (and its year), highest value first."""
    if series.empty:
        return series.assign(rank=pd.Series(dtype="Int64"))
    latest = series.sort_values("year").groupby("iso3", as_index=False).tail(1)
    latest = latest.sort_values(["value", "country"], ascending=[False, True])
    latest = latest.reset_index(drop=True)
    return latest.assign(rank=pd.array(range(1, len(latest) + 1), dtype="Int64"))


@per_package
def data_years(
    package: LoadedPackage, indicator_code: str, countries: Sequence[str]
) -> tuple[int, int] | None:
    """First and last year with a value of the indicator for any of `countries`."""
    values = _values(package, indicator_code)
    years = values.loc[values["iso3"].isin(list(countries)).to_numpy(), "year"].dropna()
    return (int(years.min()), int(years.max())) if not years.empty else None


@per_package
def build_comparison(
    package: LoadedPackage,
    indicator_code: str,
    countries: Sequence[str],
    years: tuple[int, int] | None = None,
    references: Sequence[str] = (),
) -> Comparison:
    """The comparison of `indicator_code` for `countries` (default: Pakistan and partners)
    between `years` (inclusive; None: every year with a value)."""
    catalogue = package.table("indicator_catalogue")
    row = catalogue[(catalogue["indicator_code"] == indicator_code).to_numpy()]
    entry = row.iloc[0] if not row.empty else pd.Series(dtype=object)
    defaulted = not countries
    compared = tuple(countries) if countries else tuple(default_countries(package, indicator_code))
    series = _series(package, indicator_code, compared, years, entry)
    span = (int(series["year"].min()), int(series["year"].max())) if not series.empty else None
    reference_frame = (
        _series(package, indicator_code, list(references), span, entry)
        if references and span
        else series.iloc[0:0]
    )
    with_values = set(series["iso3"])
    source_id = entry.get("source_id")
    return Comparison(
        indicator_code=indicator_code,
        indicator=str(entry.get("name", indicator_code)),
        unit=str(entry.get("unit", "")),
        countries=compared,
        defaulted=defaulted,
        years=span,
        series=series,
        references=reference_frame,
        latest=latest_values(series),
        without_data=[c for c in compared if c not in with_values],
        source_ids=[source_id] if isinstance(source_id, str) else [],
    )


def comparison_table(series: pd.DataFrame) -> pd.DataFrame:
    """One row per country, one column per year: the values the trend chart draws."""
    if series.empty:
        return pd.DataFrame(columns=["Country", "ISO3"])
    wide = series.pivot_table(index=["country", "iso3"], columns="year", values="value", sort=False)
    wide = wide.reindex(columns=sorted(wide.columns))
    wide.columns = [str(year) for year in wide.columns]
    wide = wide.reset_index().rename(columns={"country": "Country", "iso3": "ISO3"})
    return wide
