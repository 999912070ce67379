"""Downloads in a real browser: a table's CSV is what the page shows; the brief, deck and
workbook buttons deliver real files."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pptx import Presentation
from pypdf import PdfReader

from dashboard.export.workbook import ABOUT_SHEET, item_sheet_names
from dashboard.ui.state import VIEW_STATE
from tests.helpers import open_chart_data, run_app

pytestmark = pytest.mark.browser

COMPARE = {"country": "PAK,ROU", "indicator": "GB.XPD.RSDV.GD.ZS"}


def _open_table(app_page, chart_key: str) -> None:
    """Click the "Table" tab of chart `chart_key`'s panel, as a user does."""
    app_page.page.locator(f".st-key-{chart_key}_panel").get_by_role("tab", name="Table").click()
    app_page.wait_idle()


def _download(app_page, key: str, timeout: float = 120_000) -> Path:
    button = app_page.page.locator(f".st-key-{key} button").first
    button.scroll_into_view_if_needed()
    with app_page.page.expect_download(timeout=timeout) as info:
        button.click()
    return Path(info.value.path())


def test_downloaded_csv_holds_exactly_the_rows_and_columns_shown(app_page) -> None:
    app_page.open("/compare?" + "&".join(f"{k}={v}" for k, v in COMPARE.items()))
    _open_table(app_page, "cmp_trend")
    expect(app_page.page.locator(".st-key-cmp_trend_data_csv button")).to_be_visible()
    downloaded = pd.read_csv(_download(app_page, "cmp_trend_data_csv"), comment="#")
    text = _download(app_page, "cmp_trend_data_csv").read_text(encoding="utf-8")
    assert "# Source: " in text and "World Bank" in text

    at = open_chart_data(run_app("views/compare.py", query=COMPARE), "cmp_trend")
    shown = next(
        df.value
        for df in at.dataframe
        if [str(c) for c in df.value.columns] == list(downloaded.columns)
    )
    assert len(downloaded) == len(shown) == 2
    pd.testing.assert_frame_equal(
        downloaded.astype(str).reset_index(drop=True),
        shown.reset_index(drop=True)
        .rename(columns=str)
        .astype(str)
        .replace({"<NA>": "nan", "None": "nan"}),
        check_dtype=False,
    )
    app_page.assert_clean()


def test_a_tables_xlsx_holds_the_table_and_its_sources(app_page) -> None:
    app_page.open("/compare?" + "&".join(f"{k}={v}" for k, v in COMPARE.items()))
    _open_table(app_page, "cmp_trend")
    expect(app_page.page.locator(".st-key-cmp_trend_data_xlsx button")).to_be_visible()
    workbook = load_workbook(io.BytesIO(_download(app_page, "cmp_trend_data_xlsx").read_bytes()))
    assert workbook.sheetnames[0] == "compare_trend"
    header = next(workbook["compare_trend"].iter_rows(values_only=True))
    assert header[:2] == ("Country", "ISO3")  # the values by year, one column per year
    sources = [row for row in workbook["Sources"].iter_rows(values_only=True) if any(row)]
    assert any("World Bank" in str(cell) for row in sources for cell in row)
    app_page.assert_clean()


def test_country_brief_pdf_is_delivered_in_one_click(app_page) -> None:
    app_page.open("/country?country=ROU")
    pdf = _download(app_page, "country_brief_pdf")
    reader = PdfReader(str(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert 1 <= len(reader.pages) <= 2
    assert "Romania" in text and "2025-08-09" in text
    app_page.assert_clean()


def test_view_downloads_deliver_a_deck_and_a_workbook(app_page) -> None:
    app_page.open("/compare?" + "&".join(f"{k}={v}" for k, v in COMPARE.items()))
    workbook = load_workbook(io.BytesIO(_download(app_page, "view_xlsx").read_bytes()))
    # The same view under AppTest says what the files must hold, exactly.
    view = run_app("views/compare.py", query=COMPARE).session_state[VIEW_STATE]
    assert workbook.sheetnames == [ABOUT_SHEET, *item_sheet_names(view), "Sources"]
    deck = Presentation(str(_download(app_page, "view_pptx")))
    assert len(deck.slides) == 1 + len(view.charts)  # a title slide, then one per chart
    app_page.assert_clean()


def test_a_charts_table_tab_shows_its_rows_downloads_them_and_gives_the_chart_back(
    app_page,
) -> None:
    app_page.open("/timeline?country=ROU")
    page = app_page.page
    panel = page.locator(".st-key-timeline_chart_panel")
    expect(panel.locator("[data-testid=stPlotlyChart]")).to_be_visible()
    expect(panel.get_by_text("Source: ")).to_be_visible()  # the chart's one source line
    expect(page.locator(".st-key-timeline_chart_data_csv")).to_have_count(0)  # built on demand
    expect(panel.get_by_role("tab", name="Chart")).to_have_attribute("aria-selected", "true")

    _open_table(app_page, "timeline_chart")
    expect(panel.get_by_role("tab", name="Table")).to_have_attribute("aria-selected", "true")
    expect(panel.locator("[data-testid=stDataFrame]")).to_be_visible()
    expect(panel.locator("[data-testid=stPlotlyChart]")).to_have_count(0)
    expect(panel.get_by_role("button", name="All sources")).to_be_visible()
    expect(page.locator(".st-key-timeline_chart_data_csv button")).to_be_visible()
    path = _download(app_page, "timeline_chart_data_csv")
    assert "\n# Source: " in path.read_text(encoding="utf-8")  # the source line, after the rows
    downloaded = pd.read_csv(path, comment="#")
    assert set(downloaded["Partner"]) == {"Romania"}
    assert len(downloaded) == 4  # Romania's four recorded events, as drawn

    panel.get_by_role("tab", name="Chart").click()
    app_page.wait_idle()
    expect(panel.locator("[data-testid=stPlotlyChart]")).to_be_visible()
    expect(page.locator(".st-key-timeline_chart_data_csv")).to_have_count(0)
    app_page.assert_clean()


def test_followups_download_has_every_action_of_the_view_with_flags_in_words(app_page) -> None:
    app_page.open("/followups?country=ROU")
    expect(app_page.page.locator(".st-key-followups_csv button")).to_be_visible()
    downloaded = pd.read_csv(_download(app_page, "followups_csv"), comment="#")
    assert len(downloaded) == 6 and set(downloaded["Partner"]) == {"Romania"}
    flags = downloaded["Flag"].dropna()
    assert not flags.empty and flags.str.startswith(("⚠ overdue", "long pending")).all()
    app_page.assert_clean()


def test_another_indicator_replaces_its_charts_in_the_view_downloads(app_page) -> None:
    """Picking an indicator on the Country page redraws only its two charts (a fragment), and
    the view's workbook then holds that indicator's charts, where the first one's were, once."""
    app_page.open("/country?country=ROU")
    page = app_page.page
    page.get_by_role("combobox", name="Indicator").click()
    page.keyboard.type("Individuals using")
    page.get_by_role(
        "option", name="Individuals using the Internet (% of population)", exact=True
    ).click()
    internet = "Individuals using the Internet (% of population) — latest year"
    trend = internet.removesuffix(" — latest year")  # the chart the page draws
    expect(page.get_by_role("heading", name=trend, exact=True)).to_be_visible()
    app_page.wait_idle()
    workbook = load_workbook(io.BytesIO(_download(app_page, "view_xlsx").read_bytes()))

    at = run_app(query={"country": "ROU"})
    at.switch_page("views/country.py").run()
    at.selectbox(key="country_indicator").set_value("IT.NET.USER.ZS").run()
    view = at.session_state[VIEW_STATE]
    assert [item.title for item in view.charts][:2] == [trend, internet]
    assert workbook.sheetnames == [ABOUT_SHEET, *item_sheet_names(view), "Sources"]
    app_page.assert_clean()
