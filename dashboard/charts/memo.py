"""Figures built once per process: a chart function given the same frame and arguments
returns the figure it built before.

Chart functions are pure, and building a plotly figure is slow (every property is validated:
about 10 ms of template copying per figure, and more per trace), so a rerun that draws the
same view again, in this session or another, reuses the figure instead of rebuilding it.
Callers must not change a figure they get; copy it (``go.Figure(fig)``) to change it.
Every figure's data text is escaped here (`safe_text.text_only`), so markup in data is shown
as text in every chart. Figures are built one at a time (`theme.FIGURE_LOCK`).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

from dashboard.charts.safe_text import text_only
from dashboard.charts.theme import FIGURE_LOCK

FIGURES_KEPT = 256
F = TypeVar("F", bound=Callable[..., object])

_figures: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _fingerprint(value: object) -> object:
    """A hashable stand-in for an argument: a frame by its content, containers by theirs."""
    if isinstance(value, pd.DataFrame):
        content = int(pd.util.hash_pandas_object(value, index=True).sum()) if len(value) else 0
        return ("frame", tuple(map(str, value.columns)), tuple(map(str, value.dtypes)), content)
    if isinstance(value, pd.Series):
        return _fingerprint(value.to_frame())
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _fingerprint(v)) for k, v in value.items())))
    if isinstance(value, list | tuple | set | frozenset):
        return (type(value).__name__, tuple(_fingerprint(v) for v in value))
    return value


def cached_figure(fn: F) -> F:
    """Decorator for chart functions: same inputs, same (shared) figure."""

    @functools.wraps(fn)
    def cached(*args: object, **kwargs: object) -> object:
        key = (
            fn.__module__,
            fn.__qualname__,
            tuple(_fingerprint(a) for a in args),
            tuple(sorted((k, _fingerprint(v)) for k, v in kwargs.items())),
        )
        with _lock:
            if key in _figures:
                _figures.move_to_end(key)
                return _figures[key]
        with FIGURE_LOCK:
            figure = text_only(fn(*args, **kwargs))
        with _lock:
            _figures[key] = figure
            while len(_figures) > FIGURES_KEPT:
                _figures.popitem(last=False)
        return figure

    return cached  # type: ignore[return-value]
