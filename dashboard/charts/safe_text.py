"""Data text in a figure is shown as text.

Plotly draws a small HTML subset in every label, tick, legend, title and hover text (`<a href>`
becomes a live link to another site, `<span style>` restyles). Chart functions put data into
figures; `text_only` escapes every string in the places that carry data, once, where every
figure is built (`charts.memo.cached_figure`). Markup the charts mean lives in hover and text
templates, which are left alone; a plain `<br>` line break in data text is kept.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go

# Trace properties that carry data (templates such as hovertemplate are the chart's own markup).
_TRACE_TEXT = (
    "x",
    "y",
    "z",
    "text",
    "hovertext",
    "labels",
    "parents",
    "ids",
    "customdata",
    "name",
    "locations",
    "legendgroup",
)
_AXIS_TEXT = ("categoryarray", "ticktext")
_LINE_BREAK = html.escape("<br>")


def _escape(value: object) -> object:
    if isinstance(value, str):
        return html.escape(value, quote=False).replace(_LINE_BREAK, "<br>")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "OUS":
            return np.vectorize(_escape, otypes=[object])(value) if value.size else value
        return value
    if isinstance(value, list | tuple):
        return type(value)(_escape(v) for v in value)
    return value


def text_only(fig: go.Figure) -> go.Figure:
    """`fig` with every data string escaped, so plotly shows markup in it literally."""
    for trace in fig.data:
        for prop in _TRACE_TEXT:
            if prop in trace and trace[prop] is not None:
                trace[prop] = _escape(trace[prop])
    layout = fig.layout
    if layout.title.text:
        layout.title.text = _escape(layout.title.text)
    for annotation in layout.annotations:
        if annotation.text:
            annotation.text = _escape(annotation.text)
    axes = [name for name in layout.to_plotly_json() if name.startswith(("xaxis", "yaxis"))]
    for axis_name in axes:
        axis = layout[axis_name]
        if axis.title.text:
            axis.title.text = _escape(axis.title.text)
        for prop in _AXIS_TEXT:
            if axis[prop] is not None:
                axis[prop] = _escape(axis[prop])
    return fig
