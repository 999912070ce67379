"""The frames behind the EU programmes page: the budget tree, Pakistan's eligibility per
programme, and the cooperation areas each programme funds.

Budgets of a programme's parts do not always add up to the programme's budget (Digital
Europe's objectives are approximate allocations that sum to more than the adopted total), so
`budget_layout` checks the sums before choosing how the chart adds up its branches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, per_package

ELIGIBILITY_WORDS = {
    "eligible_by_rule": "Eligible by rule",
    "limited": "Limited: certain actions only",
    "not_eligible": "Not eligible",
    "unverified": "Not confirmed",
}
BASIS_WORDS = {
    "named_in_source": "Named in the source",
    "named_collectively": (
        "Named together with other programmes (the source does not say this programme funds "
        "the area)"
    ),
    "by_programme_title": "By the programme part's title (not a statement of the source)",
}
# Said with a programme wherever its link to an area is only a collective mention.
COLLECTIVE_MARK = "named with other programmes only"
LEVEL_WORDS = {
    "programme": "Programme",
    "pillar": "Pillar",
    "cluster": "Cluster",
    "component": "Component",
    "objective": "Objective",
}


@dataclass
class BudgetMismatch:
    """A programme whose parts' budgets add up to more than its own budget."""

    programme_id: str
    name: str
    budget_eur_m: float
    parts_eur_m: float


def _parents(programmes: pd.DataFrame) -> dict[str, str]:
    return {
        child: parent
        for child, parent in zip(programmes["programme_id"], programmes["parent_id"], strict=False)
        if isinstance(parent, str)
    }


def with_family(programmes: pd.DataFrame, ids: Iterable[str]) -> set[str]:
    """`ids` with every ancestor (for the structure) and every descendant (their parts)."""
    parents = _parents(programmes)
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    family: set[str] = set()
    for programme_id in ids:
        current = programme_id
        while isinstance(current, str) and current not in family:
            family.add(current)
            current = parents.get(current)
        stack = list(children.get(programme_id, []))
        while stack:
            node = stack.pop()
            if node not in family:
                family.add(node)
                stack.extend(children.get(node, []))
    return family


def funding_programmes(package: LoadedPackage, areas: Iterable[str]) -> set[str]:
    """Programmes (or programme parts) recorded as funding any of `areas`."""
    links = package.table("programme_areas")
    return set(links.loc[links["area_id"].isin(list(areas)), "programme_id"])


@per_package
def programmes_view(package: LoadedPackage, filters: Filters) -> pd.DataFrame:
    """The programme rows inside the filters, in the table's order, with period and source.

    The programme filter keeps the chosen programmes with their parents and parts; the area
    filter keeps the programmes funding those areas (with their parents and parts); the period
    keeps the programmes running in it.
    """
    programmes = package.table("programmes")
    mask = pd.Series(True, index=programmes.index)
    if filters.start:
        mask &= (programmes["period_end"] >= filters.start.year).fillna(True)
    if filters.end:
        mask &= (programmes["period_start"] <= filters.end.year).fillna(True)
    if filters.programmes:
        mask &= programmes["programme_id"].isin(with_family(programmes, filters.programmes))
    if filters.areas:
        funders = funding_programmes(package, filters.areas)
        mask &= programmes["programme_id"].isin(with_family(programmes, funders))
    view = programmes[mask.to_numpy()].copy()
    sources = package.table("sources")
    publishers = dict(zip(sources["source_id"], sources["publisher"], strict=False))
    view["period"] = [
        f"{start}–{end}" if pd.notna(start) and pd.notna(end) else "not recorded"
        for start, end in zip(view["period_start"], view["period_end"], strict=True)
    ]
    view["source"] = view["source_id"].map(publishers).fillna(view["source_id"])
    view["level_name"] = view["level"].map(LEVEL_WORDS).fillna(view["level"])
    return view.reset_index(drop=True)


def top_levels(tree: pd.DataFrame, max_boxes: int) -> pd.DataFrame:
    """The rows of `tree` down to the deepest level at which there are at most `max_boxes`
    (at least the top level: its `max_boxes` largest budgets if there are more).

    A part whose parent is not in `tree` counts as top level. A treemap of thousands of
    boxes is unreadable and slow to send; a click on a box shows its parts.
    """
    ids = set(tree["programme_id"])
    parents = {c: p for c, p in _parents(tree).items() if p in ids}
    depth: dict[str, int] = {}
    for programme_id in tree["programme_id"]:
        chain = [programme_id]
        while chain[-1] in parents and chain[-1] not in depth:
            chain.append(parents[chain[-1]])
        base = depth.get(chain[-1], 0)
        for steps, node in enumerate(reversed(chain)):
            depth.setdefault(node, base + steps)
    depths = tree["programme_id"].map(depth)
    per_level = depths.value_counts().sort_index().cumsum()
    fits = per_level[per_level <= max_boxes]
    if fits.empty:
        top = tree[(depths == 0).to_numpy()]
        return top.loc[top["budget_eur_m"].fillna(0).nlargest(max_boxes).index.sort_values()]
    return tree[(depths <= fits.index.max()).to_numpy()]


def budget_layout(tree: pd.DataFrame) -> tuple[pd.Series, str, list[BudgetMismatch]]:
    """The values to draw for `tree`, plotly's `branchvalues` and the budgets that disagree.

    When every programme's parts add up to at most its budget, the recorded budgets are drawn
    as they are ("total"). Otherwise each programme contributes only what its parts leave over
    ("remainder", never below zero), so a branch is never dropped; the hover still shows the
    recorded budget and the page names the programmes whose parts add up to more.
    """
    budgets = tree["budget_eur_m"].fillna(0.0).astype(float)
    budgets.index = tree["programme_id"].to_numpy()
    parents = tree.set_index("programme_id")["parent_id"]
    in_tree = parents[parents.isin(budgets.index)]
    parts = budgets[in_tree.index].groupby(in_tree.to_numpy()).sum()
    names = dict(zip(tree["programme_id"], tree["name"], strict=False))
    mismatches = [
        BudgetMismatch(pid, str(names[pid]), float(budgets[pid]), float(total))
        for pid, total in parts.items()
        if total > budgets[pid] + 1e-6
    ]
    has_missing_parent_budget = tree.loc[
        tree["programme_id"].isin(parts.index), "budget_eur_m"
    ].isna()
    if not mismatches and not has_missing_parent_budget.any():
        return budgets.reset_index(drop=True), "total", []
    own = (budgets - parts.reindex(budgets.index, fill_value=0.0)).clip(lower=0.0)
    return own.reset_index(drop=True), "remainder", mismatches


def eligibility_view(package: LoadedPackage, tree: pd.DataFrame) -> pd.DataFrame:
    """Pakistan's eligibility and route for each top-level programme in `tree`, as recorded."""
    top = tree[tree["parent_id"].isna().to_numpy()]
    sources = package.table("sources")
    publishers = dict(zip(sources["source_id"], sources["publisher"], strict=False))
    source_ids = top["eligibility_source_id"].fillna(top["source_id"])
    return pd.DataFrame(
        {
            "Programme": top["name"].to_numpy(),
            "Pakistan's eligibility": top["pakistan_eligibility"]
            .map(ELIGIBILITY_WORDS)
            .fillna("Not recorded")
            .to_numpy(),
            "Route": top["eligibility_route"].fillna("Not recorded").to_numpy(),
            "Note": top["note"].fillna("").to_numpy(),
            "Source": source_ids.map(publishers).fillna(source_ids).to_numpy(),
            "source_id": source_ids.to_numpy(),
        }
    )


def programme_areas_view(package: LoadedPackage, programme_ids: Iterable[str]) -> pd.DataFrame:
    """The cooperation areas each of `programme_ids` funds, and on what basis."""
    links = package.table("programme_areas")
    links = links[links["programme_id"].isin(list(programme_ids)).to_numpy()]
    programmes = package.table("programmes")
    areas = package.table("cooperation_areas")
    programme_names = dict(zip(programmes["programme_id"], programmes["name"], strict=False))
    area_names = dict(zip(areas["area_id"], areas["name"], strict=False))
    order = {pid: i for i, pid in enumerate(programmes["programme_id"])}
    links = links.assign(_order=links["programme_id"].map(order)).sort_values(
        ["_order", "basis", "area_id"]
    )
    return pd.DataFrame(
        {
            "Programme": links["programme_id"].map(programme_names).to_numpy(),
            "Cooperation area": links["area_id"].map(area_names).to_numpy(),
            "Basis": links["basis"].map(BASIS_WORDS).fillna(links["basis"]).to_numpy(),
            "Note": links["note"].fillna("").to_numpy(),
            "source_id": links["source_id"].to_numpy(),
            "programme_id": links["programme_id"].to_numpy(),
            "area_id": links["area_id"].to_numpy(),
        }
    )
