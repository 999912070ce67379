"""Compare page: the comparison frames, its charts, and the page under every kind of filter."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard.charts.compare import latest_ranking, trend_lines
from dashboard.charts.theme import MUTED, PAKISTAN_COLOUR
from dashboard.datasets import load_package
from dashboard.datasets.citations import sources_table
from dashboard.datasets.compare import (
    DEFAULT_INDICATOR,
    build_comparison,
    comparison_table,
    default_countries,
)
from dashboard.datasets.filters import parse_page_code
from dashboard.export.workbook import build_workbook, item_sheet_names
from dashboard.ui.display import CHART_TAB, panel_tab_key
from dashboard.ui.state import VIEW_STATE, WIDGET_KEYS
from tests.helpers import open_chart_data, page_text, run_app

INTERNET = "IT.NET.USER.ZS"
PAGE = "views/compare.py"


@pytest.fixture(scope="module")
def package():
    return load_package()


def open_page(query: dict[str, str] | None = None) -> AppTest:
    """The app opened from a URL (filters read by the entrypoint), then this page."""
    at = run_app(PAGE, query)
    assert not at.exception
    return at


TREND = "cmp_trend"
RANKING = "cmp_ranking"


def is_values_table(frame) -> bool:
    return list(frame.columns[:2]) == ["Country", "ISO3"] and "Year" not in frame.columns


def values_table(at: AppTest):
    """The "Values by year" table (one row per country, one column per year), as the trend
    panel's Table tab shows it once clicked."""
    open_chart_data(at, TREND)
    assert not at.exception
    return next(d.value for d in at.dataframe if is_values_table(d.value))


def chart_titles(at: AppTest) -> list[str]:
    """The headings drawn above the charts (the page shows a chart's title as a heading)."""
    return [
        m.value.removeprefix("#### ").replace("\\", "")
        for m in at.markdown
        if m.value.startswith("#### ")
    ]


# --- data -------------------------------------------------------------------------------------


def test_default_countries_are_pakistan_and_partners_with_data(package) -> None:
    countries = default_countries(package, DEFAULT_INDICATOR)
    assert countries[0] == "PAK"
    assert "ROU" in countries and "KOR" in countries
    partners = set(package.table("countries").query("is_partner")["iso3"])
    assert set(countries[1:]) <= partners


def test_latest_value_is_each_countrys_last_year_in_the_range(package) -> None:
    comparison = build_comparison(package, DEFAULT_INDICATOR, ["ROU", "PAK"], (2000, 2010))
    assert comparison.years == (2000, 2010)
    latest = comparison.latest.set_index("iso3")
    values = package.table("indicators")
    values = values[(values["indicator_code"] == DEFAULT_INDICATOR) & (values["year"] <= 2010)]
    for iso3 in ("ROU", "PAK"):
        own = values[values["iso3"] == iso3].sort_values("year").iloc[-1]
        assert latest.at[iso3, "year"] == own["year"]
        assert latest.at[iso3, "value"] == own["value"]
    assert list(comparison.latest["rank"]) == [1, 2]
    assert comparison.latest["value"].is_monotonic_decreasing


def test_only_the_chosen_rows_leave_the_data_layer(package) -> None:
    comparison = build_comparison(package, INTERNET, ["ROU", "PAK"], (2015, 2020), ["WLD"])
    assert set(comparison.series["iso3"]) == {"ROU", "PAK"}
    assert comparison.series["year"].between(2015, 2020).all()
    assert set(comparison.references["iso3"]) == {"WLD"}
    table = comparison_table(comparison.series)
    assert list(table["Country"]) == ["Romania", "Pakistan"]
    assert list(table.columns[2:]) == [str(y) for y in range(2015, 2021)]


def test_a_country_without_values_is_named(package) -> None:
    comparison = build_comparison(package, DEFAULT_INDICATOR, ["TUV"])
    assert comparison.series.empty
    assert comparison.without_data == ["TUV"]


def test_indicator_codes_from_a_link_are_checked_like_the_filters() -> None:
    known = ["IT.NET.USER.ZS", "SP.POP.TOTL"]
    assert parse_page_code("indicator", ["it.net.user.zs"], known) == ("IT.NET.USER.ZS", [])
    code, notices = parse_page_code("indicator", ["<script>alert(1)</script>"], known)
    assert code is None and "not a code" in notices[0]
    code, notices = parse_page_code("indicator", ["NOPE.X", "SP.POP.TOTL,IT.NET.USER.ZS"], known)
    assert code == "SP.POP.TOTL"
    assert any("unknown" in n for n in notices) and any("more than once" in n for n in notices)


# --- charts -----------------------------------------------------------------------------------


def test_trend_hover_lists_every_country_with_its_value(package) -> None:
    comparison = build_comparison(package, INTERNET, ["ROU", "PAK"], (2019, 2020), ["WLD"])
    fig = trend_lines(
        comparison.series, comparison.references, title="Internet users", unit=comparison.unit
    )
    lines = {trace.name: trace for trace in fig.data}
    assert set(lines) == {"Romania", "Pakistan", "World (reference)"}
    assert lines["Pakistan"].line.color == PAKISTAN_COLOUR
    assert lines["Pakistan"].line.width > lines["Romania"].line.width
    assert lines["World (reference)"].line.dash
    assert fig.layout.hovermode == "x unified"  # a year's hover names every line
    iso3, country, value, year, unit, source = lines["Romania"].customdata[-1]
    assert (iso3, country, year, unit) == ("ROU", "Romania", "2020", "% of population")
    assert value.endswith("%") and source.startswith("World Bank")
    assert "customdata[1]" in lines["Romania"].hovertemplate  # the country's name
    assert "customdata[2]" in lines["Romania"].hovertemplate  # its value


def test_trend_colours_pakistan_and_the_chosen_countries_and_greys_the_rest(package) -> None:
    comparison = build_comparison(package, INTERNET, [], (2015, 2020))
    assert len(comparison.series["iso3"].unique()) > 8  # more lines than the palette has
    fig = trend_lines(
        comparison.series,
        title="Internet users",
        unit=comparison.unit,
        highlighted=("ROU", "IRN"),
    )
    colours = {trace.name: trace.line.color for trace in fig.data}
    assert colours["Pakistan"] == PAKISTAN_COLOUR
    assert colours["Romania"] != colours["Iran"]
    assert colours["Romania"] not in (MUTED, PAKISTAN_COLOUR)
    greys = [name for name, colour in colours.items() if colour == MUTED]
    assert len(greys) == len(colours) - 3
    # The coloured lines, and only they, are named at their ends.
    assert {note.text for note in fig.layout.annotations} == {"Pakistan", "Romania", "Iran"}


def test_ranking_bars_carry_the_country_code_and_year(package) -> None:
    comparison = build_comparison(package, INTERNET, ["ROU", "PAK", "KOR"])
    fig = latest_ranking(comparison.latest, title="Latest", unit=comparison.unit)
    bar = fig.data[0]
    assert bar.y[-1] == comparison.latest["country"].iloc[0]  # highest value on top
    codes = [row[0] for row in bar.customdata]
    assert sorted(codes) == ["KOR", "PAK", "ROU"]
    assert bar.marker.color[codes.index("PAK")] == PAKISTAN_COLOUR
    years = [row[3] for row in bar.customdata]
    assert all(f"({year})" in text for text, year in zip(bar.text, years, strict=True))


# --- the page ---------------------------------------------------------------------------------


def test_default_view_compares_pakistan_with_partners_and_says_so() -> None:
    at = open_page()
    text = page_text(at)
    assert "showing Pakistan and the" in text
    table = values_table(at)
    assert table["ISO3"].iloc[0] == "PAK" and len(table) > 5
    assert at.selectbox(key="cmp_indicator").value == DEFAULT_INDICATOR
    assert at.query_params["indicator"] == DEFAULT_INDICATOR


def test_filters_from_the_url_limit_the_countries() -> None:
    at = open_page(
        {"country": "ROU,PAK", "area": "ai", "programme": "horizon-europe", "indicator": INTERNET}
    )
    assert at.selectbox(key="cmp_indicator").value == INTERNET
    assert chart_titles(at)[0].startswith("Individuals using the Internet")
    assert list(values_table(at)["ISO3"]) == ["ROU", "PAK"]


def test_a_country_with_no_data_is_said_plainly() -> None:
    at = open_page({"country": "TUV"})
    assert "recorded for Tuvalu" in page_text(at)
    assert not at.get("plotly_chart")


def test_changing_the_country_filter_changes_the_table_rows() -> None:
    assert list(values_table(open_page({"country": "ROU,PAK"}))["ISO3"]) == ["ROU", "PAK"]
    wider = open_page({"country": "ROU,PAK,TUR"})
    assert list(values_table(wider)["ISO3"]) == ["ROU", "PAK", "TUR"]


def test_the_indicator_selectbox_changes_the_chart_title_and_url() -> None:
    at = open_page({"country": "ROU,PAK"})
    assert chart_titles(at)[0].startswith("Research and development expenditure")
    at.selectbox(key="cmp_indicator").set_value(INTERNET).run()
    assert not at.exception
    assert chart_titles(at)[0].startswith("Individuals using the Internet")
    assert at.query_params["indicator"] == INTERNET


def test_the_period_limits_the_years() -> None:
    at = open_page({"country": "ROU,PAK", "from": "2010-01-01", "to": "2012-12-31"})
    assert chart_titles(at)[0].endswith("2010–2012")
    assert list(values_table(at).columns[2:]) == ["2010", "2011", "2012"]


def test_an_empty_period_says_so() -> None:
    at = open_page({"country": "ROU", "from": "1961-01-01", "to": "1962-12-31"})
    assert "between 1961 and 1962" in page_text(at)


def test_reference_groups_add_a_world_line() -> None:
    at = open_page({"country": "ROU,PAK"})
    at.multiselect(key="cmp_references").set_value(["WLD"]).run()
    assert not at.exception
    trend = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "World (reference)" in [trace["name"] for trace in trend["data"]]
    assert list(values_table(at)["ISO3"]) == ["ROU", "PAK", "WLD"]  # every line drawn


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "NOT.AN.INDICATOR"])
def test_a_hostile_or_unknown_indicator_shows_a_notice(hostile: str) -> None:
    at = open_page({"indicator": hostile})
    notices = [str(i.value) for i in at.info]
    assert any("Ignored the indicator value" in n for n in notices)
    assert at.selectbox(key="cmp_indicator").value == DEFAULT_INDICATOR
    assert at.query_params["indicator"] == DEFAULT_INDICATOR


# --- the chart panels: the chart first, its table behind the "Table" tab ---------------------


def test_a_filter_change_draws_the_two_charts_and_no_table() -> None:
    at = open_page({"country": "ROU,PAK"})
    assert len(at.get("plotly_chart")) == 2
    assert not at.dataframe and not at.get("popover")  # no table, no "All sources" list
    assert [tab.label for tab in at.tabs] == ["Chart", "Table"] * 2
    at.session_state[WIDGET_KEYS["country"]] = ["ROU", "PAK", "TUR"]
    at.run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2
    assert not at.dataframe and not at.get("popover")


def test_a_charts_table_is_built_when_its_tab_opens_with_its_sources_and_downloads() -> None:
    at = open_page({"country": "ROU,PAK"})
    ids = [button.proto.id for button in at.get("download_button")]
    assert not any("cmp_ranking_data" in i for i in ids)
    open_chart_data(at, RANKING)
    assert not at.exception
    # The ranking panel now shows its table in place of its chart; the trend is still drawn.
    assert len(at.get("plotly_chart")) == 1
    table_tab = at.tabs[3]
    assert table_tab.label == "Table"
    (ranking,) = [frame.value for frame in table_tab.get("dataframe")]
    assert list(ranking["ISO3"]) == ["ROU", "PAK"] and "Rank" in ranking.columns
    ids = [button.proto.id for button in table_tab.get("download_button")]
    assert [i.rsplit("-", 1)[-1] for i in ids] == ["cmp_ranking_data_csv", "cmp_ranking_data_xlsx"]
    listed = [m.value for m in table_tab.get("markdown") if m.value.startswith("- ")]
    assert any("World Bank" in entry for entry in listed)  # the "All sources" list
    at.session_state[panel_tab_key(RANKING)] = CHART_TAB
    at.run()
    assert len(at.get("plotly_chart")) == 2 and not at.dataframe


def test_the_values_by_year_are_in_the_trend_panel_and_in_the_view_workbook(package) -> None:
    at = open_page({"country": "ROU,PAK"})
    view = at.session_state[VIEW_STATE]
    (recorded,) = [item for item in view.items if item.title == "Values by year"]
    assert recorded.figure is None and list(recorded.data["ISO3"]) == ["ROU", "PAK"]
    workbook = load_workbook(
        io.BytesIO(build_workbook(view, sources_table(package, recorded.source_ids)))
    )
    (sheet,) = [name for name in item_sheet_names(view) if name.endswith("Values by year")]
    rows = [row for row in workbook[sheet].iter_rows(values_only=True) if any(row)]
    header = next(i for i, row in enumerate(rows) if row[:2] == ("Country", "ISO3"))
    assert [row[1] for row in rows[header + 1 :]][:2] == ["ROU", "PAK"]
    assert len(rows[header]) >= len(recorded.data.columns)

    open_chart_data(at, TREND)
    trend_table_tab = at.tabs[1]
    (shown,) = [frame.value for frame in trend_table_tab.get("dataframe")]
    assert is_values_table(shown)
    assert shown.equals(recorded.data)
    assert "#### Values by year" in [m.value for m in trend_table_tab.get("markdown")]
    assert len(at.get("plotly_chart")) == 1  # the ranking's chart, its own panel
