"""What the current page has shown so far in this run, for its exports and slides."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from typing import ParamSpec

import pandas as pd
import streamlit as st

from dashboard.export.model import View, ViewItem
from dashboard.ui.present import presenting
from dashboard.ui.state import VIEW_PARTS_STATE, VIEW_STATE

P = ParamSpec("P")

# True while the page runs code for a tab that is not open. A context variable, so each
# session's script thread has its own.
_OUT_OF_SIGHT: ContextVar[bool] = ContextVar("out_of_sight", default=False)


def current_view() -> View | None:
    """The charts and tables the current page has shown so far in this run."""
    return st.session_state.get(VIEW_STATE)


@dataclass
class PageParts:
    """Which view items each part of the page recorded in its last run, and the part running
    now (its items go where its last ones were)."""

    recorded: dict[str, list[int]] = field(default_factory=dict)  # item ids by part name
    running: str | None = None
    position: int = 0  # where the running part's next item goes in the view


def drawn() -> bool:
    """Whether charts and tables shown now are drawn on the page; when not (presentation mode,
    a tab that is not open) they are only recorded for the view's exports and slides."""
    return not presenting() and not _OUT_OF_SIGHT.get()


@contextmanager
def out_of_sight() -> Iterator[None]:
    """Run the code of a tab that is not open: its charts and tables are recorded, so the
    view's workbook and deck stay whole, but nothing is drawn or sent to the browser."""
    token = _OUT_OF_SIGHT.set(True)
    try:
        yield
    finally:
        _OUT_OF_SIGHT.reset(token)


def record(item: ViewItem) -> None:
    view = current_view()
    if view is None:
        return
    parts: PageParts | None = st.session_state.get(VIEW_PARTS_STATE)
    if parts is None or parts.running is None:
        view.items.append(item)
        return
    view.items.insert(parts.position, item)
    parts.position += 1
    parts.recorded[parts.running].append(id(item))


def record_table(
    title: str, frame: pd.DataFrame, source: str, source_ids: Iterable[str] = ()
) -> None:
    """A table the page lays out itself (not through `display.show_table`): it is still a
    sheet of the view's workbook, so every table a page shows can be downloaded with it."""
    record(ViewItem(title, frame, source, None, list(source_ids)))


def page_part(name: str) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Decorator: the function draws a part of the page that reruns on its own when one of its
    widgets changes (`st.fragment`), so a picker inside it redraws that part only. The charts
    and tables it records replace, in place, those it recorded before in the view's exports.
    In presentation mode the part runs as plain code: slides are built from a full run."""

    def decorate(draw: Callable[P, None]) -> Callable[P, None]:
        def recorded(*args: P.args, **kwargs: P.kwargs) -> None:
            view = current_view()
            parts = st.session_state.setdefault(VIEW_PARTS_STATE, PageParts())
            previous = set(parts.recorded.get(name, ()))
            items = view.items if view is not None else []
            at = [i for i, item in enumerate(items) if id(item) in previous]
            items[:] = [item for item in items if id(item) not in previous]
            parts.recorded[name] = []
            parts.running, parts.position = name, at[0] if at else len(items)
            try:
                draw(*args, **kwargs)
            finally:
                parts.running = None

        fragment = st.fragment(recorded)

        @wraps(draw)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            (recorded if presenting() else fragment)(*args, **kwargs)

        return run

    return decorate
