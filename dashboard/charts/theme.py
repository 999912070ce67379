"""The one plotly theme of the app, applied in one place.

Colour-blind-safe palette (Okabe & Ito), type legible from the back of a room, one number
format per unit, and the source line that every chart carries.
"""

from __future__ import annotations

import math
import textwrap
import threading
from collections import OrderedDict

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE_NAME = "ministry"
# Okabe & Ito (2008), "Color Universal Design": distinguishable with the common colour-vision
# deficiencies.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
HIGHLIGHT = "#0072B2"
MUTED = "#B8BFC7"
PAKISTAN_COLOUR = "#009E73"
SEQUENTIAL = ("#F7FBFF", "#C6DBEF", "#6BAED6", "#2171B5", "#08306B")
FONT_FAMILY = "Noto Sans, DejaVu Sans, Liberation Sans, Arial, sans-serif"
BASE_FONT_SIZE = 16
SOURCE_FONT_SIZE = 12
SOURCE_ANNOTATION = "source"  # the name of the source line's annotation
SOURCE_WRAP_CHARS = 120  # a source line longer than this is wrapped, not cut at the edge
SOURCE_LINE_PX = 16
# Plotly objects are not safe to build from two threads at once: properties are created on
# first use (plotly.py #3441) and its validator cache changes shared dicts as it fills. Pages
# and the background builder of partner pages (`charts.country_page`) build figures under it.
FIGURE_LOCK = threading.RLock()


def _register() -> None:
    template = go.layout.Template()
    template.layout = go.Layout(
        font={"family": FONT_FAMILY, "size": BASE_FONT_SIZE, "color": "#1a1f1c"},
        title={"font": {"size": 22}, "x": 0, "xanchor": "left"},
        colorway=list(PALETTE),
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        hoverlabel={"font": {"size": 15, "family": FONT_FAMILY}},
        legend={"font": {"size": 15}, "orientation": "h", "y": -0.18, "x": 0},
        margin={"l": 60, "r": 24, "t": 56, "b": 96},
        xaxis={"showgrid": False, "linecolor": "#5b6570", "ticks": "outside", "automargin": True},
        yaxis={"gridcolor": "#e3e7ea", "zerolinecolor": "#9aa3ab", "automargin": True},
        colorscale={"sequential": [[i / 4, c] for i, c in enumerate(SEQUENTIAL)]},
    )
    pio.templates[TEMPLATE_NAME] = template


_register()


def apply_theme(fig: go.Figure, *, title: str | None = None, source: str = "") -> go.Figure:
    """Give `fig` the app's look and put its source line under the plot."""
    fig.update_layout(template=TEMPLATE_NAME)
    if title is not None:
        fig.update_layout(title_text=title)
    if source:
        lines = textwrap.wrap(source, SOURCE_WRAP_CHARS) or [source]
        if len(lines) > 1:
            bottom = fig.layout.margin.b or pio.templates[TEMPLATE_NAME].layout.margin.b
            fig.update_layout(margin_b=bottom + SOURCE_LINE_PX * (len(lines) - 1))
        fig.add_annotation(
            name=SOURCE_ANNOTATION,
            text="<br>".join(lines),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            yshift=-80,
            xanchor="left",
            yanchor="top",
            showarrow=False,
            align="left",
            font={"size": SOURCE_FONT_SIZE, "color": "#4a545e"},
        )
    return fig


SCREEN_TOP_MARGIN = 60  # the mode bar (top 30 px) above labels drawn over the plot (timeline)
_SCREEN_KEPT = 256
_screen_figures: OrderedDict[int, tuple[go.Figure, go.Figure]] = OrderedDict()
_screen_lock = threading.Lock()


def for_screen(fig: go.Figure) -> go.Figure:
    """`fig` as a page draws it: without its title and source line, which the page shows as
    a heading and a caption (HTML text wraps at any width, SVG text does not), and with room
    above the plot for the mode bar. Exports and slides keep the original.

    Figures are shared (see `charts.memo`), so the copy is kept per figure object.
    """
    with _screen_lock:
        kept = _screen_figures.get(id(fig))
        if kept is not None and kept[0] is fig:
            _screen_figures.move_to_end(id(fig))
            return kept[1]
    with FIGURE_LOCK:
        screen = go.Figure(fig)
        screen.layout.annotations = [
            note for note in screen.layout.annotations if note.name != SOURCE_ANNOTATION
        ]
        margin_bottom = fig.layout.margin.b
        screen.update_layout(
            title_text=None,
            margin={
                "t": SCREEN_TOP_MARGIN,
                # The template's bottom margin holds the source line, which is not drawn here.
                "b": 40 if margin_bottom is None else margin_bottom,
            },
        )
    with _screen_lock:
        _screen_figures[id(fig)] = (fig, screen)
        while len(_screen_figures) > _SCREEN_KEPT:
            _screen_figures.popitem(last=False)
    return screen


def format_value(value: float | None, unit: str = "") -> str:
    """One number format per unit: EUR bn, US$ bn, %, counts with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    unit_l = unit.lower()
    if unit_l in {"eur m", "eur million", "€ m"}:
        return f"€{value / 1000:,.1f} bn" if abs(value) >= 1000 else f"€{value:,.0f} m"
    if "us$" in unit_l or "usd" in unit_l:
        if abs(value) >= 1e9:
            return f"US${value / 1e9:,.2f} bn"
        if abs(value) >= 1e6:
            return f"US${value / 1e6:,.1f} m"
        return f"US${value:,.0f}"
    if unit_l.startswith("%"):
        return f"{value:,.2f}%" if abs(value) < 10 else f"{value:,.1f}%"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 100 else f"{value:,.2f}"


def axis_format(unit: str) -> dict[str, str]:
    """Plotly tick format and suffix for an axis showing `unit`."""
    unit_l = unit.lower()
    if "us$" in unit_l or "usd" in unit_l:
        return {"tickprefix": "US$", "tickformat": "~s"}
    if unit_l.startswith("%"):
        return {"ticksuffix": "%", "tickformat": ",.2~f"}
    return {"tickformat": ",~s"}
