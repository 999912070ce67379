"""Follow-up actions: the table's flags and the counts by status and by country.

Status is carried by a fill pattern as well as colour, so stacked bars read without colour.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.memo import cached_figure
from dashboard.charts.theme import MUTED, PALETTE, apply_theme
from dashboard.datasets.queries import (
    LONG_PENDING_DAYS,
    STATUS_LABELS,
    STATUS_ORDER,
    status_text,
)

STATUS_COLOURS = {
    "proposed": PALETTE[1],
    "agreed": PALETTE[4],
    "in_progress": PALETTE[0],
    "done": PALETTE[2],
    "dropped": MUTED,
}
STATUS_PATTERNS = {
    "proposed": "/",
    "agreed": ".",
    "in_progress": "x",
    "done": "",
    "dropped": "-",
}
OVERDUE_FLAG = "⚠ overdue"
LONG_PENDING_FLAG = f"long pending (> {LONG_PENDING_DAYS} days)"
HOVER_SOURCE = "Source: the press release of each meeting (listed under the chart)"


def flag_text(overdue: bool, long_pending: bool) -> str:
    """What makes an action stand out in the table: overdue, long pending, or nothing."""
    flags = [OVERDUE_FLAG] if overdue else []
    if long_pending:
        flags.append(LONG_PENDING_FLAG)
    return "; ".join(flags)


def actions_table(actions: pd.DataFrame) -> pd.DataFrame:
    """The follow-ups table as shown: one row per action, flags in words, its meeting id.

    `actions` as made by `followups_view` (Area: the action's own, else its meeting's areas).
    """
    return pd.DataFrame(
        {
            "Action": actions["description"].to_numpy(),
            "Partner": actions["partner"].to_numpy(),
            "Area": actions["areas"].to_numpy(),
            "Status": status_text(actions).to_numpy(),
            "Flag": [
                flag_text(bool(o), bool(p))
                for o, p in zip(actions["overdue"], actions["long_pending"], strict=True)
            ],
            "Owner": actions["owner"].fillna("not recorded").to_numpy(),
            "Raised": actions["raised"].dt.date.to_numpy(),
            "Due": actions["due"].dt.date.to_numpy(),
            "Age (days)": actions["age_days"].to_numpy(),
            "Meeting": actions["meeting_id"].to_numpy(),
            "Status as of": actions["status_as_of"].dt.date.to_numpy(),
        }
    )


def counts_by_country(actions: pd.DataFrame) -> pd.DataFrame:
    """Actions per partner and status (every status listed), partners with most actions first.

    `actions` as made by `followups_view` (iso3, partner, status).
    """
    if actions.empty:
        return pd.DataFrame(columns=["iso3", "partner", "status", "label", "actions"])
    grouped = actions.groupby(["iso3", "partner", "status"], dropna=False).size().rename("actions")
    partners = actions[["iso3", "partner"]].drop_duplicates()
    full_index = pd.MultiIndex.from_tuples(
        [
            (iso3, name, status)
            for iso3, name in partners.itertuples(index=False)
            for status in STATUS_ORDER
        ],
        names=["iso3", "partner", "status"],
    )
    table = grouped.reindex(full_index, fill_value=0).reset_index()
    table["label"] = table["status"].map(STATUS_LABELS)
    order = {status: i for i, status in enumerate(STATUS_ORDER)}
    table = table.assign(
        _total=table.groupby("iso3")["actions"].transform("sum"),
        _status=table["status"].map(order),
    ).sort_values(["_total", "partner", "_status"], ascending=[False, True, True])
    return table.drop(columns=["_total", "_status"]).reset_index(drop=True)


@cached_figure
def by_country_figure(
    counts: pd.DataFrame, *, title: str | None = None, source: str = ""
) -> go.Figure:
    """Stacked bars: actions per partner, one segment per status; customdata[0] is the iso3.

    `counts` as made by `counts_by_country`.
    """
    fig = go.Figure()
    partners = list(dict.fromkeys(counts["partner"]))
    for status in STATUS_ORDER:
        rows = counts[counts["status"] == status]
        fig.add_trace(
            go.Bar(
                x=rows["partner"],
                y=rows["actions"],
                name=STATUS_LABELS[status],
                marker={
                    "color": STATUS_COLOURS[status],
                    "pattern": {"shape": STATUS_PATTERNS[status], "fgcolor": "#1a1f1c"},
                    "line": {"color": "#1a1f1c", "width": 1},
                },
                customdata=rows[["iso3", "label"]].to_numpy(),
                hovertemplate=(
                    "<b>%{x}</b><br>%{customdata[1]}: %{y:,d} action(s)"
                    f"<br>{HOVER_SOURCE}<extra></extra>"
                ),
            )
        )
    apply_theme(fig, title=title, source=source)
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    fig.update_xaxes(categoryorder="array", categoryarray=partners, title_text=None)
    fig.update_yaxes(title_text="Follow-up actions", tickformat=",d", rangemode="tozero")
    return fig


@cached_figure
def by_status_figure(
    counts: pd.DataFrame, *, title: str | None = None, source: str = ""
) -> go.Figure:
    """Bars of actions per status, in workflow order. `counts` as made by `status_counts`."""
    fig = go.Figure(
        go.Bar(
            x=counts["label"],
            y=counts["actions"],
            marker={
                "color": [STATUS_COLOURS[s] for s in counts["status"]],
                "pattern": {
                    "shape": [STATUS_PATTERNS[s] for s in counts["status"]],
                    "fgcolor": "#1a1f1c",
                },
                "line": {"color": "#1a1f1c", "width": 1},
            },
            customdata=counts[["status"]].to_numpy(),
            hovertemplate=(
                f"<b>%{{x}}</b><br>%{{y:,d}} action(s)<br>{HOVER_SOURCE}<extra></extra>"
            ),
        )
    )
    apply_theme(fig, title=title, source=source)
    fig.update_xaxes(title_text=None)
    fig.update_yaxes(title_text="Follow-up actions", tickformat=",d", rangemode="tozero")
    return fig
