"""The pages on a generated data set far larger than today's: each stays readable (a chart a
person can read, a notice naming what was left out) instead of drawing everything.

The data is synthetic (the benchmark's generator, 15 % of its 100x size), written to a
temporary folder and loaded through the real loader; it never enters data/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.bench.synthetic import generate
from dashboard.datasets.matrix import MAX_MATRIX_AREAS
from dashboard.ui.display import MAX_SOURCES_LISTED
from tests.helpers import page_text, run_app

SCALE = 0.15


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    return generate(tmp_path_factory.mktemp("synthetic") / "pkg", scale=SCALE, seed=3)


@pytest.fixture
def at_scale(synthetic, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    folder, rows = synthetic
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(folder))
    return rows


def _spec(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_areas_matrix_keeps_the_strongest_areas_and_says_so(at_scale) -> None:
    assert at_scale["cooperation_areas"] > MAX_MATRIX_AREAS
    at = run_app("views/areas.py")
    assert not at.exception
    text = page_text(at)
    assert f"{MAX_MATRIX_AREAS} of {at_scale['cooperation_areas']} cooperation areas" in text
    cells = {(row[0], row[1]) for row in _spec(at)["data"][0]["customdata"]}
    assert len({area for _, area in cells}) == MAX_MATRIX_AREAS


def test_programme_treemap_shows_the_top_levels_and_a_click_shows_the_parts(at_scale) -> None:
    at = run_app("views/programmes.py")
    assert not at.exception
    boxes = _spec(at)["data"][0]["ids"]
    assert len(boxes) < at_scale["programmes"]
    assert f"{len(boxes):,} of {at_scale['programmes']:,} programmes and parts" in page_text(at)

    first = boxes[0]
    focused = run_app("views/programmes.py", query={"programme": first})
    assert not focused.exception
    parts = _spec(focused)["data"][0]
    assert first in parts["ids"] and any(p == first for p in parts["parents"])


def test_timeline_draws_the_latest_events_and_says_how_many_exist(at_scale) -> None:
    at = run_app("views/timeline.py")
    assert not at.exception
    drawn = sum(len(trace.get("customdata") or []) for trace in _spec(at)["data"])
    assert drawn == 300
    assert f"latest 300 of {at_scale['meetings']:,} events" in page_text(at)


def test_followups_send_the_most_urgent_rows_and_offer_all_in_the_download(at_scale) -> None:
    at = run_app("views/followups.py")
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Flag" in d.value.columns)
    assert len(table) == 500
    assert f"500 most urgent of {at_scale['followups']:,} actions" in page_text(at)


def test_a_chart_citing_many_sources_lists_the_first_and_counts_the_rest(at_scale) -> None:
    at = run_app("views/followups.py")
    assert not at.exception
    lists = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert lists
    for listed in lists:
        entries = [line for line in listed.splitlines() if line.startswith("- ")]
        assert len(entries) == MAX_SOURCES_LISTED
        assert "more: the XLSX download lists every one." in listed.splitlines()[-1]
