"""The short source line under a chart, the full list beside it, and wrapped source lines in
figures that leave the app (PDF, PPTX, images)."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from dashboard.charts.theme import SOURCE_ANNOTATION, apply_theme, for_screen
from dashboard.datasets import load_package
from dashboard.datasets.citations import SourceDates, short_source_line, source_entries
from tests.conftest import DATA_DIR
from tests.helpers import open_chart_data, run_app


@pytest.fixture(scope="module")
def package():
    return load_package(DATA_DIR)


def _wdi_ids(package, count: int) -> list[str]:
    sources = package.table("sources")
    return list(sources[sources["publisher"] == "World Bank"]["source_id"].head(count))


def test_short_line_names_the_first_publisher_counts_the_rest_and_dates_them(package) -> None:
    ids = _wdi_ids(package, 4)
    assert short_source_line(package, ids, SourceDates("2026-07-13", "2026-07-13")) == (
        "Source: World Bank and 3 more · as of 2026-07-13"
    )
    assert short_source_line(package, ids, SourceDates("2026-07-13", "2026-12-04")) == (
        "Source: World Bank and 3 more · published 2026-07-13, checked 2026-12-04"
    )
    assert short_source_line(package, ids[:1]) == "Source: World Bank"
    assert short_source_line(package, []) == "Source: not recorded"


def test_a_publishers_parenthesised_detail_stays_in_the_full_list(package) -> None:
    ids = ["pid-2025-08-09-romania"]
    assert short_source_line(package, ids) == "Source: Press Information Department"
    (entry,) = source_entries(package, ids)
    assert entry.startswith("Press Information Department (PID), Government of Pakistan")
    assert "https://pid.gov.pk/site/press_detail/29982" in entry


def test_full_list_has_every_source_of_the_chart(package) -> None:
    ids = _wdi_ids(package, 4)
    entries = source_entries(package, ids)
    assert len(entries) == 4
    assert all(entry.startswith("World Bank, ") and "CC BY 4.0" in entry for entry in entries)


def test_a_long_source_line_is_wrapped_inside_the_figure_not_cut() -> None:
    source = "Source: " + "; ".join(f"Publisher {i}, a long dataset title (2026)" for i in range(8))
    fig = apply_theme(go.Figure(go.Bar(x=[1], y=[1])), title="T", source=source)
    (note,) = [a for a in fig.layout.annotations if a.name == SOURCE_ANNOTATION]
    lines = note.text.split("<br>")
    assert len(lines) > 1 and " ".join(lines) == source  # every word kept
    assert fig.layout.margin.b > 96  # room below the plot for the extra lines


def test_the_page_draws_a_figure_without_its_title_and_source_line() -> None:
    fig = apply_theme(go.Figure(go.Bar(x=[1], y=[1])), title="Title", source="Source: x")
    screen = for_screen(fig)
    assert not screen.layout.title.text
    assert not [a for a in screen.layout.annotations if a.name == SOURCE_ANNOTATION]
    assert fig.layout.title.text == "Title"  # exports keep both
    assert [a.text for a in fig.layout.annotations] == ["Source: x"]


def test_a_chart_panel_has_one_short_source_line_and_every_source_with_its_table() -> None:
    at = run_app("views/compare.py", {"country": "ROU,PAK"})
    assert not at.exception
    # The ranking's panel with its table open: every source is listed beside the table.
    open_chart_data(at, "cmp_ranking")
    assert not at.exception
    shown = [c.value.replace("\\", "") for c in at.caption]
    source_lines = [text for text in shown if text.startswith("Source: ")]
    assert len(source_lines) == 2  # under the trend and under the ranking's table
    assert all("\n" not in text and len(text) <= 80 for text in source_lines)
    # The WDI files were published in 2026-07 and read later: both dates are said.
    assert all(" · published 2026-07-13, checked " in text for text in source_lines)
    listed = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("- ")]
    assert any(
        "World Bank, World Development Indicators: Research and development expenditure" in entry
        for entry in listed
    )
