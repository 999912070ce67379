"""Cooperation areas: the partner strength score, the matrix chart, and the page."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from dashboard.charts.areas import PRIORITY_ROW, PROGRAMMES_ROW, area_matrix
from dashboard.datasets import load_package
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.matrix import (
    EXPERTISE_POINTS,
    MEETING_POINTS,
    area_columns,
    area_funding,
    partner_area_matrix,
)
from tests.helpers import open_chart_data, page_text, run_app

PAGE = "views/areas.py"


def tiny_package() -> LoadedPackage:
    """Two partners and a non-partner, two areas, one expertise, three meetings."""
    tables = {
        "countries": pd.DataFrame(
            {
                "iso3": ["AAA", "BBB", "CCC"],
                "name": ["Aland", "Borduria", "Carpania"],
                "is_partner": [True, True, False],
            }
        ),
        "cooperation_areas": pd.DataFrame(
            {
                "area_id": ["ai", "water"],
                "name": ["AI", "Water"],
                "in_founding_release": [True, False],
                "source_id": ["release", "release"],
            }
        ),
        "country_areas": pd.DataFrame(
            {"iso3": ["AAA"], "area_id": ["ai"], "relation": ["expertise"], "source_id": ["s1"]}
        ),
        "meetings": pd.DataFrame(
            {
                "meeting_id": ["m1", "m2", "m3"],
                "date": pd.to_datetime(["2024-01-10", "2025-03-01", "2025-06-01"]),
                "partner_iso3": ["AAA", "AAA", "BBB"],
                "source_id": ["s2", "s3", "s4"],
            }
        ),
        "meeting_areas": pd.DataFrame(
            {"meeting_id": ["m1", "m2", "m3"], "area_id": ["ai", "ai", "water"]}
        ),
        "programme_areas": pd.DataFrame(
            {
                "programme_id": ["prog"],
                "area_id": ["ai"],
                "basis": ["named_in_source"],
                "source_id": ["release"],
            }
        ),
        "programmes": pd.DataFrame({"programme_id": ["prog"], "name": ["Programme"]}),
        "sources": pd.DataFrame(
            {
                "source_id": ["s1", "s2", "s3", "s4", "release"],
                "publisher": ["P1", "P2", "P3", "P4", "Release"],
            }
        ),
    }
    return LoadedPackage(Path("."), None, tables=tables)


def cell(matrix: pd.DataFrame, iso3: str, area_id: str) -> pd.Series:
    return matrix.set_index(["iso3", "area_id"]).loc[(iso3, area_id)]


def test_score_counts_named_expertise_and_meetings() -> None:
    matrix = partner_area_matrix(tiny_package(), Filters())
    assert set(matrix["iso3"]) == {"AAA", "BBB"}  # partners only
    aland_ai = cell(matrix, "AAA", "ai")
    assert aland_ai["expertise"] and aland_ai["meetings"] == 2
    assert aland_ai["score"] == EXPERTISE_POINTS + 2 * MEETING_POINTS
    assert aland_ai["source"] == "P1; P2; P3"
    assert aland_ai["programmes"] == "Programme"
    assert cell(matrix, "BBB", "water")["score"] == MEETING_POINTS
    assert cell(matrix, "BBB", "ai")["score"] == 0
    assert cell(matrix, "BBB", "ai")["source"] == "nothing recorded"


def test_the_period_counts_only_its_meetings() -> None:
    matrix = partner_area_matrix(tiny_package(), Filters(start=date(2025, 1, 1)))
    assert cell(matrix, "AAA", "ai")["meetings"] == 1
    assert cell(matrix, "AAA", "ai")["score"] == EXPERTISE_POINTS + MEETING_POINTS


def test_country_and_area_filters_limit_rows_and_columns() -> None:
    matrix = partner_area_matrix(tiny_package(), Filters(countries=("BBB",), areas=("water",)))
    assert list(zip(matrix["iso3"], matrix["area_id"], strict=True)) == [("BBB", "water")]
    assert partner_area_matrix(tiny_package(), Filters(countries=("CCC",))).empty


def test_a_limit_keeps_the_strongest_partners_and_our_priority_areas() -> None:
    strongest = partner_area_matrix(tiny_package(), Filters(), max_partners=1)
    assert set(strongest["iso3"]) == {"AAA"}  # score 4 against Borduria's 1
    assert set(strongest["area_id"]) == {"ai", "water"}
    priority = partner_area_matrix(tiny_package(), Filters(countries=("BBB",)), max_areas=1)
    assert set(priority["area_id"]) == {"ai"}  # our priority, though Borduria scores 0 there
    assert cell(priority, "BBB", "ai")["source"] == "nothing recorded"


def test_real_data_romania_has_cybersecurity_expertise() -> None:
    matrix = partner_area_matrix(load_package(), Filters())
    romania = cell(matrix, "ROU", "cybersecurity")
    assert romania["expertise"]
    assert romania["score"] >= EXPERTISE_POINTS
    assert romania["in_founding_release"]
    assert "Horizon Europe" in romania["programmes"]


def test_matrix_chart_cells_and_rows_carry_country_and_area() -> None:
    package = tiny_package()
    matrix = partner_area_matrix(package, Filters())
    funding = area_funding(package, area_columns(package, Filters()))
    fig = area_matrix(matrix, funding, title="Matrix", priority_source="Release")
    cells, stars, programmes = fig.data
    assert all(trace.marker.symbol in {"square", "star"} for trace in fig.data)
    first = list(cells.customdata[0])
    assert first[:2] == ["AAA", "ai"]
    assert first[7] == "2025"  # year of the latest meeting
    for part in ("points", "Year", "Source"):
        assert part in cells.hovertemplate
    assert list(stars.x) == ["AI"] and set(stars.y) == {PRIORITY_ROW}
    assert set(programmes.y) == {PROGRAMMES_ROW} and list(programmes.text) == ["1", "0"]
    assert stars.customdata[0][0] == "" and stars.customdata[0][1] == "ai"


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = run_app(PAGE, query)
    assert not at.exception
    return at


def matrix_cells(at: AppTest) -> set[tuple[str, str]]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {(row[0], row[1]) for row in spec["data"][0]["customdata"]}


def test_default_view_shows_every_partner_and_area() -> None:
    at = open_page()
    cells = matrix_cells(at)
    assert ("ROU", "cybersecurity") in cells and ("KOR", "water") in cells
    assert "Partner strength = 2" in page_text(at)


def test_filters_from_the_url_select_a_cell_and_link_onwards() -> None:
    at = open_page({"country": "ROU,PAK", "area": "ai", "programme": "horizon-europe"})
    assert matrix_cells(at) == {("ROU", "ai")}
    text = page_text(at)
    assert "Romania × Artificial intelligence" in text
    assert "Not tracked as partner countries, so not in the matrix: Pakistan" in text
    links = [link.proto.label for link in at.get("page_link")]
    assert any(label.startswith("Country profile") for label in links)
    assert any(label.startswith("EU programmes funding") for label in links)
    funders = next(d.value for d in at.dataframe if list(d.value.columns) == ["Programme", "Basis"])
    assert "Horizon Europe" in set(funders["Programme"])


def test_a_country_with_no_data_is_said_plainly() -> None:
    at = open_page({"country": "TUV"})
    assert "Not tracked as partner countries, so not in the matrix: Tuvalu" in page_text(at)
    assert not at.get("plotly_chart")


def test_each_filter_changes_the_matrix() -> None:
    everything = matrix_cells(open_page())
    by_area = matrix_cells(open_page({"area": "cybersecurity"}))
    by_country = matrix_cells(open_page({"country": "KOR"}))
    assert {area for _, area in by_area} == {"cybersecurity"} and by_area < everything
    assert {iso3 for iso3, _ in by_country} == {"KOR"} and by_country < everything
    in_2024 = open_page({"country": "ROU", "from": "2024-01-01", "to": "2024-12-31"})
    open_chart_data(in_2024, "areas_matrix")
    data = next(d.value for d in in_2024.dataframe if "Partner strength" in d.value.columns)
    assert data["Meetings that discussed it"].sum() == 0  # Romania's meetings are from 2025
    assert "No meeting in the period" in page_text(in_2024)


def test_a_programme_only_named_with_others_is_not_counted_as_funding_the_area() -> None:
    package = load_package()
    areas = area_columns(package, Filters(areas=("renewable-energy",)))
    (energy,) = area_funding(package, areas).to_dict("records")
    # Only the Horizon Europe cluster "Climate, Energy and Mobility" is counted; the three
    # programmes of the founding release's sentence are listed, marked.
    assert energy["programmes"] == 1
    for name in ("Horizon Europe", "Erasmus+", "Digital Europe Programme"):
        assert f"{name} (named with other programmes only)" in energy["names"]
    assert "Climate, Energy and Mobility" in energy["names"].split("; ")
    matrix = partner_area_matrix(package, Filters(countries=("ROU",), areas=("renewable-energy",)))
    assert "Erasmus+ (named with other programmes only)" in matrix["programmes"].iloc[0]
