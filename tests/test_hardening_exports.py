"""Exports neutralise formulas: text from data never runs in a colleague's spreadsheet."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboard.datasets import load_package
from dashboard.datasets.citations import sources_table
from dashboard.datasets.profile import build_country_profile
from dashboard.export.brief import build_brief
from dashboard.export.country import country_view
from dashboard.export.deck import build_deck
from dashboard.export.tables import to_csv_bytes, to_xlsx_bytes
from dashboard.export.workbook import build_workbook
from tests.helpers import rewrite_cell

LIVE_LINK = '=HYPERLINK("https://evil.example/minutes","Open the minutes")'
FORMULAS = [LIVE_LINK, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]
AS_OF = date(2026, 11, 28)


def _cells(workbook_bytes: bytes) -> list:
    book = load_workbook(io.BytesIO(workbook_bytes))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_csv_cells_that_would_run_start_with_a_quote_and_numbers_stay_numbers() -> None:
    frame = pd.DataFrame({"Text": FORMULAS, "Value": [-1.5, 2, -3, 4, 5, 6]})
    text = to_csv_bytes(frame).decode("utf-8")
    # A bare CR ends a row for the csv module; the other cells are read back as written.
    assert "'\r=1+1" in text
    rows = list(csv.reader(io.StringIO(text.replace("\r", ""), newline="")))
    assert [row[0] for row in rows[1:]] == ["'" + text for text in FORMULAS[:-1]] + ["'=1+1"]
    assert [row[1] for row in rows[1:]] == ["-1.5", "2.0", "-3.0", "4.0", "5.0", "6.0"]


def test_xlsx_cells_are_text_never_formulas() -> None:
    frame = pd.DataFrame({"Text": FORMULAS})
    sources = pd.DataFrame({"title": ["=1+1"]})
    cells = _cells(to_xlsx_bytes({"Actions": frame}, sources))
    assert [c for c in cells if c.data_type == "f"] == []
    assert {LIVE_LINK, "=1+1"} <= {c.value for c in cells}


@pytest.fixture
def planted(data_copy: Path) -> Path:
    """Romania's first meeting titled with a live link, its source titled with a formula."""
    rewrite_cell(data_copy / "meetings.csv", 18, "title", LIVE_LINK)
    rewrite_cell(data_copy / "sources.csv", 2, "title", "=1+1")
    return data_copy


def test_view_workbook_and_its_csv_carry_the_text_not_the_formula(planted: Path) -> None:
    package = load_package(planted, use_cache=False)
    view = country_view(package, build_country_profile(package, "ROU", today=AS_OF), AS_OF)
    ids = [source for item in view.items for source in item.source_ids]
    workbook = build_workbook(view, sources_table(package, ids))
    cells = _cells(workbook)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert LIVE_LINK in {c.value for c in cells}
    meetings = next(item.data for item in view.items if item.data.isin([LIVE_LINK]).any().any())
    assert "'" + LIVE_LINK in to_csv_bytes(meetings).decode("utf-8").replace('""', '"')


def test_deck_and_brief_carry_formulas_as_plain_text_with_no_live_link(planted: Path) -> None:
    package = load_package(planted, use_cache=False)
    profile = build_country_profile(package, "ROU", today=AS_OF)

    with zipfile.ZipFile(io.BytesIO(build_deck(country_view(package, profile, AS_OF)))) as deck:
        parts = {name: deck.read(name).decode("utf-8", "replace") for name in deck.namelist()}
    slides = "".join(text for name, text in parts.items() if name.startswith("ppt/slides/slide"))
    assert "=1+1" in slides  # the planted source title, in a slide's source line, as text
    assert not any("evil.example" in text for name, text in parts.items() if name.endswith(".rels"))

    brief = PdfReader(
        io.BytesIO(build_brief(profile, AS_OF, sources_table(package, profile.source_ids)))
    )
    text = "".join(page.extract_text() for page in brief.pages)
    assert "HYPERLINK" in text  # the planted meeting title, shown as the text it is
    links = [
        annot.get_object().get("/A", {}).get("/URI", "")
        for page in brief.pages
        for annot in page.get("/Annots", []) or []
    ]
    assert not [uri for uri in links if "evil.example" in str(uri)]
