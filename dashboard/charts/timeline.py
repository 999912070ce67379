"""Meetings timeline: every event on a date axis, one lane per partner, marked by type.

Type is carried by marker symbol as well as colour, so the chart reads without colour vision.
Upcoming events (after "today") are drawn hollow, and a dashed line marks today.
"""

from __future__ import annotations

import textwrap
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.memo import cached_figure
from dashboard.charts.theme import PALETTE, apply_theme

EVENT_LABELS = {
    "meeting": "Meeting",
    "visit": "Visit",
    "mou_signed": "MoU signed",
    "mou_proposed": "MoU proposed",
    "agreement": "Agreement",
    "forum": "Forum",
    "joint_commission": "Joint commission",
    "inauguration": "Inauguration",
    "launch": "Launch",
}
# Filled symbols for past events; upcoming ones use the "-open" variant of the same symbol.
EVENT_SYMBOLS = {
    "meeting": "circle",
    "visit": "diamond",
    "mou_signed": "square",
    "mou_proposed": "square-x",
    "agreement": "pentagon",
    "forum": "star",
    "joint_commission": "hexagon",
    "inauguration": "triangle-up",
    "launch": "triangle-down",
}
EVENT_COLOURS = {
    "meeting": PALETTE[0],
    "visit": PALETTE[1],
    "mou_signed": PALETTE[2],
    "mou_proposed": PALETTE[3],
    "agreement": PALETTE[4],
    "forum": PALETTE[5],
    "joint_commission": PALETTE[6],
    "inauguration": PALETTE[7],
    "launch": PALETTE[2],
}
OTHER_SYMBOL = "circle-dot"
OUTLINE = "#1a1f1c"
PRECISION_NOTES = {
    "reported": "reported date: the day of the source's report, the event may be a day earlier",
    "approximate": "approximate date",
}
HOVER_WRAP = 60


def date_text(start: pd.Timestamp, precision: str | None, end: pd.Timestamp | None = None) -> str:
    """An event's date in words, saying how exact it is (reported, approximate, a range)."""
    text = start.strftime("%Y-%m-%d")
    if end is not None and not pd.isna(end) and end != start:
        text += " to " + end.strftime("%Y-%m-%d")
    note = PRECISION_NOTES.get(str(precision)) if isinstance(precision, str) else None
    return f"{text} ({note})" if note else text


def _hover_safe(value: object, width: int = HOVER_WRAP) -> str:
    """Data text for a plotly hover label, long lines wrapped (escaped by `text_only`)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    lines = textwrap.wrap(str(value), width) or [""]
    return "<br>".join(lines)


def _lane_order(meetings: pd.DataFrame) -> list[str]:
    """Partner lanes alphabetically from the top (plotly draws categories bottom-up)."""
    return sorted(meetings["partner"].dropna().unique(), reverse=True)


def event_rows(meetings: pd.DataFrame, today: date) -> pd.DataFrame:
    """The timeline's points: one row per event with its hover text and upcoming flag.

    `meetings` as made by `meetings_view` (meeting_id, date, date_precision, end_date,
    partner, event_type, title, location; optional `source` with the source's publisher).
    """
    frame = meetings.copy()
    frame["upcoming"] = frame["date"] > pd.Timestamp(today)
    frame["when"] = [
        date_text(start, precision, end)
        for start, precision, end in zip(
            frame["date"], frame["date_precision"], frame["end_date"], strict=True
        )
    ]
    frame["type_label"] = frame["event_type"].map(EVENT_LABELS).fillna(frame["event_type"])
    if "source" not in frame:
        frame["source"] = ""
    return frame


def _custom_columns(frame: pd.DataFrame) -> list[list[str]]:
    """customdata per point: meeting_id first (chart selections read it), then hover text."""
    return [
        [
            row.meeting_id,
            _hover_safe(row.title),
            _hover_safe(row.partner),
            _hover_safe(row.when),
            _hover_safe(row.type_label),
            _hover_safe(row.location),
            _hover_safe(row.source),
            "Upcoming<br>" if row.upcoming else "",
        ]
        for row in frame.itertuples()
    ]


HOVER_TEMPLATE = (
    "<b>%{customdata[1]}</b><br>"
    "%{customdata[7]}"
    "Partner: %{customdata[2]}<br>"
    "Type: %{customdata[4]}<br>"
    "Date: %{customdata[3]}<br>"
    "Place: %{customdata[5]}<br>"
    "Source: %{customdata[6]}"
    "<extra></extra>"
)


@cached_figure
def timeline_figure(
    meetings: pd.DataFrame, today: date, *, title: str | None = None, source: str = ""
) -> go.Figure:
    """Events on a date axis, one lane per partner; symbol and colour by event type.

    Each point's customdata[0] is its meeting_id. Range events get a line from date to
    end_date; upcoming events are hollow; a dashed vertical line marks `today`.
    """
    frame = event_rows(meetings, today)
    fig = go.Figure()
    types = [t for t in EVENT_LABELS if t in set(frame["event_type"])]
    types += sorted(set(frame["event_type"].dropna()) - set(types))
    for event_type in types:
        of_type = frame[frame["event_type"] == event_type]
        label = EVENT_LABELS.get(event_type, str(event_type))
        colour = EVENT_COLOURS.get(event_type, PALETTE[7])
        symbol = EVENT_SYMBOLS.get(event_type, OTHER_SYMBOL)
        ranged = of_type[of_type["end_date"].notna()]
        if not ranged.empty:
            xs: list = []
            ys: list = []
            for row in ranged.itertuples():
                xs += [row.date, row.end_date, None]
                ys += [row.partner, row.partner, None]
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line={"color": colour, "width": 6},
                    name=f"{label} (duration)",
                    legendgroup=event_type,
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        for upcoming in (False, True):
            points = of_type[of_type["upcoming"] == upcoming]
            if points.empty:
                continue
            fig.add_trace(
                go.Scatter(
                    x=points["date"],
                    y=points["partner"],
                    mode="markers",
                    name=f"{label} (upcoming)" if upcoming else label,
                    legendgroup=event_type,
                    showlegend=not upcoming,
                    marker={
                        "symbol": f"{symbol}-open" if upcoming else symbol,
                        "size": 16,
                        "color": colour,
                        "line": {"color": colour if upcoming else OUTLINE, "width": 2},
                    },
                    customdata=_custom_columns(points),
                    hovertemplate=HOVER_TEMPLATE,
                )
            )
    if frame["upcoming"].any():
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name="Upcoming (hollow)",
                marker={"symbol": "circle-open", "size": 16, "color": OUTLINE},
                hoverinfo="skip",
            )
        )
    _mark_today(fig, today)
    lanes = _lane_order(frame)
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=lanes,
        title_text=None,
        showgrid=True,
    )
    fig.update_xaxes(
        type="date",
        title_text=None,
        rangeselector={
            "buttons": [
                {"count": 6, "label": "6 months", "step": "month", "stepmode": "backward"},
                {"count": 1, "label": "1 year", "step": "year", "stepmode": "backward"},
                {"step": "all", "label": "All"},
            ],
            "y": 1.02,
            "yanchor": "bottom",
        },
    )
    apply_theme(fig, title=title, source=source)
    fig.update_layout(
        height=max(340, 170 + 46 * len(lanes)),
        hovermode="closest",
        hoverlabel={"align": "left"},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0},
        margin={"l": 150, "t": 80},
        meta={"lanes": lanes},
    )
    return fig


def _mark_today(fig: go.Figure, today: date) -> None:
    """A dashed vertical line at today, labelled; events to its right are upcoming."""
    day = pd.Timestamp(today)
    fig.add_shape(
        type="line",
        x0=day,
        x1=day,
        xref="x",
        y0=0,
        y1=1,
        yref="paper",
        line={"color": "#5b6570", "width": 2, "dash": "dash"},
        name="today",
    )
    fig.add_annotation(
        x=day,
        y=1,
        xref="x",
        yref="paper",
        text=f"Today {day:%Y-%m-%d}",
        showarrow=False,
        yanchor="bottom",
        font={"size": 13, "color": "#4a545e"},
    )
