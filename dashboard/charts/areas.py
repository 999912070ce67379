"""The country × cooperation area matrix, drawn as square markers on a category grid.

A scatter rather than a heatmap, because plotly selections (and so Streamlit's on_select)
work on scatter points and not on heatmap cells. Every point's customdata starts with
[iso3, area_id]; the "our priority" and "programmes" rows carry an empty iso3.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.memo import cached_figure
from dashboard.charts.theme import MUTED, PALETTE, SEQUENTIAL, apply_theme

# Short, so the row names fit beside the matrix on a phone; the page's caption and the hover
# say what they mean.
PRIORITY_ROW = "★ Our priority"
PROGRAMMES_ROW = "EU programmes"
CELL_HOVER = (
    "<b>%{customdata[2]} × %{customdata[3]}</b><br>Partner strength: %{customdata[4]} points"
    "<br>Expertise named by a source: %{customdata[5]}<br>Meetings that discussed it: "
    "%{customdata[6]}<br>Year of the latest meeting: %{customdata[7]}<br>"
    "Source: %{customdata[8]}<extra></extra>"
)
ROW_HEIGHT = 46
TITLE_ROOM = 72
LABEL_ROOM = 230
ROW_HOVER = "<b>%{customdata[3]}</b><br>%{customdata[4]}<br>Source: %{customdata[5]}<extra></extra>"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


@cached_figure
def area_matrix(
    matrix: pd.DataFrame,
    area_funding: pd.DataFrame,
    *,
    title: str,
    priority_source: str = "",
) -> go.Figure:
    """Cells coloured by partner strength, a star row for our priority areas and a row with
    the number of programmes funding each area.

    `area_funding` has one row per area: area_id, area, programmes (count), names, source.
    """
    countries = list(dict.fromkeys(matrix["country"]))
    areas = list(dict.fromkeys(matrix["area"]))
    rows = [PRIORITY_ROW, PROGRAMMES_ROW, *countries]
    top = max(int(matrix["score"].max()) if not matrix.empty else 0, 1)
    latest_years = [
        str(pd.Timestamp(d).year) if pd.notna(d) else "no meeting" for d in matrix["latest_meeting"]
    ]
    cells = go.Scatter(
        x=matrix["area"].tolist(),
        y=matrix["country"].tolist(),
        mode="markers+text",
        name="Partner strength",
        text=[str(s) if s > 0 else "" for s in matrix["score"]],
        textfont={"color": ["#ffffff" if s > top / 2 else "#1a1f1c" for s in matrix["score"]]},
        marker={
            "symbol": "square",
            "size": 34,
            "color": matrix["score"].astype(float).tolist(),
            "cmin": 0,
            "cmax": top,
            "colorscale": [[i / 4, c] for i, c in enumerate(SEQUENTIAL)],
            "line": {"color": MUTED, "width": 1},
            # Each cell shows its number, so no colour bar takes width from the matrix.
            "showscale": False,
        },
        customdata=[
            [iso3, area_id, country, area, int(score), _yes_no(exp), int(n), year, source]
            for iso3, area_id, country, area, score, exp, n, year, source in zip(
                matrix["iso3"],
                matrix["area_id"],
                matrix["country"],
                matrix["area"],
                matrix["score"],
                matrix["expertise"],
                matrix["meetings"],
                latest_years,
                matrix["source"],
                strict=True,
            )
        ],
        hovertemplate=CELL_HOVER,
    )
    priority = matrix.drop_duplicates("area_id")
    priority = priority[priority["in_founding_release"].to_numpy()]
    stars = go.Scatter(
        x=priority["area"].tolist(),
        y=[PRIORITY_ROW] * len(priority),
        mode="markers",
        name="Our priority",
        marker={"symbol": "star", "size": 20, "color": PALETTE[1]},
        customdata=[
            ["", area_id, "", area, "Named in the founding release of 2025-08-09", priority_source]
            for area_id, area in zip(priority["area_id"], priority["area"], strict=True)
        ],
        hovertemplate=ROW_HOVER,
    )
    funded = area_funding[area_funding["area"].isin(areas).to_numpy()]
    programmes = go.Scatter(
        x=funded["area"].tolist(),
        y=[PROGRAMMES_ROW] * len(funded),
        mode="markers+text",
        name="Programmes funding the area",
        text=[str(n) for n in funded["programmes"]],
        marker={"symbol": "square", "size": 30, "color": "#E8F3EE", "line": {"color": PALETTE[2]}},
        customdata=[
            ["", area_id, "", area, f"{n} programme(s) or part(s): {names}", source]
            for area_id, area, n, names, source in zip(
                funded["area_id"],
                funded["area"],
                funded["programmes"],
                funded["names"],
                funded["source"],
                strict=True,
            )
        ],
        hovertemplate=ROW_HOVER,
    )
    fig = go.Figure([cells, stars, programmes])
    # Fixed room for the title and the slanted area names, then one band per row.
    fig.update_layout(
        height=LABEL_ROOM + TITLE_ROOM + ROW_HEIGHT * len(rows),
        showlegend=False,
        hovermode="closest",
        margin={"l": 24, "r": 24, "t": TITLE_ROOM, "b": LABEL_ROOM},
    )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=areas,
        tickangle=-40,
        showgrid=False,
        automargin=False,
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=rows[::-1],
        showgrid=False,
        automargin=True,
    )
    return apply_theme(fig, title=title)
