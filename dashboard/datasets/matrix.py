"""The country × cooperation area matrix: how strong each partner is in each area, from data.

Partner strength is counted, never judged: an area a source names as the country's expertise
(country_areas) scores EXPERTISE_POINTS, and every meeting with the country inside the filter
period that discussed the area (meeting_areas) scores MEETING_POINTS more.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from dashboard.datasets.filters import Filters, in_period
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.programme_tree import COLLECTIVE_MARK

EXPERTISE_POINTS = 2
MEETING_POINTS = 1
SCORING = (
    f"Partner strength = {EXPERTISE_POINTS} if a source names the area as the country's "
    f"expertise, plus {MEETING_POINTS} for every meeting with the country in the period that "
    "discussed the area. 0 means nothing is recorded, not that the country is weak."
)
# Beyond this a matrix is no longer readable on a screen or a slide: the strongest are shown.
MAX_MATRIX_PARTNERS = 30
MAX_MATRIX_AREAS = 25
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


def marked_programme_names(funders: pd.DataFrame) -> pd.Series:
    """The programme names of `area_programmes` rows, each linked to its area only because a
    source names it together with other programmes (basis `named_collectively`) marked so: the
    source does not say that programme funds the area."""
    collective = funders["basis"] == "named_collectively"
    return funders["programme"].where(~collective, funders["programme"] + f" ({COLLECTIVE_MARK})")


def area_funding(package: LoadedPackage, areas: pd.DataFrame) -> pd.DataFrame:
    """Per area of `areas`: how many programmes (or parts) fund it, their names and sources.

    The count leaves out the programmes a source only names together with others
    (`marked_programme_names`); the names list them, marked."""
    funders = area_programmes(package, areas["area_id"])
    counted = funders["basis"] != "named_collectively"
    funders = funders.assign(programme=marked_programme_names(funders))
    sources = package.table("sources")
    publishers = dict(zip(sources["source_id"], sources["publisher"], strict=False))
    grouped = funders.groupby("area_id")
    funding = funders[counted.to_numpy()].groupby("area_id").size()
    return pd.DataFrame(
        {
            "area_id": areas["area_id"].to_numpy(),
            "area": areas["name"].to_numpy(),
            "programmes": areas["area_id"].map(funding).fillna(0).astype(int).to_numpy(),
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


def _period_links(package: LoadedPackage, filters: Filters) -> pd.DataFrame:
    """meeting_areas joined to the meetings inside the filter period."""
    meetings = package.table("meetings")
    meetings = meetings[in_period(meetings["date"], filters).to_numpy()]
    return package.table("meeting_areas").merge(
        meetings[["meeting_id", "partner_iso3", "date", "source_id"]], on="meeting_id"
    )


def _distinct_sources(rows: pd.DataFrame, keys: list[str]) -> pd.Series:
    """The sorted distinct source ids of each group of `rows`, indexed by `keys`.

    Split by position on the sorted rows rather than with groupby().agg(list): pandas builds
    a Series per group there, which at 100x the data cost about a second per filter change.
    """
    pairs = rows[[*keys, "source_id"]].dropna().drop_duplicates().sort_values([*keys, "source_id"])
    group_keys = pairs[keys]
    starts = np.flatnonzero(~group_keys.duplicated().to_numpy())
    groups = np.split(pairs["source_id"].to_numpy(dtype=object), starts[1:]) if len(starts) else []
    return pd.Series(
        [list(group) for group in groups],
        index=pd.MultiIndex.from_frame(group_keys.iloc[starts]),
        dtype=object,
    )


def _strongest(
    grid: pd.DataFrame, by: str, limit: int | None, keep_first: pd.Series | None = None
) -> set:
    """The `limit` values of column `by` with the highest total score; `keep_first` (a
    boolean per value) marks values that come before any other, e.g. our priority areas."""
    totals = grid.groupby(by, sort=False)["score"].sum()
    if limit is None or len(totals) <= limit:
        return set(totals.index)
    first = (
        keep_first.reindex(totals.index).fillna(False)
        if keep_first is not None
        else pd.Series(False, index=totals.index)
    )
    ranked = pd.DataFrame({"first": first, "score": totals})
    return set(ranked.sort_values(["first", "score"], ascending=False, kind="stable").index[:limit])


@per_package
def partner_area_matrix(
    package: LoadedPackage,
    filters: Filters,
    max_partners: int | None = None,
    max_areas: int | None = None,
) -> pd.DataFrame:
    """One row per partner country × cooperation area inside the filters, with its score.

    Columns: MATRIX_COLUMNS. `programmes` names the programmes funding the area (those only
    named together with others marked, `marked_programme_names`); `source_ids`
    lists the sources behind the score (expertise and meetings). With `max_partners` or
    `max_areas`, only the partners and areas with the highest total score are kept (our
    priority areas first), in their usual order.
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
    keys = ["iso3", "area_id"]
    expertise = package.table("country_areas")
    expertise = expertise[(expertise["relation"] == "expertise").to_numpy()]
    named = expertise[keys].drop_duplicates().assign(expertise=True)
    links = _period_links(package, filters).rename(columns={"partner_iso3": "iso3"})
    links = links[links["iso3"].isin(partners["iso3"]).to_numpy()]
    counts = links.groupby(keys, as_index=False).agg(
        meetings=("meeting_id", "nunique"), latest_meeting=("date", "max")
    )
    grid = grid.merge(named, on=keys, how="left").merge(counts, on=keys, how="left")
    grid["expertise"] = grid["expertise"].astype("boolean").fillna(False).astype(bool)
    grid["meetings"] = grid["meetings"].fillna(0).astype(int)
    grid["score"] = grid["expertise"].astype(int) * EXPERTISE_POINTS + (
        grid["meetings"] * MEETING_POINTS
    )
    grid["in_founding_release"] = grid["in_founding_release"].fillna(False).astype(bool)

    kept_partners = _strongest(grid, "iso3", max_partners)
    priority = areas.set_index("area_id")["in_founding_release"].fillna(False).astype(bool)
    kept_areas = _strongest(grid, "area_id", max_areas, priority)
    grid = grid[(grid["iso3"].isin(kept_partners) & grid["area_id"].isin(kept_areas)).to_numpy()]

    # Source lists only for the cells kept: the costly part at scale.
    in_grid = pd.MultiIndex.from_frame(grid[keys])
    expertise_sources = _distinct_sources(
        expertise[pd.MultiIndex.from_frame(expertise[keys]).isin(in_grid)], keys
    )
    meeting_sources = _distinct_sources(
        links[pd.MultiIndex.from_frame(links[keys]).isin(in_grid)], keys
    )
    funders = area_programmes(package, kept_areas)
    funders = funders.assign(programme=marked_programme_names(funders))
    grid = grid.assign(
        programmes=grid["area_id"]
        .map(funders.groupby("area_id")["programme"].agg("; ".join))
        .astype("string")
        .fillna("")
    )
    sources = package.table("sources")
    publishers = dict(zip(sources["source_id"], sources["publisher"], strict=False))
    source_ids = [
        sorted(set(expertise_sources.get(key, [])) | set(meeting_sources.get(key, [])))
        for key in zip(grid["iso3"], grid["area_id"], strict=True)
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
