"""A view as an XLSX workbook: what the view is, each table on its own sheet, and the sources."""

from __future__ import annotations

import re

import pandas as pd

from dashboard.export.model import View
from dashboard.export.tables import to_xlsx_bytes

ABOUT_SHEET = "About"
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def item_sheet_names(view: View) -> list[str]:
    """The sheet name of each item: its position and title, within Excel's 31 characters."""
    return [
        _NOT_IN_SHEET_NAMES.sub("", f"{i} {item.title}")[:31].rstrip()
        for i, item in enumerate(view.items, start=1)
    ]


def build_workbook(view: View, sources: pd.DataFrame) -> bytes:
    """The view's tables as XLSX bytes: an About sheet, one sheet per item, a Sources sheet."""
    names = item_sheet_names(view)
    about = pd.DataFrame(
        [
            ("View", view.title, "", ""),
            ("Filters", view.filters, "", ""),
            ("Prepared as of", view.as_of, "", ""),
            ("Sources", view.dates.words() or "no dates recorded", "", ""),
        ]
        + [
            ("Sheet", name, item.title, item.source)
            for name, item in zip(names, view.items, strict=True)
        ],
        columns=["what", "value", "title", "source"],
    )
    sheets = {ABOUT_SHEET: about} | {
        name: item.data for name, item in zip(names, view.items, strict=True)
    }
    return to_xlsx_bytes(sheets, sources)
