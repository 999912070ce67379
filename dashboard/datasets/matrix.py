"""The country × cooperation area matrix: how strong each partner is in each area, from data.

Partner strength is counted, never judged: an area a source names as the country's expertise
(country_areas) scores EXPERTISE_POINTS, and every meeting with the country inside the filter
period that discussed the area (meeting_areas) scores MEETING_POINTS more.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboard.datasets.filters import Filters, in_period
from dashboard.datasets.loader import LoadedPackage, per_package

EXPERTISE_POINTS = 2
MEETING_POINTS = 1
SCORING = (
    f"Partner strength = {EXPERTISE_POINTS} if a source names the area as the country's "
    f"expertise, plus {MEETING_POINTS} for every meeting with the country in the period that "
    "discussed the area. 0 means nothing is recorded, not that the country is weak."
)
MATRIX_COLUMNS = [
    "iso3",
    "country",
    "area_id",
    "area",
    "expertise",
    "meetings",
    "latest_meeting",
    "score",
    "in_founding_release",
    "programmes",
    "source_ids",
    "source",
]


def partner_rows(package: LoadedPackage, filters: Filters) -> pd.DataFrame:
    """Partner countries (the matrix rows), limited to the filter's countries, by name."""
    countries = package.table("countries")
    mask = countries["is_partner"].fillna(False).astype(bool)
    if filters.countries:
        mask &= countries["iso3"].isin(filters.countries)
    return countries[mask.to_numpy()].sort_values("name").reset_index(drop=True)


def area_columns(package: LoadedPackage, filters: Filters) -> pd.DataFrame:
    """Cooperation areas (the matrix columns), limited to the filter's areas.

    Areas of the founding release ("our priority") come first, each group in table order.
    """
    areas = package.table("cooperation_areas")
    if filters.areas:
        areas = areas[areas["area_id"].isin(filters.areas).to_numpy()]
    priority = areas["in_founding_release"].fillna(False).astype(bool)
    return pd.concat([areas[priority.to_numpy()], areas[(~priority).to_numpy()]]).reset_index(
        drop=True
    )


def area_programmes(package: LoadedPackage, area_ids: Iterable[str]) -> pd.DataFrame:
    """The programmes (or programme parts) recorded as funding each area, with the basis."""
    links = package.table("programme_areas")
    links = links[links["area_id"].isin(list(area_ids)).to_numpy()]
    programmes = package.table("programmes")
    names = dict(zip(programmes["programme_id"], programmes["name"], strict=False))
    return links.assign(programme=links["programme_id"].map(names).fillna(links["programme_id"]))[
        ["area_id", "programme_id", "programme", "basis", "source_id"]
    ].reset_index(drop=True)


def area_funding(package: LoadedPackage, areas: pd.DataFrame) -> pd.DataFrame:
    """Per area of `areas`: how many programmes (or parts) fund it, their names and sources."""
    funders = area_programmes(package, areas["area_id"])
    sources = package.table("sources")
    publishers = dict(zip(sources["source_id"], sources["publisher"], strict=False))
    grouped = funders.groupby("area_id")
    return pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "area": areas["name"].to_numpy(),
            "programmes": areas["area_id"].map(grouped.size()).fillna(0).astype(int).to_numpy(),
            "names": areas["area_id"]
            .map(grouped["programme"].agg("; ".join))
            .fillna("none recorded")
            .to_numpy(),
            "source": areas["area_id"]
            .map(
                grouped["source_id"].agg(
                    lambda s: "; ".join(dict.fromkeys(publishers.get(i, i) for i in s))
                )
            )
            .fillna("not recorded")
            .to_numpy(),
        }
    )


def _meeting_counts(package: LoadedPackage, filters: Filters) -> pd.DataFrame:
    meetings = package.table("meetings")
    meetings = meetings[in_period(meetings["date"], filters).to_numpy()]
    links = package.table("meeting_areas").merge(
        meetings[["meeting_id", "partner_iso3", "date", "source_id"]], on="meeting_id"
    )
    keys = ["partner_iso3", "area_id"]
    counts = links.groupby(keys, as_index=False).agg(
        meetings=("meeting_id", "nunique"), latest_meeting=("date", "max")
    )
    sources = _distinct_sources(links, keys).rename("meeting_sources")
    return counts.merge(sources, left_on=keys, right_index=True, how="left")


def _distinct_sources(rows: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The sorted distinct source ids of each group of `rows` (vectorised, no per-group
    Python function: at 100x the data that cost seconds)."""
    pairs = rows[[*keys, "source_id"]].dropna().drop_duplicates().sort_values([*keys, "source_id"])
    return pairs.groupby(keys)["source_id"].agg(list)


@per_package
def partner_area_matrix(package: LoadedPackage, filters: Filters) -> pd.DataFrame:
    """One row per partner country × cooperation area inside the filters, with its score.

    Columns: MATRIX_COLUMNS. `programmes` names the programmes funding the area; `source_ids`
    lists the sources behind the score (expertise and meetings).
    """
    partners = partner_rows(package, filters)
    areas = area_columns(package, filters)
    if partners.empty or areas.empty:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    grid = (
        partners[["iso3", "name"]]
        .rename(columns={"name": "country"})
        .merge(
            areas[["area_id", "name", "in_founding_release"]].rename(columns={"name": "area"}),
            how="cross",
        )
    )
    expertise = package.table("country_areas")
    expertise = expertise[(expertise["relation"] == "expertise").to_numpy()]
    expertise = (
        _distinct_sources(expertise, ["iso3", "area_id"]).rename("expertise_sources").reset_index()
    )
    grid = grid.merge(expertise, on=["iso3", "area_id"], how="left")
    grid = grid.merge(
        _meeting_counts(package, filters).rename(columns={"partner_iso3": "iso3"}),
        on=["iso3", "area_id"],
        how="left",
    )
    grid["expertise"] = grid["expertise_sources"].notna()
    grid["meetings"] = grid["meetings"].fillna(0).astype(int)
    grid["score"] = grid["expertise"].astype(int) * EXPERTISE_POINTS + (
        grid["meetings"] * MEETING_POINTS
    )
    grid["in_founding_release"] = grid["in_founding_release"].fillna(False).astype(bool)
    funders = area_programmes(package, areas["area_id"])
    grid["programmes"] = (
        grid["area_id"]
        .map(funders.groupby("area_id")["programme"].agg(lambda s: "; ".join(s)))
        .astype("string")
        .fillna("")
    )
    sources = package.table("sources")
    publishers = dict(zip(sources["source_id"], sources["publisher"], strict=False))
    source_ids = [
        sorted(set(a if isinstance(a, list) else []) | set(m if isinstance(m, list) else []))
        for a, m in zip(grid["expertise_sources"], grid["meeting_sources"], strict=True)
    ]
    grid["source_ids"] = ["; ".join(ids) for ids in source_ids]
    grid["source"] = [
        "; ".join(dict.fromkeys(publishers.get(s, s) for s in ids)) or "nothing recorded"
        for ids in source_ids
    ]
    return grid[MATRIX_COLUMNS].reset_index(drop=True)


def matrix_source_ids(package: LoadedPackage, matrix: pd.DataFrame) -> list[str]:
    """Every source behind the matrix: scores, the priority areas and the funding links."""
    ids: list[str] = []
    for joined in matrix["source_ids"]:
        ids.extend(s for s in str(joined).split("; ") if s)
    areas = package.table("cooperation_areas")
    in_view = areas[areas["area_id"].isin(set(matrix["area_id"])).to_numpy()]
    ids.extend(in_view["source_id"].dropna())
    ids.extend(area_programmes(package, set(matrix["area_id"]))["source_id"].dropna())
    return list(dict.fromkeys(ids))
