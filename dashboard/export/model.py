"""What a view hands to the exporters: its charts and tables, each with its source line."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import reduce

import pandas as pd
import plotly.graph_objects as go

from dashboard.datasets.citations import SourceDates


@dataclass
class ViewItem:
    """One chart (with the data behind it) or one table, as the page shows it."""

    title: str
    data: pd.DataFrame
    source: str  # the one-line citation shown under it
    figure: go.Figure | None = None  # None for a table
    source_ids: list[str] = field(default_factory=list)
    dates: SourceDates = field(default_factory=SourceDates)  # of its sources (in `source` too)


@dataclass
class View:
    """A page as currently filtered: what the deck and workbook exports contain."""

    title: str
    filters: str  # Filters.describe(), e.g. "countries: Romania; period: 2025-01-01 to …"
    as_of: str  # "today" of the view, YYYY-MM-DD (its sources' own dates: `dates`)
    items: list[ViewItem] = field(default_factory=list)

    @property
    def charts(self) -> list[ViewItem]:
        return [item for item in self.items if item.figure is not None]

    @property
    def dates(self) -> SourceDates:
        """The newest published and checked dates among the sources of all its items."""
        return reduce(SourceDates.newest, (item.dates for item in self.items), SourceDates())
