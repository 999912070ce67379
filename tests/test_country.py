"""Country profile: its chart functions, and the page for any country, as users see it."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.charts.country import hubs_map, indicator_trend, latest_comparison
from dashboard.charts.theme import PAKISTAN_COLOUR
from dashboard.datasets import load_package
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.profile import CountryProfile, build_country_profile
from dashboard.ui.display import CHART_TAB, TABLE_TAB
from dashboard.ui.state import VIEW_STATE
from tests.helpers import page_text, run_app

RD_SPEND = "GB.XPD.RSDV.GD.ZS"
ICT_EXPORTS = "BX.GSR.CCIS.CD"
PICKER = "country_profile_pick"
DETAILS_TAB = "country_details_tab"


@pytest.fixture(scope="module")
def romania() -> CountryProfile:
    return build_country_profile(load_package(), "ROU", ("TUR",), date(2026, 11, 28))


def open_country_page(query: dict[str, str | list[str]] | None = None) -> AppTest:
    """The country page opened with `query` in its URL (as a shared link opens it)."""
    at = run_app("views/country.py", query=query)
    assert not at.exception
    return at


def test_trend_has_one_line_per_country_and_pakistan_in_its_colour(romania) -> None:
    fig = indicator_trend(romania.indicators, RD_SPEND, source="Source: World Bank, WDI")
    lines = {trace.name: trace for trace in fig.data}
    assert set(lines) == {"Romania", "Pakistan", "Türkiye"}
    assert all(isinstance(t, go.Scatter) for t in fig.data)
    assert lines["Pakistan"].line.color == PAKISTAN_COLOUR
    assert lines["Romania"].line.color != PAKISTAN_COLOUR
    assert fig.layout.title.text == "Research and development expenditure (% of GDP)"
    assert any(a.text == "Source: World Bank, WDI" for a in fig.layout.annotations)


def test_trend_hover_shows_value_unit_year_and_source(romania) -> None:
    frame = romania.indicators.assign(source="World Bank (World Development Indicators)")
    fig = indicator_trend(frame, RD_SPEND)
    romania_line = next(t for t in fig.data if t.name == "Romania")
    country, value, unit, year, source = romania_line.customdata[-1]
    assert (country, unit, source) == (
        "Romania",
        "% of GDP",
        "World Bank (World Development Indicators)",
    )
    assert year == str(romania_line.x[-1])
    assert value.endswith("%")
    template = romania_line.hovertemplate
    assert all(f"customdata[{i}]" in template for i in range(5))
    assert "Unit" in template and "Source" in template


def test_trend_hover_falls_back_to_the_source_id(romania) -> None:
    fig = indicator_trend(romania.indicators, RD_SPEND)
    assert fig.data[0].customdata[0][4] == "wdi-gb-xpd-rsdv-gd-zs"


def test_latest_comparison_is_horizontal_bars_labelled_with_value_and_year(romania) -> None:
    fig = latest_comparison(romania.latest, ICT_EXPORTS, source="Source: WDI")
    bars = fig.data[0]
    assert isinstance(bars, go.Bar) and bars.orientation == "h"
    assert set(bars.y) == {"Romania", "Pakistan", "Türkiye"}
    rows = romania.latest[romania.latest["indicator_code"] == ICT_EXPORTS].set_index("country")
    romania_label = bars.text[list(bars.y).index("Romania")]
    assert romania_label.startswith("US$") and f"({rows.at['Romania', 'year']})" in romania_label
    pakistan_colour = bars.marker.color[list(bars.y).index("Pakistan")]
    assert pakistan_colour == PAKISTAN_COLOUR
    assert "— latest year" in fig.layout.title.text


def test_hubs_map_places_each_hub_with_city_and_source_on_hover(romania) -> None:
    fig = hubs_map(romania.hubs, title="Tech hubs in Romania", source="Source: PID")
    points = fig.data[0]
    assert isinstance(points, go.Scattergeo)
    assert "Timișoara" in list(points.text)
    assert len(points.lat) == len(romania.hubs) == len(points.lon)
    assert points.customdata[0][2] == "pid-2025-08-09-romania"
    assert "Source" in points.hovertemplate and "customdata[0]" in points.hovertemplate
    assert fig.layout.title.text == "Tech hubs in Romania"


def test_chart_functions_accept_a_country_without_data() -> None:
    tuvalu = build_country_profile(load_package(), "TUV", (), date(2026, 11, 28))
    assert len(hubs_map(tuvalu.hubs).data[0].lat) == 0
    assert len(latest_comparison(tuvalu.latest, "NO.SUCH.CODE").data[0].y) == 0
    assert indicator_trend(tuvalu.indicators, "NO.SUCH.CODE").data == ()


def open_tab(at: AppTest, label: str) -> AppTest:
    """Open the profile's lower tab `label`, as a click on it does."""
    at.session_state[DETAILS_TAB] = label
    return at.run()


def detail_tabs(at: AppTest) -> list[str]:
    """The labels of the profile's lower tabs (not the Chart and Table tabs of its chart)."""
    return [tab.label for tab in at.tabs if tab.label not in (CHART_TAB, TABLE_TAB)]


def test_default_page_shows_romania_with_its_meetings_then_facts_hubs_and_programmes_on_tabs() -> (
    None
):
    at = open_country_page()
    assert at.header[0].value == "Romania"
    assert at.selectbox(key=PICKER).value == "ROU"
    text = page_text(at)
    assert "Europe & Central Asia" in text and "High income" in text
    assert "EU member state — full participant in Horizon Europe" in text
    indicator = at.selectbox(key="country_indicator")
    assert indicator.value == "GB.XPD.RSDV.GD.ZS"  # R&D spend first
    assert detail_tabs(at) == [
        "Meetings and follow-ups",
        "Facts and indicators",
        "Companies and hubs",
        "Expertise and EU programmes",
    ]
    # Only the open tab is drawn: the meetings, not the facts nor the hubs map.
    assert [h.value for h in at.main.subheader][-2:] == ["Meetings", "Open follow-ups"]
    assert len(at.get("plotly_chart")) == 1  # the indicator's trend
    assert "Timișoara" not in page_text(at)
    indicator.set_value("IT.NET.USER.ZS").run()
    headings = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert any("Individuals using the Internet" in heading for heading in headings)
    assert not any("Research and development" in heading for heading in headings)
    assert len(at.get("plotly_chart")) == 1
    assert not at.info  # Romania has data in every section

    open_tab(at, "Facts and indicators")
    assert [h.value for h in at.main.subheader][-2:] == [
        "Tech-sector facts",
        "Latest values side by side",
    ]
    facts, latest = (frame.value for frame in at.dataframe[-2:])
    assert {"Topic", "Statement", "Value"} <= set(facts.columns) and len(facts) >= 1
    assert list(latest.columns) == ["Indicator", "Pakistan", "Romania"]
    assert len(at.get("plotly_chart")) == 1
    assert not at.info

    open_tab(at, "Companies and hubs")
    assert [h.value for h in at.main.subheader][-2:] == ["Companies", "Tech hubs"]
    assert "Timișoara" in page_text(at)
    assert len(at.get("plotly_chart")) == 2  # and the hubs map
    assert not at.info
    open_tab(at, "Expertise and EU programmes")
    assert [h.value for h in at.main.subheader][-2:] == [
        "Areas of expertise",
        "EU programme access",
    ]
    assert "Horizon Europe" in at.dataframe[-1].value["Programme"].tolist()
    assert not at.info
    links = [el for el in at.main.get("page_link")]  # the sidebar menu has its own
    assert len(links) == 2


def test_tabs_not_open_still_give_their_tables_and_map_to_the_views_exports() -> None:
    at = open_country_page()
    view = at.session_state[VIEW_STATE]
    titles = [item.title for item in view.items]
    stems = ("companies", "areas", "programme-access", "meetings", "open-followups")
    for stem in (*stems, "sector-facts", "latest-values"):
        assert titles.count(f"rou-{stem}") == 1, stem
    assert [item.title for item in view.charts].count("Tech hubs in Romania") == 1
    for label in ("Facts and indicators", "Companies and hubs"):
        open_tab(at, label)
        assert [item.title for item in at.session_state[VIEW_STATE].items] == titles


def test_the_views_workbook_and_deck_still_hold_the_latest_values_and_the_facts() -> None:
    """The top of the profile draws one chart and no table, yet the view's workbook has the
    facts and latest values sheets and its deck the indicator's latest values next to
    Pakistan's, as before."""
    import io

    from openpyxl import load_workbook
    from pptx import Presentation

    from dashboard.datasets.citations import sources_table
    from dashboard.export.deck import build_deck
    from dashboard.export.workbook import build_workbook, item_sheet_names

    at = open_country_page({"country": "ROU"})
    view = at.session_state[VIEW_STATE]
    rd_spend = "Research and development expenditure (% of GDP)"
    assert [item.title for item in view.charts] == [
        rd_spend,
        f"{rd_spend} — latest year",
        "Tech hubs in Romania",
    ]
    latest_chart = view.charts[1]
    assert set(latest_chart.data["Country"]) == {"Romania", "Pakistan"}

    ids = [source for item in view.items for source in item.source_ids]
    workbook = build_workbook(view, sources_table(load_package(), ids))
    book = load_workbook(io.BytesIO(workbook), read_only=True)
    assert book.sheetnames[1:-1] == item_sheet_names(view)
    by_title = {name.split(" ", 1)[1]: name for name in book.sheetnames[1:-1]}
    latest = list(book[by_title["rou-latest-values"]].values)
    assert "Romania" in latest[0] and len(latest) == 7  # a header and six indicators
    assert len(list(book[by_title["rou-sector-facts"]].values)) >= 2

    deck = Presentation(io.BytesIO(build_deck(view)))
    slide_titles = [
        next(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        for slide in list(deck.slides)[1:]
    ]
    assert slide_titles == [item.title for item in view.charts]


def test_a_country_change_draws_one_chart_and_headline_figures_from_the_data() -> None:
    """A change of the sidebar's country filter redraws the headline figures, one chart (the
    picked indicator's trend) and the open tab's two tables: the latest values' chart, the
    facts and the latest values table wait on their tabs. Each headline figure is the
    country's latest value in the indicators table, with its year, Pakistan's in its help."""
    from dashboard.charts.country_page import HEADLINE_LABELS
    from dashboard.charts.theme import format_value
    from dashboard.datasets.profile import KEY_INDICATORS
    from dashboard.ui.state import WIDGET_KEYS
    from tests.helpers import as_read

    package = load_package()
    values = package.table("indicators")
    units = package.table("indicator_catalogue").set_index("indicator_code")["unit"]

    def latest_words(iso3: str, code: str) -> tuple[str, int]:
        rows = values[(values["iso3"] == iso3) & (values["indicator_code"] == code)]
        row = rows.dropna(subset=["value"]).sort_values("year").iloc[-1]
        return format_value(row["value"], units[code]), int(row["year"])

    at = open_country_page({"country": "ROU"})
    at.session_state[WIDGET_KEYS["country"]] = ["KOR"]
    at.run()
    assert not at.exception
    assert at.header[0].value == "South Korea"
    assert len(at.get("plotly_chart")) == 1
    assert len(at.dataframe) == 2  # the open tab's meetings and open follow-ups
    assert [h.value for h in at.main.subheader][-2:] == ["Meetings", "Open follow-ups"]

    metrics = {as_read(m.label).rsplit(", ", 1)[0]: m for m in at.metric}
    codes = [c for c in KEY_INDICATORS if (values["indicator_code"] == c).any()]
    assert list(metrics) == [HEADLINE_LABELS[c] for c in codes]
    for code in codes:
        metric = metrics[HEADLINE_LABELS[code]]
        value, year = latest_words("KOR", code)
        assert metric.value == value
        assert as_read(metric.label) == f"{HEADLINE_LABELS[code]}, {year}"
        home_value, home_year = latest_words("PAK", code)
        said = as_read(metric.proto.help)
        assert f"South Korea: {value} ({year})" in said
        assert f"Pakistan: {home_value} ({home_year})" in said
    assert "Source: World Bank" in page_text(at)


def test_an_indicator_without_a_value_for_the_country_is_not_recorded_in_its_figures() -> None:
    from dashboard.charts.country_page import HEADLINE_LABELS
    from tests.helpers import as_read

    values = load_package().table("indicators")
    tuvalu = set(values.loc[values["iso3"] == "TUV", "indicator_code"])
    at = open_country_page({"country": "TUV"})
    shown = {as_read(m.label).rsplit(", ", 1)[0]: m for m in at.metric}
    missing = [code for code, label in HEADLINE_LABELS.items() if code not in tuvalu]
    assert missing and len(missing) < len(shown)  # Tuvalu has some values, not all
    for code in missing:
        metric = shown[HEADLINE_LABELS[code]]
        assert metric.value == "not recorded"
        assert as_read(metric.label) == HEADLINE_LABELS[code]  # no year
        assert "Tuvalu: not recorded" in as_read(metric.proto.help)
        assert "Pakistan: " in as_read(metric.proto.help)


def test_url_countries_pick_the_country_and_its_peers() -> None:
    at = open_country_page({"country": ["KOR", "ROU"]})
    assert at.header[0].value == "South Korea"
    assert "Compared with Pakistan and Romania." in page_text(at)
    open_tab(at, "Companies and hubs")
    assert "No companies recorded for South Korea." in page_text(at)


def test_country_with_no_data_says_so_plainly() -> None:
    at = open_country_page({"country": "TUV"})
    assert at.header[0].value == "Tuvalu"
    infos = [i.value for i in at.info]
    for label in ("Facts and indicators", "Companies and hubs"):
        open_tab(at, label)
        infos += [i.value for i in at.info]
    for message in (
        "No tech-sector facts recorded for Tuvalu.",
        "No companies recorded for Tuvalu.",
        "No tech hubs recorded for Tuvalu.",
        "No meetings recorded with Tuvalu.",
        "No open follow-ups recorded for Tuvalu.",
    ):
        assert message in infos


def test_empty_period_still_renders_the_profile() -> None:
    at = open_country_page({"from": "2019-01-01", "to": "2019-12-31"})
    assert at.header[0].value == "Romania"


def test_every_partners_profile_is_built_before_anyone_picks_it() -> None:
    """Once a page has been served, a background thread builds each partner's Country page, so
    a first pick of a partner draws without computing; the keys the page asks for must be the
    ones built in advance, or the work is done twice."""
    import threading

    from dashboard.charts.country_page import partner_countries
    from dashboard.ui.data import get_package

    def built_profiles() -> set[tuple]:
        return {key[2] for key in list(get_package()._memo) if key[1] == "country_page_tables"}

    at = run_app()
    for thread in threading.enumerate():
        if thread.name == "warm-country-pages":
            thread.join(timeout=120)
    partners = partner_countries(get_package())
    assert "CHN" in partners and len(partners) >= 10
    before = built_profiles()
    assert {args[0] for args in before} >= set(partners)

    at.query_params["country"] = "CHN"
    at.switch_page("views/country.py").run()
    assert not at.exception
    assert [h.value for h in at.header] == ["China"]
    assert built_profiles() == before


def test_building_ahead_waits_while_a_page_runs() -> None:
    """The background building of partner pages does not take the processor from a page run
    in progress: it goes on only once the run has ended (and a short quiet time passed)."""
    import threading

    from dashboard.charts.country_page import _PageRuns

    runs = _PageRuns()
    went_on = threading.Event()

    def builder() -> None:
        runs.wait_until_quiet(settle_s=0.05, timeout_s=60)
        went_on.set()

    with runs.running():
        thread = threading.Thread(target=builder)
        thread.start()
        assert not went_on.wait(0.5)
    thread.join(60)
    assert went_on.is_set()


def test_a_newer_package_stops_the_building_for_the_older_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a save the package of the previous revision is no longer shown: its partner
    pages are not built any further, while the newer package's are."""
    import dataclasses
    import threading
    from collections import OrderedDict

    from dashboard.charts import country_page

    monkeypatch.setattr(country_page, "SETTLE_S", 0.05)
    loaded = load_package()

    def fresh() -> LoadedPackage:
        return dataclasses.replace(loaded, _memo=OrderedDict(), _memo_lock=threading.Lock())

    def built(package: LoadedPackage, page: str = "country_page_tables") -> set[str]:
        return {key[2][0] for key in list(package._memo) if key[1] == page}

    today = date(2026, 11, 28)
    older, newer = fresh(), fresh()
    with country_page.PAGE_RUNS.running():  # the building waits while a page runs
        old_thread = country_page.warm_partner_pages(older, today)
        assert country_page.warm_partner_pages(older, today) is old_thread  # once per package
        new_thread = country_page.warm_partner_pages(newer, today)
        old_thread.join(30)
        assert not old_thread.is_alive()  # stopped at once, though a page still runs
        assert new_thread.is_alive()
    new_thread.join(120)
    assert not new_thread.is_alive()
    assert built(older) == set()
    assert built(newer) == set(country_page.partner_countries(newer))
    # Picking a partner on the Overview is a lookup too.
    overviews = {
        filters.countries for filters in built(newer, "overview_page_data") if filters.countries
    }
    assert overviews == {(iso3,) for iso3 in country_page.partner_countries(newer)}


def test_figures_are_built_one_at_a_time() -> None:
    """Plotly is not safe to build figures from two threads at once (the background building
    of partner pages and a page): a chart function runs holding the figure lock."""
    import threading

    from dashboard.charts.memo import cached_figure
    from dashboard.charts.theme import FIGURE_LOCK, for_screen

    taken_elsewhere: list[bool] = []

    def try_lock() -> None:
        got = FIGURE_LOCK.acquire(blocking=False)
        if got:
            FIGURE_LOCK.release()
        taken_elsewhere.append(got)

    @cached_figure
    def chart(title: str) -> go.Figure:
        probe = threading.Thread(target=try_lock)
        probe.start()
        probe.join()
        return go.Figure(layout={"title": {"text": title}})

    for_screen(chart("built while another thread tries the lock"))
    assert taken_elsewhere == [False]
