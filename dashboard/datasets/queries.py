"""The filtered views every page builds on: meetings, follow-ups (with age and overdue flags),
partners and reachable programmes. Plain pandas; `today` is always passed in, never read.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.datasets.filters import Filters, in_period
from dashboard.datasets.labels import code_labels
from dashboard.datasets.loader import LoadedPackage, per_package

OPEN_STATUSES = ("proposed", "agreed", "in_progress")
CLOSED_STATUSES = ("done", "dropped")
STATUS_ORDER = OPEN_STATUSES + CLOSED_STATUSES
STATUS_LABELS = {
    "proposed": "Proposed",
    "agreed": "Agreed",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}
INFERRED = "inferred"


def status_text(actions: pd.DataFrame) -> pd.Series:
    """Each action's status in words, marked "(inferred)" where the curators inferred it
    rather than a source reporting it, so an inference is never shown as a fact."""
    label = actions["status"].map(STATUS_LABELS).fillna(actions["status"]).astype("string")
    if "status_basis" not in actions:
        return label
    inferred = (actions["status_basis"] == INFERRED).fillna(False).astype(bool)
    return label.where(~inferred, label + " (inferred)")


# An open commitment older than this is "long pending" even without a due date.
LONG_PENDING_DAYS = 180
REACHABLE_ELIGIBILITY = ("eligible_by_rule", "limited")


def _names(package: LoadedPackage) -> pd.Series:
    countries = package.table("countries")
    return pd.Series(countries["name"].to_numpy(), index=countries["iso3"].to_numpy())


def meeting_ids_for_areas(package: LoadedPackage, areas: tuple[str, ...]) -> set[str]:
    links = package.table("meeting_areas")
    return set(links.loc[links["area_id"].isin(areas), "meeting_id"])


@per_package
def _area_names_by_meeting(package: LoadedPackage) -> pd.Series:
    """Each meeting's cooperation areas in words, "AI; Cybersecurity", in name order (computed
    once per package). The names are joined in one pyarrow step: a Python join per meeting
    took a second at 100 times today's rows, after every saved meeting."""
    links = package.table("meeting_areas")
    areas = package.table("cooperation_areas")
    names = links["area_id"].map(pd.Series(areas["name"].array, index=areas["area_id"].array))
    known = names.notna().to_numpy(dtype=bool)  # an inner join with the areas
    links = pd.DataFrame({"meeting_id": links["meeting_id"], "name": names})[known]
    links = links.sort_values(["meeting_id", "name"], ignore_index=True)
    meetings = links["meeting_id"].to_numpy(dtype=object)
    first = np.flatnonzero(np.r_[True, meetings[1:] != meetings[:-1]][: len(meetings)])
    lists = pa.ListArray.from_arrays(
        pa.array(np.r_[first, len(meetings)], type=pa.int32()),
        pa.array(links["name"].to_numpy(dtype=object), type=pa.string()),
    )
    return pd.Series(
        pd.array(pc.binary_join(lists, "; "), dtype=areas["name"].dtype),
        index=pd.Index(meetings[first], dtype=links["meeting_id"].dtype, name="meeting_id"),
        name="name",
    )


@per_package
def meetings_view(package: LoadedPackage, filters: Filters) -> pd.DataFrame:
    """Meetings inside the filters, newest first, with the partner's name, area names and the
    type in words."""
    meetings = package.table("meetings")
    mask = in_period(meetings["date"], filters)
    if filters.countries:
        mask &= meetings["partner_iso3"].isin(filters.countries)
    if filters.areas:
        mask &= meetings["meeting_id"].isin(meeting_ids_for_areas(package, filters.areas))
    view = meetings[mask.to_numpy()].copy()
    view["partner"] = view["partner_iso3"].map(_names(package)).fillna(view["partner_iso3"])
    view["areas"] = view["meeting_id"].map(_area_names_by_meeting(package)).fillna("")
    types = code_labels(package).of("meetings", "event_type")
    view["type"] = view["event_type"].map(types).fillna(view["event_type"])
    return view.sort_values("date", ascending=False).reset_index(drop=True)


@per_package
def followups_view(package: LoadedPackage, filters: Filters, today: date) -> pd.DataFrame:
    """Follow-up actions inside the filters, with age in days and overdue / long-pending flags.

    Age runs from the day the action was raised to the day it was closed, or to `today` while
    it is open. Overdue: open and past its due date. The period filter applies to `raised`.

    An action without an area of its own is about its meeting's areas (``area_id`` holds one
    area, and is left empty when the action concerns all of them): ``areas`` names them, and
    the area filter finds the action by them.
    """
    actions = package.table("followups")
    mask = in_period(actions["raised"], filters)
    if filters.countries:
        mask &= actions["iso3"].isin(filters.countries)
    if filters.areas:
        mask &= actions["area_id"].isin(filters.areas) | (
            actions["area_id"].isna()
            & actions["meeting_id"].isin(
                meeting_ids_for_areas(package, filters.areas)
                if package.has("meeting_areas")
                else set()
            )
        )
    view = actions[mask.to_numpy()].copy()
    now = pd.Timestamp(today)
    view["is_open"] = view["status"].isin(OPEN_STATUSES)
    end = view["closed"].where(~view["is_open"] & view["closed"].notna(), now)
    view["age_days"] = (end - view["raised"]).dt.days.astype("Int64")
    view["overdue"] = view["is_open"] & view["due"].notna() & (view["due"] < now)
    view["long_pending"] = view["is_open"] & (view["age_days"] > LONG_PENDING_DAYS)
    view["partner"] = view["iso3"].map(_names(package)).fillna(view["iso3"])
    view["areas"] = _action_areas(package, view)
    return view.sort_values(["is_open", "age_days"], ascending=[False, False]).reset_index(
        drop=True
    )


def _action_areas(package: LoadedPackage, actions: pd.DataFrame) -> pd.Series:
    """Each action's area in words, or its meeting's areas when it has none of its own ("" when
    the areas cannot be read: the page says which table is missing)."""
    if not (package.has("cooperation_areas") and package.has("meeting_areas")):
        return pd.Series("", index=actions.index, dtype="string")
    areas = package.table("cooperation_areas")
    names = pd.Series(areas["name"].to_numpy(), index=areas["area_id"].to_numpy())
    own = actions["area_id"].map(names)
    return own.fillna(actions["meeting_id"].map(_area_names_by_meeting(package))).fillna("")


def status_counts(followups: pd.DataFrame) -> pd.DataFrame:
    """Number of actions per status, every status listed (zero where none), in workflow order.
    A label says how many of its actions have an inferred status, e.g. "Done (2 inferred)"."""
    counts = followups["status"].value_counts().reindex(list(STATUS_ORDER), fill_value=0)
    basis = followups.get("status_basis", pd.Series(pd.NA, index=followups.index, dtype="string"))
    inferred = (
        followups.loc[(basis == INFERRED).fillna(False).astype(bool), "status"]
        .value_counts()
        .reindex(list(STATUS_ORDER), fill_value=0)
    )
    return pd.DataFrame(
        {
            "status": counts.index,
            "label": [
                STATUS_LABELS[s] + (f" ({inferred[s]} inferred)" if inferred[s] else "")
                for s in counts.index
            ],
            "actions": counts.to_numpy(),
        }
    )


@per_package
def partners_view(package: LoadedPackage, filters: Filters) -> pd.DataFrame:
    """Partner countries (and the EU) tracked, limited to the filter's countries if any."""
    countries = package.table("countries")
    mask = countries["is_partner"].fillna(False).astype(bool)
    if filters.countries:
        mask &= countries["iso3"].isin(filters.countries)
    return countries[mask.to_numpy()].reset_index(drop=True)


def can_be_partner(countries: pd.DataFrame) -> pd.Series:
    """The rows of the countries table that a meeting's partner may be: a country (a World
    Bank economy: it has a region) or an organisation (the EU, kind "union"). Not a group of
    countries such as "Africa Eastern and Southern" (an aggregate: no region), nor a place
    the World Bank does not classify, such as Antarctica or an overseas territory."""
    return (countries["region"].notna() | (countries["kind"] == "union")).fillna(False)


@per_package
def reachable_programmes(package: LoadedPackage, filters: Filters) -> pd.DataFrame:
    """Top-level programmes Pakistan can reach (eligibility by rule or limited), filtered."""
    programmes = package.table("programmes")
    mask = programmes["parent_id"].isna() & programmes["pakistan_eligibility"].isin(
        REACHABLE_ELIGIBILITY
    )
    if filters.programmes:
        roots = {root_programme(programmes, p) for p in filters.programmes}
        mask &= programmes["programme_id"].isin(roots)
    return programmes[mask.to_numpy()].reset_index(drop=True)


def root_programme(programmes: pd.DataFrame, programme_id: str) -> str:
    """The top-level programme a pillar, cluster or objective belongs to."""
    parents = dict(zip(programmes["programme_id"], programmes["parent_id"], strict=False))
    current, seen = programme_id, set()
    while isinstance(parents.get(current), str) and current not in seen:
        seen.add(current)
        current = parents[current]
    return current
