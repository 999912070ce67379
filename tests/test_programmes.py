"""EU programmes page: the budget tree and how it adds up, eligibility as recorded, the page."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.charts.programmes import budget_treemap
from dashboard.datasets import load_package
from dashboard.datasets.filters import Filters
from dashboard.datasets.programme_tree import (
    budget_layout,
    eligibility_view,
    programme_areas_view,
    programmes_view,
    top_levels,
    with_family,
)
from tests.helpers import page_text, run_app

PAGE = "views/programmes.py"


@pytest.fixture(scope="module")
def package():
    return load_package()


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = run_app(PAGE, query)
    assert not at.exception
    return at


def treemap_ids(at: AppTest) -> set[str]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return set(spec["data"][0]["ids"])


def _tree(rows: list[tuple[str, str | None, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "programme_id": [r[0] for r in rows],
            "parent_id": pd.array([r[1] for r in rows], dtype="string"),
            "name": [r[0].title() for r in rows],
            "budget_eur_m": [r[2] for r in rows],
        }
    )


def test_budgets_that_add_up_are_drawn_as_totals() -> None:
    tree = _tree([("prog", None, 100.0), ("a", "prog", 60.0), ("b", "prog", 40.0)])
    values, branchvalues, mismatches = budget_layout(tree)
    assert branchvalues == "total"
    assert list(values) == [100.0, 60.0, 40.0]
    assert mismatches == []


def test_parts_adding_up_to_more_are_drawn_as_remainders_and_named() -> None:
    tree = _tree([("prog", None, 100.0), ("a", "prog", 70.0), ("b", "prog", 40.0)])
    values, branchvalues, mismatches = budget_layout(tree)
    assert branchvalues == "remainder"
    assert list(values) == [0.0, 70.0, 40.0]  # nothing dropped, the parent adds nothing
    assert [(m.programme_id, m.budget_eur_m, m.parts_eur_m) for m in mismatches] == [
        ("prog", 100.0, 110.0)
    ]


def test_real_data_parts_add_up_within_every_programme(package) -> None:
    tree = programmes_view(package, Filters())
    values, branchvalues, mismatches = budget_layout(tree)
    assert mismatches == []
    assert branchvalues == "total"
    budgets = dict(zip(tree["programme_id"], tree["budget_eur_m"], strict=True))
    # Digital Europe's six objectives are the amounts of Article 9(2) as amended in 2023.
    objectives = tree.loc[tree["parent_id"] == "digital-europe", "budget_eur_m"]
    assert len(objectives) == 6
    assert objectives.sum() == pytest.approx(budgets["digital-europe"]) == 8168.0


def test_a_programme_filter_keeps_its_parents_and_parts(package) -> None:
    programmes = package.table("programmes")
    family = with_family(programmes, ["he-pillar-1"])
    assert family == {
        "horizon-europe",
        "he-pillar-1",
        "he-erc",
        "he-msca",
        "he-research-infrastructures",
    }


def test_the_area_filter_keeps_the_programmes_funding_it(package) -> None:
    tree = programmes_view(package, Filters(areas=("health",)))
    assert set(tree["programme_id"]) == {"horizon-europe", "he-pillar-2", "he-cluster-health"}


def test_eligibility_is_what_the_data_records_and_no_more(package) -> None:
    view = eligibility_view(package, programmes_view(package, Filters())).set_index("Programme")
    assert view.at["Horizon Europe", "Pakistan's eligibility"] == "Eligible by rule"
    assert view.at["Erasmus+", "Pakistan's eligibility"].startswith("Limited")
    assert view.at["Digital Europe Programme", "Pakistan's eligibility"] == "Not confirmed"
    assert view.at["Digital Europe Programme", "Route"].startswith("Not confirmed")


def test_areas_show_their_basis(package) -> None:
    areas = programme_areas_view(package, ["dep-ai", "erasmus-plus"])
    basis = dict(zip(areas["programme_id"], areas["Basis"], strict=True))
    assert basis["erasmus-plus"] == "Named in the source"
    assert basis["dep-ai"].startswith("By the programme part's title")


def test_a_link_from_programmes_named_together_says_so(package) -> None:
    """The founding release names Horizon Europe, Erasmus+ and Digital Europe in one sentence
    with six areas: Erasmus+ is not thereby a programme that funds renewable energy."""
    areas = programme_areas_view(package, ["erasmus-plus", "digital-europe"])
    keys = zip(areas["programme_id"], areas["area_id"], strict=True)
    basis = dict(zip(keys, areas["Basis"], strict=True))
    assert basis["erasmus-plus", "renewable-energy"].startswith(
        "Named together with other programmes (the source does not say"
    )
    assert basis["digital-europe", "renewable-energy"] == basis["erasmus-plus", "renewable-energy"]
    assert basis["erasmus-plus", "education"] == "Named in the source"
    links = package.table("programme_areas")
    collective = links[links["basis"] == "named_collectively"]
    assert set(collective["programme_id"]) == {"horizon-europe", "erasmus-plus", "digital-europe"}
    assert (collective["source_id"] == "pid-2025-08-09-romania").all()


def test_the_page_explains_each_basis() -> None:
    at = open_page({"programme": "erasmus-plus"})
    assert "“Named together with other programmes”" in page_text(at)
    table = next(d.value for d in at.dataframe if "Basis" in d.value.columns)
    assert table["Basis"].str.startswith("Named together with other programmes").sum() == 6


def test_treemap_hover_shows_budget_unit_period_and_source(package) -> None:
    tree = programmes_view(package, Filters())
    values, branchvalues, _ = budget_layout(tree)
    fig = budget_treemap(tree, values, branchvalues, title="Budgets", notes={"digital-europe": "N"})
    trace = fig.data[0]
    assert list(trace.ids) == list(tree["programme_id"])
    assert trace.branchvalues == "total"
    row = trace.customdata[list(trace.ids).index("he-erc")]
    assert row[1] == "about €16.0 bn" and row[2] == "2021–2027" and row[3]
    assert "EUR m" in trace.hovertemplate and "Source" in trace.hovertemplate
    assert trace.customdata[list(trace.ids).index("horizon-europe")][1] == "about €95.5 bn"
    assert trace.customdata[list(trace.ids).index("digital-europe")][4] == "<br>N"


def test_default_view_shows_every_programme_and_the_recorded_eligibility() -> None:
    at = open_page()
    text = page_text(at)
    assert "Horizon Europe" in text and "Eligible by rule" in text
    assert "Not confirmed" in text and "Limited" in text
    assert "more than its recorded budget" not in text
    assert {"horizon-europe", "digital-europe", "erasmus-plus"} <= treemap_ids(at)


def test_filters_from_the_url_limit_the_programmes() -> None:
    at = open_page({"country": "ROU,PAK", "area": "ai", "programme": "horizon-europe"})
    ids = treemap_ids(at)
    assert "horizon-europe" in ids and "digital-europe" not in ids
    assert "Romania" in page_text(at)


def test_a_country_with_no_data_renders() -> None:
    at = open_page({"country": "TUV"})
    assert "Tuvalu" in page_text(at)
    assert treemap_ids(at)


def test_each_filter_changes_what_is_shown() -> None:
    everything = treemap_ids(open_page())
    by_programme = treemap_ids(open_page({"programme": "erasmus-plus"}))
    by_area = treemap_ids(open_page({"area": "health"}))
    assert by_programme == {"erasmus-plus"}
    assert by_area == {"horizon-europe", "he-pillar-2", "he-cluster-health"}
    assert by_programme < everything and by_area < everything
    assert "No EU programme" in page_text(open_page({"from": "2030-01-01", "to": "2031-01-01"}))


def test_top_levels_keeps_whole_levels_within_the_limit() -> None:
    tree = programmes_view(load_package(), Filters())
    assert len(top_levels(tree, 150)) == len(tree)  # today's 27 rows are all drawn
    top = tree[tree["parent_id"].isna()]
    assert set(top_levels(tree, len(top))["programme_id"]) == set(top["programme_id"])
    largest = top_levels(tree, 1)
    assert list(largest["programme_id"]) == [
        top.loc[top["budget_eur_m"].idxmax(), "programme_id"]
    ]  # Horizon Europe, the largest budget
