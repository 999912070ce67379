"""The PPTX deck and the XLSX workbook of a view, read back with python-pptx and openpyxl."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Pt

from dashboard.datasets import load_package
from dashboard.datasets.citations import resource_as_of, sources_table
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.profile import KEY_INDICATORS, build_country_profile
from dashboard.export.country import country_view
from dashboard.export.deck import build_deck
from dashboard.export.model import View, ViewItem
from dashboard.export.workbook import ABOUT_SHEET, build_workbook, item_sheet_names
from tests.conftest import CHROMIUM

AS_OF = date(2026, 11, 28)
SIXTEEN_BY_NINE = 16 / 9


def texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def pictures(slide) -> list:
    return [shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]


def font_sizes(slide) -> list[float]:
    frames = [shape.text_frame for shape in slide.shapes if shape.has_text_frame]
    frames += [
        cell.text_frame
        for shape in slide.shapes
        if shape.has_table
        for row in shape.table.rows
        for cell in row.cells
    ]
    return [
        run.font.size.pt
        for frame in frames
        for paragraph in frame.paragraphs
        for run in paragraph.runs
        if run.text.strip()
    ]


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> LoadedPackage:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DASHBOARD_CACHE_DIR", str(tmp_path_factory.mktemp("parquet-cache")))
        return load_package()


@pytest.fixture(scope="module")
def romania_view(package: LoadedPackage) -> View:
    return country_view(package, build_country_profile(package, "ROU", today=AS_OF), AS_OF)


@pytest.fixture(scope="module")
def deck(romania_view: View) -> Presentation:
    """Built once, with chart images when Chromium is installed."""
    return Presentation(io.BytesIO(build_deck(romania_view)))


def test_country_view_holds_the_profile_charts_and_tables(
    package: LoadedPackage, romania_view: View
) -> None:
    chart_titles = [item.title for item in romania_view.charts]
    assert len(chart_titles) == len(KEY_INDICATORS) + 1  # every indicator, and the hubs map
    assert chart_titles[0] == "Research and development expenditure (% of GDP)"
    assert chart_titles[-1] == "Tech hubs in Romania"
    tables = [item.title for item in romania_view.items if item.figure is None]
    assert tables == ["Headline facts", "Meeting history", "Open follow-ups", "EU programme access"]
    assert romania_view.filters == "countries: Romania, Pakistan"
    # Each part is dated by its own tables' sources (as on the country page), not by the view's
    # date: when they were published and when they were last checked.
    for item in romania_view.items:
        assert item.source.startswith("Source: ") and item.dates
        assert item.source.endswith(f". Data {item.dates.words()}")
    indicators = romania_view.items[0]
    assert indicators.dates == resource_as_of(package, "indicators", "indicator_catalogue")
    assert romania_view.dates.checked >= indicators.dates.checked


def test_deck_is_16_by_9_with_a_title_slide_and_one_slide_per_chart(
    deck: Presentation, romania_view: View
) -> None:
    assert deck.slide_width / deck.slide_height == pytest.approx(SIXTEEN_BY_NINE, rel=0.01)
    assert len(deck.slides) == 1 + len(romania_view.charts)
    title_slide = "\n".join(texts(deck.slides[0]))
    assert "Country profile: Romania" in title_slide
    assert "Filters: countries: Romania, Pakistan" in title_slide
    assert "Prepared as of 2026-11-28" in title_slide
    assert f"Sources: {romania_view.dates.words()}" in title_slide
    assert romania_view.dates.words().startswith("published ")  # the two dates differ
    assert f"{len(romania_view.charts)} charts" in title_slide


def test_each_chart_slide_has_its_title_one_picture_and_its_source(
    deck: Presentation, romania_view: View
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: the slides carry tables instead of pictures")
    for slide, item in zip(list(deck.slides)[1:], romania_view.charts, strict=True):
        slide_texts = texts(slide)
        assert slide_texts[0] == item.title
        assert slide_texts[-1] == item.source
        assert len(pictures(slide)) == 1
        picture = pictures(slide)[0]
        assert picture.image.content_type == "image/png"
        assert picture.width > deck.slide_width * 0.6  # large enough to read across a room


def test_every_text_on_the_slides_is_at_least_18_pt(deck: Presentation) -> None:
    sizes = [size for slide in deck.slides for size in font_sizes(slide)]
    assert sizes and min(sizes) >= Pt(18).pt


def test_without_chromium_a_chart_slide_says_why_and_shows_the_data(
    romania_view: View, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "no-chromium-here"
    monkeypatch.setenv("CHROMIUM_PATH", str(missing))
    chart = romania_view.charts[0]
    one_chart = View(romania_view.title, romania_view.filters, romania_view.as_of, [chart])
    deck = Presentation(io.BytesIO(build_deck(one_chart)))
    assert len(deck.slides) == 2
    slide = deck.slides[1]
    slide_texts = texts(slide)
    assert slide_texts[0] == chart.title
    assert slide_texts[-1] == chart.source
    assert pictures(slide) == []
    note = next(text for text in slide_texts if text.startswith("Charts are not included"))
    assert f"no Chromium browser at {missing}" in note
    assert f"The data instead: first 8 of {len(chart.data)} rows." in note
    table = next(shape.table for shape in slide.shapes if shape.has_table)
    assert [cell.text for cell in table.rows[0].cells] == list(chart.data.columns[:5])
    assert table.rows[1].cells[0].text == str(chart.data.iloc[0, 0])
    assert len(table.rows) == 1 + 8
    assert min(font_sizes(slide)) >= 18


def test_workbook_has_about_one_sheet_per_item_and_sources(
    package: LoadedPackage, romania_view: View
) -> None:
    ids = [sid for item in romania_view.items for sid in item.source_ids]
    sources = sources_table(package, ids)
    content = build_workbook(romania_view, sources)
    names = item_sheet_names(romania_view)
    assert load_workbook(io.BytesIO(content), read_only=True).sheetnames == [
        ABOUT_SHEET,
        *names,
        "Sources",
    ]
    sheets = pd.read_excel(io.BytesIO(content), sheet_name=None)
    for name, item in zip(names, romania_view.items, strict=True):
        assert list(sheets[name].columns) == list(item.data.columns)
        assert len(sheets[name]) == len(item.data)
    facts = sheets[names[[i.title for i in romania_view.items].index("Headline facts")]]
    assert 200000 in set(facts["value"])
    assert len(sheets["Sources"]) == len(sources)
    assert set(sheets["Sources"]["source_id"]) == set(ids)
    about = sheets[ABOUT_SHEET]
    assert about.iloc[0].tolist()[:2] == ["View", "Country profile: Romania"]
    said = dict(zip(about["what"], about["value"], strict=False))
    assert said["Prepared as of"] == "2026-11-28"
    assert said["Sources"] == romania_view.dates.words()
    listed = about[about["what"] == "Sheet"]
    assert listed["value"].tolist() == names
    assert listed["source"].tolist() == [item.source for item in romania_view.items]


def test_workbook_sheet_names_stay_unique_and_within_excel_limits() -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    long_title = "Followups: open/closed? [by status] — a very long title indeed"
    view = View(
        "Test",
        "no filters",
        "2026-11-28",
        [ViewItem(long_title, frame, "Source: x"), ViewItem(long_title, frame, "Source: x")],
    )
    content = build_workbook(view, pd.DataFrame({"source_id": []}))
    names = load_workbook(io.BytesIO(content), read_only=True).sheetnames
    assert len(set(names)) == 4
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in names)
    assert names[1:3] == item_sheet_names(view)
