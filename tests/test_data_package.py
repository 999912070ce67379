"""The shipped data: valid by our loader and by Frictionless, faithful to the founding release."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pandas as pd
import pytest

from dashboard.datasets import load_package
from tests.conftest import DATA_DIR, ROOT

RELEASE = "pid-2025-08-09-romania"


@pytest.fixture(scope="module")
def package():
    return load_package(DATA_DIR, use_cache=False)


def test_shipped_data_has_no_problems(package) -> None:
    assert [p.describe() for p in package.problems] == []
    assert package.unavailable == set()


def test_frictionless_validates_the_package_as_an_outside_judge() -> None:
    from frictionless import validate

    report = validate(str(DATA_DIR / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]


def test_check_command_passes_on_shipped_data() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.datasets", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert "0 error(s)" in result.stdout


def test_every_fact_row_cites_a_known_source(package) -> None:
    known = set(package.table("sources")["source_id"])
    for res in package.spec.resources:
        table = package.table(res.name)
        if "source_id" in table.columns and res.name != "sources":
            cited = set(table["source_id"].dropna())
            assert cited <= known, f"{res.name} cites unknown sources {cited - known}"


def test_founding_release_is_a_source_dated_2025_08_09(package) -> None:
    source = package.table("sources").set_index("source_id").loc[RELEASE]
    assert source["published"] == pd.Timestamp("2025-08-09")
    assert "pid.gov.pk" in source["url"]


def test_founding_release_figures_have_their_exact_values(package) -> None:
    facts = package.table("sector_facts")
    from_release = facts[(facts["source_id"] == RELEASE) & (facts["iso3"] == "ROU")]
    by_unit = {(row.unit, row.value, row.comparator) for row in from_release.itertuples()}
    assert ("% of GDP", 6.0, "over") in by_unit  # IT contributes over 6% of GDP
    assert ("people", 200000.0, "over") in by_unit  # more than 200,000 IT professionals

    horizon = package.table("programmes").set_index("programme_id").loc["horizon-europe"]
    assert horizon["budget_eur_m"] == 95500  # €95.5 billion
    assert {"Erasmus+", "Digital Europe Programme"} <= set(package.table("programmes")["name"])


def test_founding_release_companies_hubs_and_expertise(package) -> None:
    companies = package.table("companies").set_index("name")
    unicorns = ["UiPath", "Bitdefender", "Elrond", "FintechOS"]
    assert (companies.loc[unicorns, "valuation_usd_bn_min"] == 1).all()
    assert {"Microsoft", "IBM", "Amazon", "Oracle"} <= set(companies.index)
    hubs = set(package.table("tech_hubs").query("iso3 == 'ROU'")["city"])
    assert hubs == {"Cluj-Napoca", "Timișoara", "Iași", "Brașov", "Bucharest"}
    expertise = set(package.table("country_areas").query("iso3 == 'ROU'")["area_id"])
    assert {"cybersecurity", "fintech", "ai", "cloud-computing", "blockchain"} <= expertise
    named = set(package.table("cooperation_areas").query("in_founding_release")["area_id"])
    fields = {"ai", "cybersecurity", "renewable-energy", "space-technology", "agriculture"}
    assert fields | {"green-innovation"} <= named


def test_founding_meeting_and_its_three_follow_ups(package) -> None:
    meeting = package.table("meetings").set_index("meeting_id").loc["2025-08-09-ROU"]
    assert meeting["date"].date() == date(2025, 8, 9)
    assert "Magsi" in meeting["pakistan_lead"] and "Stoenescu" in meeting["partner_lead"]
    actions = package.table("followups").query("meeting_id == '2025-08-09-ROU'")
    kinds = dict(zip(actions["action_type"], actions["description"], strict=True))
    assert set(kinds) == {"mou", "forum", "visit"}
    assert "National Authority for Digitalization" in kinds["mou"]
    assert "National Authority for Research" in kinds["mou"]


def test_the_reference_events_and_later_curated_ones_are_meetings_with_partners(package) -> None:
    meetings = package.table("meetings")
    # the 26 reference events, and the two Kazakh events of February 2026 (issue 24)
    assert len(meetings) == 28
    assert {"2026-02-02-KAZ", "2026-02-04-KAZ"} <= set(meetings["meeting_id"])
    assert meetings["partner_iso3"].value_counts()["ROU"] == 4
    assert "EUU" in set(meetings["partner_iso3"])
    assert set(meetings["lead_scope"]) == {
        "MoST",
        "MoST body",
        "S&T institution",
        "Gov-level",
        "Adjacent",
    }
    assert meetings["date_precision"].isin(["day", "reported", "approximate", "range"]).all()


def test_pakistan_is_eligible_for_horizon_europe_by_rule(package) -> None:
    pakistan = package.table("countries").set_index("iso3").loc["PAK"]
    assert pakistan["income_group"] == "Lower middle income"
    assert pakistan["horizon_status"] == "eligible_third_country"


def test_warm_load_from_parquet_equals_cold_load(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path))
    cold = load_package(DATA_DIR)
    assert any(tmp_path.glob("indicators-*.parquet"))
    warm = load_package(DATA_DIR)
    for name, frame in cold.tables.items():
        pd.testing.assert_frame_equal(frame, warm.tables[name], check_dtype=False)


def test_edited_csv_is_not_served_from_a_stale_cache(data_copy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path))
    assert len(load_package(data_copy).table("companies")) == 8
    lines = (data_copy / "companies.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (data_copy / "companies.csv").write_text("".join(lines[:-1]), encoding="utf-8")
    assert len(load_package(data_copy).table("companies")) == 7
