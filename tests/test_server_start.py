"""The server's start (`dashboard/serve.py`): the first view is read and built before anyone
asks for it, and a broken data folder still lets the server start and the page say what is
wrong. (Every browser test starts the app through serve.py, as operators do.)"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboard.charts.overview_page as overview_page
from dashboard.serve import warm_first_view
from tests.conftest import APP


def _overview(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_dir))
    return AppTest.from_file(str(APP), default_timeout=60).run()


def test_the_first_visitor_gets_the_overview_built_at_start(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_copy))
    warm_first_view()

    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the map was built again on the first visit")

    monkeypatch.setattr(overview_page, "partner_map", not_again)
    at = _overview(data_copy, monkeypatch)
    assert not at.exception
    assert at.title[0].value == "S&T Partnerships Dashboard"
    assert [m.label for m in at.metric][:2] == ["Partners tracked", "Meetings in the period"]
    charts = at.get("plotly_chart")
    assert charts, "the Overview shows its partner map"
    assert '"type":"choropleth"' in charts[0].proto.spec
    assert any(m.value.startswith("#### Meetings with partner countries") for m in at.markdown)


def test_a_broken_data_folder_is_logged_at_start_and_shown_on_the_page(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (data_copy / "datapackage.json").write_text("{ not json", encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_copy))
    with caplog.at_level(logging.WARNING):
        warm_first_view()  # must not raise: the server keeps starting
    at = _overview(data_copy, monkeypatch)
    assert not at.exception
    assert any("cannot be read" in e.value for e in at.error)
