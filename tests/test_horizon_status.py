"""Horizon Europe status of partner countries as the Commission states it (issue 24).

Belarus and Russia are excluded from Horizon Europe in any capacity since the Commission's
amendment of 10 May 2022; Japan is treated as an associated country (Pillar II) under
transitional arrangements from 2026. The page, the profile and the PDF brief must say so.
"""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from pypdf import PdfReader

from dashboard.datasets import load_package
from dashboard.datasets.citations import sources_table
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.profile import HORIZON_STATUS_WORDS, build_country_profile
from dashboard.export.brief import build_brief
from tests.conftest import DATA_DIR
from tests.helpers import page_text, run_app

AS_OF = date(2026, 11, 28)
NOT_ELIGIBLE = "Not eligible to take part in Horizon Europe in any capacity"
EXCLUSION_SOURCE = "euneighbourseast-2022-05-11-horizon"
JAPAN_SOURCE = "ec-2025-12-22-japan-horizon"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> LoadedPackage:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DASHBOARD_CACHE_DIR", str(tmp_path_factory.mktemp("parquet-cache")))
        return load_package()


@pytest.fixture(scope="module")
def countries(package: LoadedPackage):
    return package.table("countries").set_index("iso3")


def flat(text: str) -> str:
    return " ".join(text.split())


def test_every_status_of_the_schema_has_words_to_show() -> None:
    spec = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    countries = next(r for r in spec["resources"] if r["name"] == "countries")
    field = next(f for f in countries["schema"]["fields"] if f["name"] == "horizon_status")
    assert "not_eligible" in field["constraints"]["enum"]
    assert set(field["constraints"]["enum"]) <= set(HORIZON_STATUS_WORDS)


@pytest.mark.parametrize("iso3", ["BLR", "RUS"])
def test_belarus_and_russia_are_not_eligible_since_may_2022(countries, iso3: str) -> None:
    assert countries.at[iso3, "horizon_status"] == "not_eligible"
    assert "10 May 2022" in countries.at[iso3, "horizon_basis"]
    assert countries.at[iso3, "horizon_source_id"] == EXCLUSION_SOURCE


def test_the_exclusion_is_cited_with_its_date(package: LoadedPackage) -> None:
    source = package.table("sources").set_index("source_id").loc[EXCLUSION_SOURCE]
    assert source["published"].date() == date(2022, 5, 11)
    assert "Belarus" in source["notes"] and "in any capacity" in source["notes"]


def test_belarus_profile_and_programme_access_say_not_eligible(package: LoadedPackage) -> None:
    belarus = build_country_profile(package, "BLR", today=AS_OF)
    assert belarus.horizon_status_words == NOT_ELIGIBLE
    assert set(belarus.programme_access["partner_status"]) == {NOT_ELIGIBLE}


def test_belarus_brief_says_not_eligible(package: LoadedPackage) -> None:
    belarus = build_country_profile(package, "BLR", today=AS_OF)
    pdf = build_brief(belarus, AS_OF, sources_table(package, belarus.source_ids))
    text = flat("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert f"Belarus: {NOT_ELIGIBLE}." in text
    assert "Eligible third country" not in text


def test_programmes_page_shows_belarus_as_not_eligible() -> None:
    at = run_app("views/programmes.py", {"country": "BLR"})
    assert not at.exception
    text = page_text(at)
    assert "not eligible to take part in Horizon Europe in any capacity" in text
    assert "10 May 2022" in text


def test_japan_is_treated_as_associated_under_transitional_arrangements(
    package: LoadedPackage, countries
) -> None:
    assert countries.at["JPN", "horizon_status"] == "associated"
    basis = countries.at["JPN", "horizon_basis"]
    assert "transitional arrangements" in basis and "Pillar II" in basis and "2026" in basis
    assert countries.at["JPN", "horizon_source_id"] == JAPAN_SOURCE
    source = package.table("sources").set_index("source_id").loc[JAPAN_SOURCE]
    assert source["publisher"].startswith("European Commission")
    assert build_country_profile(package, "JPN", today=AS_OF).horizon_status_words == (
        "Associated to Horizon Europe"
    )


def test_other_corrections_of_issue_24(package: LoadedPackage) -> None:
    meeting = package.table("meetings").set_index("meeting_id").loc["2025-12-06-KOR"]
    assert meeting["date_precision"] == "reported"
    assert "Friday" in meeting["date_note"] and "Saturday" in meeting["date_note"]
    programmes = package.table("programmes").set_index("programme_id")
    assert programmes.at["erasmus-plus", "budget_comparator"] != "exact"
    assert "93.5" in programmes.at["horizon-europe", "note"]
    assert "2025/2653" in programmes.at["digital-europe", "note"]
