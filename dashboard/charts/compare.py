"""Compare charts: one indicator's trend per country and the latest-year ranking.

Both take the long frames of `dashboard.datasets.compare` (iso3, country, year, value, unit,
source). Pakistan is always drawn in its own colour.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.memo import cached_figure
from dashboard.charts.theme import (
    HIGHLIGHT,
    MUTED,
    PAKISTAN_COLOUR,
    PALETTE,
    apply_theme,
    axis_format,
    format_value,
)

HOME_ISO3 = "PAK"
OTHER_COLOURS = tuple(c for c in PALETTE if c != PAKISTAN_COLOUR)
REFERENCE_DASHES = ("dash", "dot", "dashdot", "longdash")
HOVER = (
    "<b>%{customdata[1]}</b><br>Year: %{customdata[3]}<br>Value: %{customdata[2]}<br>"
    "Unit: %{customdata[4]}<br>Source: %{customdata[5]}<extra></extra>"
)


def _customdata(frame: pd.DataFrame) -> list[list[str]]:
    """Per point: iso3, country, formatted value, year, unit, source (see HOVER)."""
    units = frame["unit"].astype("string").fillna("")
    sources = frame["source"].astype("string").fillna("not recorded")
    return [
        [iso3, country, format_value(value, unit), str(year), unit, source]
        for iso3, country, value, year, unit, source in zip(
            frame["iso3"],
            frame["country"],
            frame["value"],
            frame["year"],
            units,
            sources,
            strict=True,
        )
    ]


@cached_figure
def trend_lines(
    series: pd.DataFrame,
    references: pd.DataFrame | None = None,
    *,
    title: str,
    unit: str,
    home_iso3: str = HOME_ISO3,
) -> go.Figure:
    """One line per country over the years (Pakistan highlighted), aggregates dashed."""
    fig = go.Figure()
    others = 0
    for iso3, rows in series.groupby("iso3", sort=False):
        is_home = iso3 == home_iso3
        colour = PAKISTAN_COLOUR if is_home else OTHER_COLOURS[others % len(OTHER_COLOURS)]
        others += 0 if is_home else 1
        fig.add_trace(
            go.Scatter(
                x=rows["year"].astype(int).tolist(),
                y=rows["value"].tolist(),
                name=str(rows["country"].iloc[0]),
                mode="lines+markers",
                line={"color": colour, "width": 5 if is_home else 2},
                marker={"size": 8 if is_home else 5},
                customdata=_customdata(rows),
                hovertemplate=HOVER,
            )
        )
    if references is not None:
        for i, (_, rows) in enumerate(references.groupby("iso3", sort=False)):
            fig.add_trace(
                go.Scatter(
                    x=rows["year"].astype(int).tolist(),
                    y=rows["value"].tolist(),
                    name=f"{rows['country'].iloc[0]} (reference)",
                    mode="lines",
                    line={
                        "color": "#5b6570" if i == 0 else MUTED,
                        "width": 2,
                        "dash": REFERENCE_DASHES[i % len(REFERENCE_DASHES)],
                    },
                    customdata=_customdata(rows),
                    hovertemplate=HOVER,
                )
            )
    fig.update_layout(hovermode="closest", height=520)
    fig.update_xaxes(title_text="Year", tickformat="d")
    fig.update_yaxes(title_text=unit, **axis_format(unit))
    return apply_theme(fig, title=title)


@cached_figure
def latest_ranking(
    latest: pd.DataFrame, *, title: str, unit: str, home_iso3: str = HOME_ISO3
) -> go.Figure:
    """Horizontal bars of each country's latest value, highest on top; the year on each bar.

    customdata[0] is the country's ISO3 code, so a selected bar names its country.
    """
    ordered = latest.iloc[::-1]
    labels = [
        f"{format_value(value, unit)} ({year})"
        for value, year in zip(ordered["value"], ordered["year"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=ordered["value"].tolist(),
            y=ordered["country"].tolist(),
            orientation="h",
            marker_color=[
                PAKISTAN_COLOUR if iso3 == home_iso3 else HIGHLIGHT for iso3 in ordered["iso3"]
            ],
            text=labels,
            textposition="auto",
            customdata=_customdata(ordered),
            hovertemplate=HOVER,
        )
    )
    fig.update_layout(height=max(320, 90 + 38 * len(ordered)), showlegend=False)
    fig.update_xaxes(title_text=unit, **axis_format(unit))
    fig.update_yaxes(automargin=True, gridcolor="rgba(0,0,0,0)")
    return apply_theme(fig, title=title)
