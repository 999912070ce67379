"""The benchmark's same-shape floor app shows, per page, what the dashboard's page shows.

If it drew fewer charts or tables than the page, the floor would flatter the dashboard; these
tests keep it honest, with no filter and with a country in the filter. No timings.
"""

from __future__ import annotations

from collections import Counter

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.bench.floor import (
    FLOOR_APP,
    SNAPSHOT_ENV,
    filtered_pages,
    switch_floor_page,
    take_snapshot,
    write_snapshot,
)

PAGES = [page.url_path for page in filtered_pages()]
STATES = {
    "no filter": ([], []),
    "Romania in the filter": (["ROU"], ["Romania"]),
    "China in the filter": (["CHN"], ["China"]),
}


def _kinds(node) -> Counter:
    """How many elements of each kind a tree holds (its widgets by kind, label and tooltip,
    its tables with their column settings)."""
    counts: Counter = Counter()
    for child in getattr(node, "children", {}).values():
        kind = getattr(child, "type", type(child).__name__)
        label = getattr(child, "label", None)
        proto = getattr(child, "proto", None)
        if kind == "dataframe":
            counts[(kind, proto.columns)] += 1
        elif isinstance(label, str):
            counts[(kind, label, getattr(proto, "help", ""))] += 1
        else:
            counts[kind] += 1
        counts += _kinds(child)
    return counts


def _tables(counts: Counter) -> int:
    return sum(n for key, n in counts.items() if isinstance(key, tuple) and key[0] == "dataframe")


def _headings(at: AppTest) -> list[str]:
    return [h.value for h in at.main.get("header")] + [h.value for h in at.main.get("subheader")]


@pytest.fixture(scope="module")
def real_and_floor(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, set[str]]:
    """Per state and page: the element counts of the dashboard's page and of the floor app's
    page; and the element kinds the snapshot could not replay."""
    snapshot = take_snapshot(countries=("ROU", "CHN"))
    snapshot_file = write_snapshot(snapshot, tmp_path_factory.mktemp("floor") / "snapshot.pkl")
    real, floor = {}, {}
    at = AppTest.from_file(str(FLOOR_APP.parents[1] / "app.py"), default_timeout=120).run()
    for state, (codes, _) in STATES.items():
        at.session_state[snapshot.country_key] = codes
        for page in snapshot.navigation:
            at.switch_page(page.page_file).run()
            real[state, page.url_path] = (
                _kinds(at.main),
                _kinds(at.sidebar),
                _headings(at),
                "country" in at.query_params,
            )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SNAPSHOT_ENV, str(snapshot_file))
        at = AppTest.from_file(str(FLOOR_APP), default_timeout=120).run()
        for state, (_, labels) in STATES.items():
            at.session_state[snapshot.country_key] = labels
            for url_path in PAGES:
                switch_floor_page(at, url_path).run()
                assert not at.exception, f"floor page {url_path!r}: {at.exception}"
                floor[state, url_path] = (
                    _kinds(at.main),
                    _kinds(at.sidebar),
                    _headings(at),
                    "country" in at.query_params,
                )
    return real, floor, snapshot.skipped_kinds()


def test_the_snapshot_knows_every_element_kind_the_pages_use(real_and_floor) -> None:
    _, _, skipped = real_and_floor
    assert skipped == set()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("url_path", PAGES)
def test_the_floor_page_draws_the_same_charts_and_tables_as_the_page(
    real_and_floor, url_path: str, state: str
) -> None:
    real, floor, _ = real_and_floor
    real_main = real[state, url_path][0]
    floor_main = floor[state, url_path][0]
    assert real_main["plotly_chart"] >= 1 or _tables(real_main) >= 1
    assert floor_main["plotly_chart"] == real_main["plotly_chart"]
    assert _tables(floor_main) == _tables(real_main)
    assert floor_main == real_main


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("url_path", PAGES)
def test_the_floor_page_has_the_same_sidebar_widgets(
    real_and_floor, url_path: str, state: str
) -> None:
    real, floor, _ = real_and_floor
    assert floor[state, url_path][1] == real[state, url_path][1]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("url_path", PAGES)
def test_the_floor_page_shows_the_country_in_the_filter(
    real_and_floor, url_path: str, state: str
) -> None:
    """Each country typed into the filter gets its own replay: a floor that redrew one country's
    page for every country would redraw nothing where the dashboard redraws a whole profile."""
    real, floor, _ = real_and_floor
    assert floor[state, url_path][2] == real[state, url_path][2]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("url_path", PAGES)
def test_the_floor_page_writes_the_filter_to_the_url_as_the_page_does(
    real_and_floor, url_path: str, state: str
) -> None:
    """The page writes the filter to the URL (a link shares the view); so does the floor, so
    whatever a URL change costs Streamlit is in both."""
    real, floor, _ = real_and_floor
    assert floor[state, url_path][3] == real[state, url_path][3] == bool(STATES[state][0])
