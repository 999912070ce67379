"""One country on one page: the frames behind the country profile page and the PDF brief.

Both the Streamlit page and `dashboard/export` build from `build_country_profile`, so the
brief a minister reads shows exactly what the page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.queries import followups_view, meetings_view

HOME_ISO3 = "PAK"
# Indicators shown on a profile, in this order: the tech-sector facts DESIGN.md asks for.
KEY_INDICATORS = (
    "GB.XPD.RSDV.GD.ZS",  # R&D spend
    "SP.POP.SCIE.RD.P6",  # researchers
    "BX.GSR.CCIS.CD",  # ICT service exports, US$
    "BX.GSR.CCIS.ZS",  # ICT service exports, share
    "TX.VAL.TECH.MF.ZS",  # high-tech exports
    "IT.NET.USER.ZS",  # internet users
)
HORIZON_STATUS_WORDS = {
    "member": "EU member state — full participant in Horizon Europe",
    "associated": "Associated to Horizon Europe",
    "eligible_third_country": "Eligible third country (automatically eligible for funding)",
    "not_automatically_eligible": "Not automatically eligible for Horizon Europe funding",
    "not_eligible": "Not eligible to take part in Horizon Europe in any capacity",
}


@dataclass
class CountryProfile:
    iso3: str
    name: str
    compared: tuple[str, ...]  # the country, Pakistan, then peers
    country: dict[str, object]
    facts: pd.DataFrame
    indicators: pd.DataFrame  # long: iso3, country, indicator_code, indicator, unit, year, value
    latest: pd.DataFrame  # latest year per country and indicator
    companies: pd.DataFrame
    hubs: pd.DataFrame
    expertise: pd.DataFrame  # area, relation (expertise / discussed at meetings), source_id
    programme_access: pd.DataFrame
    meetings: pd.DataFrame
    open_followups: pd.DataFrame
    source_ids: list[str] = field(default_factory=list)

    @property
    def horizon_status_words(self) -> str:
        status = self.country.get("horizon_status")
        return HORIZON_STATUS_WORDS.get(status, "Horizon Europe status not recorded")

    def is_empty(self, part: str) -> bool:
        return getattr(self, part).empty


def _indicator_frames(
    package: LoadedPackage, compared: Sequence[str], names: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    catalogue = package.table("indicator_catalogue")
    values = package.table("indicators")
    long = values[values["iso3"].isin(compared) & values["indicator_code"].isin(KEY_INDICATORS)]
    long = long.merge(
        catalogue[["indicator_code", "name", "unit", "source_id", "last_updated"]],
        on="indicator_code",
        how="left",
    ).rename(columns={"name": "indicator"})
    long["country"] = long["iso3"].map(names)
    order = {code: i for i, code in enumerate(KEY_INDICATORS)}
    long = long.assign(_order=long["indicator_code"].map(order)).sort_values(
        ["_order", "iso3", "year"]
    )
    long = long.drop(columns="_order").reset_index(drop=True)
    latest = long.sort_values("year").groupby(["indicator_code", "iso3"], as_index=False).tail(1)
    latest = latest.assign(_order=latest["indicator_code"].map(order)).sort_values(
        ["_order", "iso3"]
    )
    return long, latest.drop(columns="_order").reset_index(drop=True)


def _expertise(package: LoadedPackage, iso3: str, meetings: pd.DataFrame) -> pd.DataFrame:
    areas = package.table("cooperation_areas")[["area_id", "name"]]
    stated = package.table("country_areas")
    stated = stated[stated["iso3"] == iso3][["area_id", "source_id"]].assign(
        relation="expertise named by a source"
    )
    links = package.table("meeting_areas")
    discussed = links[links["meeting_id"].isin(meetings["meeting_id"])]
    discussed = discussed.merge(meetings[["meeting_id", "source_id"]], on="meeting_id")
    discussed = discussed.groupby("area_id", as_index=False).agg(
        source_id=("source_id", "first"), meetings=("meeting_id", "nunique")
    )
    discussed = discussed.assign(relation="discussed at meetings")
    both = pd.concat([stated, discussed], ignore_index=True)
    both = both.merge(areas, on="area_id", how="left").rename(columns={"name": "area"})
    both["meetings"] = both.get("meetings", pd.Series(dtype="Int64")).astype("Int64")
    return both[["area_id", "area", "relation", "meetings", "source_id"]].reset_index(drop=True)


def _programme_access(package: LoadedPackage, country: dict[str, object]) -> pd.DataFrame:
    programmes = package.table("programmes")
    top = programmes[programmes["parent_id"].isna()]
    access = top[
        [
            "programme_id",
            "name",
            "budget_eur_m",
            "pakistan_eligibility",
            "eligibility_route",
            "source_id",
        ]
    ].copy()
    access["partner_status"] = (
        "EU member state"
        if country.get("eu_member")
        else HORIZON_STATUS_WORDS.get(country.get("horizon_status"), "not recorded")
    )
    return access.reset_index(drop=True)


@per_package
def build_country_profile(
    package: LoadedPackage,
    iso3: str,
    peers: Sequence[str] = (),
    today: date | None = None,
    period: Filters | None = None,
) -> CountryProfile:
    """Everything the profile page and the brief show for `iso3`, next to Pakistan and peers.

    `period` (the filters' start and end) limits the meetings and follow-ups shown; `today`
    (required) dates the ages and overdue flags.
    """
    if today is None:
        raise ValueError("build_country_profile needs `today` (the ministry's date, clock.today())")
    countries = package.table("countries")
    names = dict(zip(countries["iso3"], countries["name"], strict=False))
    row = countries[countries["iso3"] == iso3]
    country = row.iloc[0].to_dict() if not row.empty else {"iso3": iso3, "name": iso3}
    compared = tuple(dict.fromkeys([iso3, HOME_ISO3, *peers]))

    only = Filters(
        countries=(iso3,),
        start=period.start if period else None,
        end=period.end if period else None,
    )
    facts = package.table("sector_facts")
    facts = facts[facts["iso3"] == iso3].sort_values("as_of", ascending=False)
    companies = package.table("companies")
    companies = companies[companies["iso3"] == iso3]
    hubs = package.table("tech_hubs")
    hubs = hubs[hubs["iso3"] == iso3]
    meetings = meetings_view(package, only)
    followups = followups_view(package, only, today)
    open_followups = followups[followups["is_open"]]
    indicators, latest = _indicator_frames(package, compared, names)
    expertise = _expertise(package, iso3, meetings)
    access = _programme_access(package, country)

    source_ids: list[str] = []
    for frame in (facts, companies, hubs, meetings, open_followups, indicators, expertise, access):
        if "source_id" in frame:
            source_ids.extend(frame["source_id"].dropna().astype(str))
    if isinstance(country.get("source_id"), str):
        source_ids.append(country["source_id"])
    return CountryProfile(
        iso3=iso3,
        name=str(country.get("name", iso3)),
        compared=compared,
        country=country,
        facts=facts.reset_index(drop=True),
        indicators=indicators,
        latest=latest,
        companies=companies.reset_index(drop=True),
        hubs=hubs.reset_index(drop=True),
        expertise=expertise,
        programme_access=access,
        meetings=meetings,
        open_followups=open_followups.reset_index(drop=True),
        source_ids=list(dict.fromkeys(source_ids)),
    )
