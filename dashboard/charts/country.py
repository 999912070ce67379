"""Country profile charts: indicator trends next to Pakistan, latest-year ranking, tech hubs.

Used by the country page and by the PDF brief, so every figure carries its title and source.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.memo import cached_figure
from dashboard.charts.theme import (
    HIGHLIGHT,
    PAKISTAN_COLOUR,
    PALETTE,
    apply_theme,
    axis_format,
    format_value,
)

# Pakistan always has its own colour; the other countries take the rest of the palette.
OTHER_COLOURS = tuple(c for c in PALETTE if c != PAKISTAN_COLOUR)


def _source_text(frame: pd.DataFrame) -> pd.Series:
    """Per-row source for hover: a readable `source` column if present, else the source id."""
    column = "source" if "source" in frame else "source_id"
    return frame[column].astype("string").fillna("not recorded")


def _hover_rows(frame: pd.DataFrame) -> list[list[str]]:
    """customdata rows: country, formatted value, unit, year, source."""
    return [
        [country, format_value(value, unit), unit, str(year), source]
        for country, value, unit, year, source in zip(
            frame["country"],
            frame["value"],
            frame["unit"].fillna(""),
            frame["year"],
            _source_text(frame),
            strict=True,
        )
    ]


HOVER = (
    "<b>%{customdata[0]}</b><br>%{customdata[3]}: %{customdata[1]}<br>"
    "Unit: %{customdata[2]}<br>Source: %{customdata[4]}<extra></extra>"
)


def _first(frame: pd.DataFrame, column: str, default: str = "") -> str:
    values = frame[column].dropna()
    return str(values.iloc[0]) if not values.empty else default


@cached_figure
def indicator_trend(
    profile_indicators: pd.DataFrame,
    indicator_code: str,
    home_iso3: str = "PAK",
    *,
    source: str = "",
) -> go.Figure:
    """One line per country for one indicator; Pakistan (`home_iso3`) in its own colour.

    `profile_indicators` is `CountryProfile.indicators` (long: iso3, country, indicator_code,
    indicator, unit, year, value, source_id).
    """
    rows = profile_indicators[profile_indicators["indicator_code"] == indicator_code]
    unit = _first(rows, "unit")
    fig = go.Figure()
    others = iter(OTHER_COLOURS * 3)
    for iso3, series in rows.groupby("iso3", sort=False):
        series = series.sort_values("year")
        is_home = iso3 == home_iso3
        colour = PAKISTAN_COLOUR if is_home else next(others)
        fig.add_trace(
            go.Scatter(
                x=series["year"].astype(int),
                y=series["value"],
                name=_first(series, "country", str(iso3)),
                mode="lines+markers",
                line={"color": colour, "width": 4 if is_home else 2.5},
                marker={"size": 6},
                customdata=_hover_rows(series),
                hovertemplate=HOVER,
            )
        )
    fig.update_layout(hovermode="closest", height=440)
    fig.update_xaxes(title_text="Year", tickformat="d")
    fig.update_yaxes(title_text=unit, **axis_format(unit))
    return apply_theme(fig, title=_first(rows, "indicator", indicator_code), source=source)


@cached_figure
def latest_comparison(
    latest: pd.DataFrame, indicator_code: str, home_iso3: str = "PAK", *, source: str = ""
) -> go.Figure:
    """Horizontal bars of each country's latest value, labelled with value and year."""
    rows = latest[latest["indicator_code"] == indicator_code].sort_values("value")
    unit = _first(rows, "unit")
    labels = [
        f"{format_value(v, unit)} ({y})" for v, y in zip(rows["value"], rows["year"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=rows["value"],
            y=rows["country"],
            orientation="h",
            marker_color=[PAKISTAN_COLOUR if c == home_iso3 else HIGHLIGHT for c in rows["iso3"]],
            text=labels,
            textposition="auto",
            customdata=_hover_rows(rows),
            hovertemplate=HOVER,
        )
    )
    fig.update_layout(height=max(260, 110 + 60 * len(rows)), showlegend=False)
    fig.update_xaxes(title_text=unit, **axis_format(unit))
    title = f"{_first(rows, 'indicator', indicator_code)} — latest year"
    return apply_theme(fig, title=title, source=source)


@cached_figure
def hubs_map(hubs: pd.DataFrame, *, title: str = "Tech hubs", source: str = "") -> go.Figure:
    """Tech hubs as points on a map (lat/lon), hover: city, kind and source."""
    fig = go.Figure(
        go.Scattergeo(
            lat=hubs["lat"],
            lon=hubs["lon"],
            mode="markers+text",
            text=hubs["city"],
            textposition="top center",
            textfont={"size": 14},
            marker={"size": 14, "color": HIGHLIGHT, "line": {"color": "#ffffff", "width": 1.5}},
            customdata=[
                [city, kind, src]
                for city, kind, src in zip(
                    hubs["city"], hubs["kind"].fillna(""), _source_text(hubs), strict=True
                )
            ],
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>"
                "Lat %{lat:.2f}, lon %{lon:.2f}<br>Source: %{customdata[2]}<extra></extra>"
            ),
        )
    )
    fig.update_geos(
        fitbounds="locations",
        showcountries=True,
        countrycolor="#9aa3ab",
        showland=True,
        landcolor="#f2f4f3",
        showframe=False,
        projection_type="mercator",
    )
    fig.update_layout(height=460, showlegend=False)
    return apply_theme(fig, title=title, source=source)
