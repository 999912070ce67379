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
REFERENCE_COLOUR = "#5b6570"
# A year's hover lists every line, so each line says only whose value it is.
LINE_HOVER = "<b>%{customdata[1]}</b>: %{customdata[2]}<extra></extra>"
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


LABEL_FONT_SIZE = 14
LABEL_GAP_PX = 18  # least vertical distance between two line-end labels
# The part of the figure's height that is plot area, to turn label gaps into data units.
PLOT_SHARE = 0.7


def _end_labels(ends: list[tuple[str, str, float, float]], height: int) -> list[dict]:
    """Annotations naming each coloured line at its last point, nudged apart vertically so
    close ends stay readable. `ends` holds (name, colour, last year, last value)."""
    if not ends:
        return []
    values = [value for *_, value in ends]
    span = (max(values) - min(values)) or abs(values[0]) or 1.0
    gap = span * LABEL_GAP_PX / (height * PLOT_SHARE)
    placed: list[float] = []
    notes = []
    for name, colour, year, value in sorted(ends, key=lambda end: end[3]):
        y = value if not placed or value - placed[-1] >= gap else placed[-1] + gap
        placed.append(y)
        notes.append(
            {
                "x": year,
                "y": y,
                "text": name,
                "xanchor": "left",
                "xshift": 6,
                "showarrow": False,
                "font": {"color": colour, "size": LABEL_FONT_SIZE},
            }
        )
    return notes


@cached_figure
def trend_lines(
    series: pd.DataFrame,
    references: pd.DataFrame | None = None,
    *,
    title: str,
    unit: str,
    highlighted: tuple[str, ...] = (),
    home_iso3: str = HOME_ISO3,
) -> go.Figure:
    """One line per country over the years: Pakistan and the `highlighted` countries in
    colour and named at their line's end, the others grey (as Our World in Data draws them);
    aggregates dashed. Hovering a year lists every country's value."""
    height = 520
    fig = go.Figure()
    ends: list[tuple[str, str, float, float]] = []
    coloured = 0
    # Grey lines first, so the coloured ones are drawn over them.
    groups = sorted(
        series.groupby("iso3", sort=False),
        key=lambda group: group[0] == home_iso3 or group[0] in highlighted,
    )
    for iso3, rows in groups:
        rows = rows.sort_values("year")
        name = str(rows["country"].iloc[0])
        if iso3 == home_iso3:
            colour, width = PAKISTAN_COLOUR, 5
        elif iso3 in highlighted:
            colour, width = OTHER_COLOURS[coloured % len(OTHER_COLOURS)], 3
            coloured += 1
        else:
            colour, width = MUTED, 1.5
        if colour != MUTED:
            last = rows.iloc[-1]
            ends.append((name, colour, int(last["year"]), float(last["value"])))
        fig.add_trace(
            go.Scatter(
                x=rows["year"].astype(int).tolist(),
                y=rows["value"].tolist(),
                name=name,
                mode="lines+markers" if colour != MUTED else "lines",
                line={"color": colour, "width": width},
                marker={"size": 7 if iso3 == home_iso3 else 5},
                customdata=_customdata(rows),
                hovertemplate=LINE_HOVER,
            )
        )
    if references is not None:
        for i, (_, rows) in enumerate(references.groupby("iso3", sort=False)):
            rows = rows.sort_values("year")
            colour = REFERENCE_COLOUR
            last = rows.iloc[-1]
            ends.append((str(last["country"]), colour, int(last["year"]), float(last["value"])))
            fig.add_trace(
                go.Scatter(
                    x=rows["year"].astype(int).tolist(),
                    y=rows["value"].tolist(),
                    name=f"{rows['country'].iloc[0]} (reference)",
                    mode="lines",
                    line={
                        "color": colour,
                        "width": 2,
                        "dash": REFERENCE_DASHES[i % len(REFERENCE_DASHES)],
                    },
                    customdata=_customdata(rows),
                    hovertemplate=LINE_HOVER,
                )
            )
    longest = max((len(name) for name, *_ in ends), default=0)
    fig.update_layout(
        hovermode="x unified",
        height=height,
        showlegend=False,
        annotations=_end_labels(ends, height),
        # Room on the right for the names at the lines' ends.
        margin={"r": 16 + int(longest * LABEL_FONT_SIZE * 0.6)},
    )
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
