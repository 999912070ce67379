"""Pages keep what they built per process, and still follow every filter change in a session.

Country profile, Compare and Overview build their tables and charts once per set of filters and
keep them; these tests change the filters back and forth in one session, as a user does, and
check that each view shows what its filters say, never a view kept from other filters.
"""

from __future__ import annotations

from datetime import date

from streamlit.testing.v1 import AppTest

from dashboard.ui.state import WIDGET_KEYS
from tests.helpers import open_chart_data, page_text, run_app


def _set(at: AppTest, name: str, value: object) -> AppTest:
    at.session_state[WIDGET_KEYS[name]] = value
    return at.run()


def _table(at: AppTest, column: str):
    """The first table on the page with a column named `column`."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_country_profile_follows_the_period_and_the_country_back_and_forth() -> None:
    at = run_app("views/country.py")
    meetings_all = _table(at, "Pakistan lead")
    assert len(meetings_all) >= 1

    _set(at, "from", date(1990, 1, 1))
    _set(at, "to", date(1990, 12, 31))
    assert "No meetings recorded with Romania." in [i.value for i in at.info]

    _set(at, "from", None)
    _set(at, "to", None)
    assert len(_table(at, "Pakistan lead")) == len(meetings_all)

    at.session_state["country_details_tab"] = "Companies and hubs"  # stays open from here
    _set(at, "country", ["KOR"])
    assert at.header[0].value == "South Korea"
    assert "No companies recorded for South Korea." in page_text(at)
    _set(at, "country", ["ROU"])
    assert at.header[0].value == "Romania"
    assert len(_table(at, "Company")) >= 1
    assert not at.exception


def test_compare_follows_the_countries_back_and_forth() -> None:
    at = open_chart_data(run_app("views/compare.py"), "cmp_trend")  # its table stays open
    shown_by_default = set(_table(at, "ISO3")["Country"])
    assert len(shown_by_default) > 2

    _set(at, "country", ["PAK", "ROU"])
    assert set(_table(at, "ISO3")["Country"]) == {"Pakistan", "Romania"}

    _set(at, "country", [])
    assert set(_table(at, "ISO3")["Country"]) == shown_by_default
    assert not at.exception


def test_overview_counts_follow_the_country_back_and_forth() -> None:
    at = run_app()
    partners_all = at.metric[0].value
    meetings_all = at.metric[1].value

    _set(at, "country", ["ROU"])
    assert at.metric[0].value == "1"
    assert int(at.metric[1].value.replace(",", "")) < int(meetings_all.replace(",", ""))

    _set(at, "country", [])
    assert (at.metric[0].value, at.metric[1].value) == (partners_all, meetings_all)
    assert not at.exception


def test_cooperation_areas_follow_the_country_back_and_forth() -> None:
    at = run_app("views/areas.py")
    assert "Selected" not in [s.value for s in at.subheader]

    _set(at, "country", ["ROU"])
    assert "Selected" in [s.value for s in at.subheader]
    assert "Country profile: Romania" in [link.label for link in at.get("page_link")]

    _set(at, "country", [])
    assert "Selected" not in [s.value for s in at.subheader]
    assert not at.exception
