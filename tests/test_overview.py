"""Overview: the partner map chart, and the home page's figures, map and tables."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from dashboard.charts.overview import partner_map, partner_meeting_counts
from dashboard.datasets import load_package
from dashboard.datasets.filters import Filters
from dashboard.datasets.queries import meetings_view, partners_view
from tests.helpers import as_read, page_text, run_app

PARTNERS = pd.DataFrame(
    {"iso3": ["ROU", "KOR", "EUU"], "name": ["Romania", "South Korea", "European Union"]}
)
MEETINGS = pd.DataFrame(
    {
        "partner_iso3": ["ROU", "ROU", "EUU"],
        "date": pd.to_datetime(["2025-08-09", "2025-11-20", "2025-03-01"]),
    }
)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_counts_meetings_and_latest_date_per_partner_without_the_eu() -> None:
    counts = partner_meeting_counts(PARTNERS, MEETINGS).set_index("iso3")
    assert "EUU" not in counts.index
    assert counts.at["ROU", "meetings"] == 2
    assert counts.at["ROU", "latest_meeting"] == "2025-11-20"
    assert counts.at["KOR", "meetings"] == 0
    assert counts.at["KOR", "latest_meeting"] == "none in the period"


def test_counts_work_when_the_period_has_no_meetings() -> None:
    counts = partner_meeting_counts(PARTNERS, MEETINGS.iloc[0:0])
    assert list(counts["meetings"]) == [0, 0]


def test_partner_map_is_an_iso3_choropleth_with_hover_and_source() -> None:
    fig = partner_map(partner_meeting_counts(PARTNERS, MEETINGS), source="Source: meeting records")
    trace = fig.data[0]
    assert isinstance(trace, go.Choropleth)
    assert trace.locationmode == "ISO-3"
    assert list(trace.locations) == ["ROU", "KOR"]
    assert list(trace.z) == [2, 0]
    assert "Meetings" in trace.hovertemplate and "Latest meeting" in trace.hovertemplate
    assert "Source" in trace.hovertemplate
    assert list(trace.customdata[0]) == ["Romania", "2025-11-20"]
    assert any(a.text == "Source: meeting records" for a in fig.layout.annotations)


def test_home_page_shows_the_four_headline_figures_from_the_data() -> None:
    package = load_package()
    at = run_app()
    assert not at.exception
    shown = metrics(at)
    assert shown["Partners tracked"] == str(len(partners_view(package, Filters())))
    assert shown["Meetings in the period"] == str(len(meetings_view(package, Filters())))
    assert int(shown["Open follow-ups"]) > 0
    # Horizon Europe (EUR 95.5 bn) and Erasmus+ (EUR 26.2 bn) are reachable for Pakistan.
    assert shown["EU budget reachable"] == "€121.7 bn"
    budget_help = as_read(next(m for m in at.metric if m.label == "EU budget reachable").help)
    assert "Horizon Europe" in budget_help and "Erasmus+" in budget_help
    assert "Lower middle income" in budget_help
    text = page_text(at)
    assert "European Union is a partner too but not a country on the map" in text
    assert "Datasets loaded" in text
    assert len(at.dataframe) >= 3  # latest meetings, oldest follow-ups, datasets


def test_country_filter_from_the_url_narrows_the_figures() -> None:
    everyone = metrics(run_app())
    at = run_app(query={"country": ["ROU", "PAK"]})
    assert not at.exception
    shown = metrics(at)
    assert shown["Partners tracked"] == "1"  # Pakistan is the home country, not a partner
    assert shown["Meetings in the period"] == "4"
    assert int(shown["Meetings in the period"]) < int(everyone["Meetings in the period"])


def test_an_empty_period_shows_zero_meetings_and_says_so() -> None:
    at = run_app(query={"from": "2019-01-01", "to": "2019-12-31"})
    assert not at.exception
    shown = metrics(at)
    assert shown["Meetings in the period"] == "0"
    assert shown["Open follow-ups"] == "0"
    text = page_text(at)
    assert "No meetings recorded in this period." in text
    assert "No open follow-ups recorded in this period." in text


def test_a_country_with_no_meetings_renders_with_zero() -> None:
    at = run_app(query={"country": "TUV"})
    assert not at.exception
    assert metrics(at)["Meetings in the period"] == "0"
