"""Overview charts: the map of partner countries coloured by meetings in the period."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.memo import cached_figure
from dashboard.charts.theme import SEQUENTIAL, apply_theme

# Plotly draws countries from ISO-3 codes; the EU has a code (EUU) but no outline.
NOT_ON_MAP = ("EUU",)


def partner_meeting_counts(partners: pd.DataFrame, meetings: pd.DataFrame) -> pd.DataFrame:
    """One row per partner country: meetings in `meetings` and the date of the latest one.

    `partners` has iso3 and name (the countries table); `meetings` has partner_iso3 and date.
    Partners without a map outline (the EU) are left out: they are not countries on the map.
    """
    on_map = partners[~partners["iso3"].isin(NOT_ON_MAP)]
    per_country = meetings.groupby("partner_iso3", as_index=False).agg(
        meetings=("date", "size"), latest=("date", "max")
    )
    table = pd.DataFrame({"iso3": on_map["iso3"].to_numpy(), "country": on_map["name"].to_numpy()})
    table = table.merge(per_country, left_on="iso3", right_on="partner_iso3", how="left")
    table["meetings"] = table["meetings"].fillna(0).astype(int)
    table["latest_meeting"] = (
        pd.to_datetime(table["latest"]).dt.strftime("%Y-%m-%d").fillna("none in the period")
    )
    table = table[["iso3", "country", "meetings", "latest_meeting"]]
    return table.sort_values(["meetings", "country"], ascending=[False, True]).reset_index(
        drop=True
    )


@cached_figure
def partner_map(
    partners_with_counts: pd.DataFrame, *, title: str = "Partner countries", source: str = ""
) -> go.Figure:
    """Choropleth of partner countries (ISO-3), coloured by the number of meetings.

    `partners_with_counts` as made by `partner_meeting_counts`: iso3, country, meetings,
    latest_meeting.
    """
    frame = partners_with_counts
    fig = go.Figure(
        go.Choropleth(
            locations=frame["iso3"],
            locationmode="ISO-3",
            z=frame["meetings"],
            zmin=0,
            zmax=max(int(frame["meetings"].max()) if not frame.empty else 0, 1),
            colorscale=[[i / (len(SEQUENTIAL) - 1), c] for i, c in enumerate(SEQUENTIAL)],
            marker_line_color="#5b6570",
            marker_line_width=0.6,
            # Below the map, so on a phone the map keeps the full width.
            colorbar={
                "title": {"text": "Meetings", "side": "top"},
                "tickformat": ",d",
                "dtick": 1,
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 0,
                "yanchor": "top",
                "len": 0.5,
                "thickness": 14,
            },
            customdata=frame[["country", "latest_meeting"]].to_numpy(),
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>Meetings: %{z:,d}<br>"
                "Latest meeting: %{customdata[1]}<br>Source: meeting records<extra></extra>"
            ),
        )
    )
    fig.update_geos(
        showframe=False,
        showcountries=True,
        countrycolor="#d0d5da",
        showcoastlines=False,
        landcolor="#f2f4f3",
        showland=True,
        projection_type="natural earth",
        lataxis_range=[-10, 75],
        lonaxis_range=[-30, 150],
    )
    fig.update_layout(height=520, dragmode=False)
    return apply_theme(fig, title=title, source=source)
