"""What the current page has shown so far in this run, for its exports and slides."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

from dashboard.export.model import View, ViewItem
from dashboard.ui.state import VIEW_STATE


def current_view() -> View | None:
    """The charts and tables the current page has shown so far in this run."""
    return st.session_state.get(VIEW_STATE)


def record(item: ViewItem) -> None:
    view = current_view()
    if view is not None:
        view.items.append(item)


def record_table(
    title: str, frame: pd.DataFrame, source: str, source_ids: Iterable[str] = ()
) -> None:
    """A table the page lays out itself (not through `display.show_table`): it is still a
    sheet of the view's workbook, so every table a page shows can be downloaded with it."""
    record(ViewItem(title, frame, source, None, list(source_ids)))
