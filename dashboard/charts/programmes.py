"""EU programme charts: the budget structure (programme → pillar → cluster/component/objective).

Takes the frame of `dashboard.datasets.programme_tree.programmes_view` and the drawn values of
`budget_layout`; the hover always shows the recorded budget, never the drawn value.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.memo import cached_figure
from dashboard.charts.theme import PALETTE, apply_theme, format_value

BUDGET_UNIT = "EUR m"
HOVER = (
    "<b>%{label}</b><br>%{customdata[0]}<br>Budget: %{customdata[1]} (unit: EUR m)<br>"
    "Period: %{customdata[2]}<br>Source: %{customdata[3]}%{customdata[4]}<extra></extra>"
)


def budget_text(budget: float | None, comparator: object = None) -> str:
    """A budget in the app's format, marked "about" where the source gives an approximation."""
    text = format_value(budget, BUDGET_UNIT)
    if budget is None or pd.isna(budget):
        return "not recorded"
    return f"about {text}" if comparator == "about" else text


@cached_figure
def budget_treemap(
    tree: pd.DataFrame,
    drawn_values: pd.Series,
    branchvalues: str,
    *,
    title: str,
    notes: dict[str, str] | None = None,
) -> go.Figure:
    """Treemap of programme budgets; `ids` are programme ids, so a clicked box names its
    programme. `notes` (programme id → text) are added to the hover, e.g. budgets that
    do not add up."""
    notes = notes or {}
    comparators = tree.get("budget_comparator", pd.Series([None] * len(tree), index=tree.index))
    customdata = [
        [
            level,
            budget_text(budget, comparator),
            period,
            source,
            f"<br>{notes[pid]}" if pid in notes else "",
        ]
        for pid, level, budget, comparator, period, source in zip(
            tree["programme_id"],
            tree["level_name"],
            tree["budget_eur_m"],
            comparators,
            tree["period"],
            tree["source"].astype("string").fillna("not recorded"),
            strict=True,
        )
    ]
    labels = [
        f"{name}<br>{budget_text(budget, comparator)}"
        for name, budget, comparator in zip(
            tree["name"], tree["budget_eur_m"], comparators, strict=True
        )
    ]
    fig = go.Figure(
        go.Treemap(
            ids=tree["programme_id"].tolist(),
            labels=tree["name"].tolist(),
            parents=tree["parent_id"].astype("string").fillna("").tolist(),
            values=[float(v) for v in drawn_values],
            branchvalues=branchvalues,
            text=labels,
            textinfo="text",
            customdata=customdata,
            hovertemplate=HOVER,
            marker={"colors": _colours(tree)},
            tiling={"pad": 2},
            pathbar={"visible": True},
        )
    )
    fig.update_layout(height=620, margin={"l": 8, "r": 8, "t": 64, "b": 24})
    return apply_theme(fig, title=title)


def _colours(tree: pd.DataFrame) -> list[str]:
    """One palette colour per top-level programme, shared by all its parts."""
    parents = dict(zip(tree["programme_id"], tree["parent_id"], strict=False))
    roots = [pid for pid in tree["programme_id"] if not isinstance(parents.get(pid), str)]
    root_colour = {root: PALETTE[i % len(PALETTE)] for i, root in enumerate(roots)}

    def root_of(pid: str) -> str:
        seen: set[str] = set()
        while isinstance(parents.get(pid), str) and pid not in seen:
            seen.add(pid)
            pid = parents[pid]
        return pid

    return [root_colour.get(root_of(pid), PALETTE[0]) for pid in tree["programme_id"]]
