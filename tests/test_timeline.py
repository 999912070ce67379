"""Meetings timeline: the chart (lanes, symbols, upcoming events) and the page under AppTest."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.charts.timeline import EVENT_LABELS, EVENT_SYMBOLS, date_text, timeline_figure
from dashboard.datasets import load_package
from dashboard.datasets.filters import Filters
from dashboard.datasets.queries import meetings_view
from tests.helpers import open_chart_data, page_text, run_app

TODAY = date(2026, 11, 28)
ROMANIA_MEETING = "2025-08-09-ROU"


def _meetings(rows: list[dict]) -> pd.DataFrame:
    defaults = {
        "date_precision": "day",
        "end_date": pd.NaT,
        "title": "A meeting",
        "location": "Islamabad",
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame


@pytest.fixture
def sample() -> pd.DataFrame:
    return _meetings(
        [
            {
                "meeting_id": "m1",
                "date": "2025-03-01",
                "partner": "Romania",
                "event_type": "meeting",
            },
            {"meeting_id": "m2", "date": "2025-05-01", "partner": "Türkiye", "event_type": "forum"},
            {
                "meeting_id": "m3",
                "date": "2025-11-25",
                "end_date": "2025-11-27",
                "date_precision": "range",
                "partner": "Russia",
                "event_type": "joint_commission",
            },
            {"meeting_id": "m4", "date": "2027-01-10", "partner": "Romania", "event_type": "visit"},
        ]
    )


def _marker_traces(fig):
    return [t for t in fig.data if t.mode == "markers" and t.x[0] is not None]


def test_one_lane_per_partner_alphabetical_from_the_top(sample) -> None:
    fig = timeline_figure(sample, TODAY)
    lanes = list(fig.layout.yaxis.categoryarray)
    assert sorted(lanes) == ["Romania", "Russia", "Türkiye"]
    assert lanes[::-1] == sorted(lanes), "plotly draws the first category at the bottom"


def test_each_event_type_has_its_own_symbol_and_legend_entry(sample) -> None:
    fig = timeline_figure(sample, TODAY)
    past = {t.name: t.marker.symbol for t in _marker_traces(fig) if t.showlegend is not False}
    assert past == {
        "Meeting": EVENT_SYMBOLS["meeting"],
        "Forum": EVENT_SYMBOLS["forum"],
        "Joint commission": EVENT_SYMBOLS["joint_commission"],
    }
    assert len(set(EVENT_SYMBOLS.values())) == len(EVENT_LABELS), "symbols carry the type"


def test_upcoming_events_are_hollow_and_today_is_marked(sample) -> None:
    fig = timeline_figure(sample, TODAY)
    upcoming = [t for t in _marker_traces(fig) if t.marker.symbol.endswith("-open")]
    assert len(upcoming) == 1
    assert [row[0] for row in upcoming[0].customdata] == ["m4"]
    assert "Upcoming" in upcoming[0].customdata[0][7]
    today_lines = [s for s in fig.layout.shapes if s.name == "today"]
    assert len(today_lines) == 1
    assert pd.Timestamp(today_lines[0].x0) == pd.Timestamp(TODAY)
    assert any(a.text == "Today 2026-11-28" for a in fig.layout.annotations)


def test_every_point_carries_its_meeting_id_first(sample) -> None:
    fig = timeline_figure(sample, TODAY)
    ids = [row[0] for t in _marker_traces(fig) for row in t.customdata]
    assert sorted(ids) == ["m1", "m2", "m3", "m4"]


def test_range_events_are_drawn_from_start_to_end(sample) -> None:
    fig = timeline_figure(sample, TODAY)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 1
    assert [pd.Timestamp(x) for x in lines[0].x[:2]] == [
        pd.Timestamp("2025-11-25"),
        pd.Timestamp("2025-11-27"),
    ]
    assert list(lines[0].y[:2]) == ["Russia", "Russia"]


def test_hover_shows_date_precision_and_escapes_markup() -> None:
    frame = _meetings(
        [
            {
                "meeting_id": "x",
                "date": "2025-08-09",
                "date_precision": "reported",
                "partner": "Romania",
                "event_type": "meeting",
                "title": "<img src=x onerror=alert(1)>",
            }
        ]
    )
    custom = _marker_traces(timeline_figure(frame, TODAY))[0].customdata[0]
    assert "reported date" in custom[3]
    assert "<img" not in custom[1] and "&lt;img" in custom[1]


def test_date_text_says_how_exact_a_date_is() -> None:
    day = pd.Timestamp("2025-09-30")
    assert date_text(day, "day") == "2025-09-30"
    assert date_text(day, "approximate") == "2025-09-30 (approximate date)"
    assert date_text(day, "range", pd.Timestamp("2025-10-02")) == "2025-09-30 to 2025-10-02"


def test_real_meetings_plot_every_event_once() -> None:
    package = load_package()
    view = meetings_view(package, Filters())
    fig = timeline_figure(view, TODAY)
    ids = [row[0] for t in _marker_traces(fig) for row in t.customdata]
    assert sorted(ids) == sorted(view["meeting_id"])


# --- the page under AppTest ---------------------------------------------------------------


def _open(query: dict[str, str] | None = None):
    return run_app("views/timeline.py", query=query)


def _chart_data(at) -> pd.DataFrame:
    open_chart_data(at, "timeline_chart")
    return next(df.value for df in at.dataframe if "Meeting id" in df.value.columns)


def test_page_renders_every_meeting_by_default() -> None:
    at = _open()
    assert not at.exception
    meetings = load_package().table("meetings")
    assert len(_chart_data(at)) == len(meetings)
    assert f"{len(meetings)} event(s)" in page_text(at)


def test_country_link_shows_only_that_country() -> None:
    at = _open({"country": "ROU"})
    assert not at.exception
    data = _chart_data(at)
    assert set(data["Partner"]) == {"Romania"}
    assert len(data) == 4
    assert "4 event(s)" in page_text(at)


def test_empty_period_says_so_plainly() -> None:
    at = _open({"from": "2019-01-01", "to": "2019-12-31"})
    assert not at.exception
    assert any("No meetings in this period" in el.value for el in at.info)
    assert not at.get("plotly_chart")


def test_country_without_meetings_says_so() -> None:
    at = _open({"country": "TUV"})
    assert not at.exception
    assert any("No meetings recorded for Tuvalu" in el.value for el in at.info)


def _assert_romania_details(at) -> None:
    assert not at.exception
    assert any("Magsi meets Romanian Ambassador" in el.value for el in at.subheader)
    assert [b.proto.url for b in at.link_button] == ["https://pid.gov.pk/site/press_detail/29982"]
    actions = next(df.value for df in at.dataframe if "Action" in df.value.columns)
    assert len(actions) == 3
    # The forum's "done" is the curators' inference, and reads so.
    assert sorted(actions["Status"]) == ["Done (inferred)", "Proposed", "Proposed"]
    text = page_text(at)
    for label in ("Date", "Place", "Pakistan side", "Romania side", "Areas discussed", "Outcomes"):
        assert f"**{label}:**" in text
    assert "reported date" in text
    # The other reports of the meeting are source rows, each with what it supports.
    assert "**Also reported by**" in text
    assert "Daily Times" in text and "On Saturday" in text
    assert "UrduPoint" in text and "reported on 2025-08-08" in text


def test_event_in_the_url_opens_its_details() -> None:
    _assert_romania_details(_open({"event": ROMANIA_MEETING}))


def test_choosing_an_event_from_the_list_opens_its_details_and_updates_the_url() -> None:
    at = _open()
    assert not at.link_button
    at.selectbox(key="timeline_event").set_value(ROMANIA_MEETING).run()
    _assert_romania_details(at)
    assert at.query_params["event"] == ROMANIA_MEETING


def test_event_outside_the_filters_still_opens_with_a_note() -> None:
    at = _open({"country": "TUR", "event": ROMANIA_MEETING})
    assert not at.exception
    assert any("Magsi meets Romanian Ambassador" in el.value for el in at.subheader)
    assert any("outside the current filters" in el.value for el in at.caption)


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "2099-01-01-XXX", "x" * 500])
def test_unknown_event_in_the_url_gives_a_notice(hostile: str) -> None:
    at = _open({"event": hostile})
    assert not at.exception
    assert any("Ignored the event" in el.value for el in at.info)
    assert "event" not in at.query_params
    assert not at.link_button
    assert "<script>" not in "".join(el.value for el in at.info)
