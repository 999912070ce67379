"""Follow-ups: flags and counts for the charts, and the page under AppTest."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from dashboard.charts.followups import (
    LONG_PENDING_FLAG,
    OVERDUE_FLAG,
    actions_table,
    by_country_figure,
    by_status_figure,
    counts_by_country,
    flag_text,
)
from dashboard.datasets import load_package
from dashboard.datasets.filters import Filters
from dashboard.datasets.queries import STATUS_ORDER, followups_view, status_counts
from tests.helpers import page_text, run_app

TODAY = date(2026, 11, 28)


def _actions() -> pd.DataFrame:
    return followups_view(load_package(), Filters(), TODAY)


def test_flags_say_overdue_and_long_pending_in_words() -> None:
    assert flag_text(False, False) == ""
    assert flag_text(True, False) == "⚠ overdue"
    assert flag_text(False, True) == "long pending (> 180 days)"
    assert flag_text(True, True) == f"{OVERDUE_FLAG}; {LONG_PENDING_FLAG}"


def test_table_flags_every_long_pending_action_and_no_closed_one() -> None:
    actions = _actions()
    table = actions_table(actions)
    flagged = table["Flag"].str.contains("long pending")
    assert flagged.sum() == actions["long_pending"].sum() > 0
    assert not table.loc[table["Status"].str.startswith(("Done", "Dropped")), "Flag"].any()
    romania_forum = table[table["Action"].str.startswith("Organise a Romania–Pakistan")]
    assert romania_forum["Age (days)"].tolist() == [103]  # 2025-08-09 to closed 2025-11-20


def test_an_overdue_action_is_flagged() -> None:
    actions = _actions().head(1).copy()
    actions["due"] = pd.Timestamp("2026-01-01")
    actions["overdue"] = True
    assert actions_table(actions)["Flag"].iloc[0].startswith("⚠ overdue")


def test_counts_by_country_list_every_status_and_add_up() -> None:
    actions = _actions()
    counts = counts_by_country(actions)
    assert len(counts) == actions["iso3"].nunique() * len(STATUS_ORDER)
    assert counts["actions"].sum() == len(actions)
    romania = counts[counts["iso3"] == "ROU"].set_index("status")["actions"]
    assert romania["proposed"] == 5 and romania["done"] == 1
    assert counts["partner"].iloc[0] == "Romania", "partners with most actions come first"


def test_country_chart_stacks_statuses_and_carries_iso3() -> None:
    fig = by_country_figure(counts_by_country(_actions()))
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["Proposed", "Agreed", "In progress", "Done", "Dropped"]
    assert len({t.marker.pattern.shape for t in fig.data}) == len(STATUS_ORDER)
    iso3 = {row[0] for t in fig.data for row in t.customdata}
    assert "ROU" in iso3 and all(len(code) == 3 for code in iso3)


def test_status_chart_in_workflow_order() -> None:
    actions = _actions()
    counts = status_counts(actions)
    fig = by_status_figure(counts)
    # Every "done" action is linked by inference: the bar says so (also in the slides).
    done = actions[actions["status"] == "done"]
    assert len(done) == 3 and set(done["status_basis"]) == {"inferred"}
    assert list(fig.data[0].x) == [
        "Proposed",
        "Agreed",
        "In progress",
        "Done (3 inferred)",
        "Dropped",
    ]
    assert sum(fig.data[0].y) == len(_actions())


def test_empty_actions_give_empty_counts() -> None:
    assert counts_by_country(_actions().head(0)).empty


# --- the page under AppTest ---------------------------------------------------------------


def _open(query: dict[str, str] | None = None):
    return run_app("views/followups.py", query=query)


def _table(at) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "Flag" in df.value.columns)


def test_page_lists_every_action_by_default() -> None:
    at = _open()
    assert not at.exception
    table = _table(at)
    assert len(table) == len(load_package().table("followups"))
    assert {"Action", "Partner", "Area", "Status", "Owner", "Raised", "Due", "Age (days)"} <= set(
        table.columns
    )
    assert "proposed = raised by one side" in page_text(at).lower()


def test_country_link_shows_only_that_country() -> None:
    at = _open({"country": "ROU"})
    assert not at.exception
    assert set(_table(at)["Partner"]) == {"Romania"}
    assert len(_table(at)) == 6


def test_empty_period_says_so_plainly() -> None:
    at = _open({"from": "2019-01-01", "to": "2019-12-31"})
    assert not at.exception
    assert any("No follow" in el.value and "this period" in el.value for el in at.info)


def test_status_filter_from_the_url_and_bad_values_dropped() -> None:
    at = _open({"status": "done,<b>x</b>"})
    assert not at.exception
    # Every "done" status is the curators' inference (status_basis), and says so.
    assert set(_table(at)["Status"]) == {"Done (inferred)"}
    assert any("Ignored the status" in el.value for el in at.info)
    assert at.query_params["status"] == "done"


def test_choosing_a_status_updates_the_table_and_url() -> None:
    at = _open()
    at.multiselect(key="followups_status").set_value(["in_progress"]).run()
    assert set(_table(at)["Status"]) == {"In progress"}
    assert at.query_params["status"] == "in_progress"


def test_open_meeting_switches_to_the_timeline_with_its_details() -> None:
    at = _open({"country": "ROU"})
    at.selectbox(key="followups_action").set_value("2025-08-09-rou-visit").run()
    next(b for b in at.button if b.label == "Open meeting").click().run()
    assert not at.exception
    assert at.title[0].value == "Meetings timeline"
    assert at.query_params["event"] == "2025-08-09-ROU"
    assert any("Magsi meets Romanian Ambassador" in el.value for el in at.subheader)
    assert [b.proto.url for b in at.link_button] == ["https://pid.gov.pk/site/press_detail/29982"]


def test_an_action_without_a_partner_is_still_listed(data_copy, monkeypatch) -> None:
    from tests.helpers import rewrite_cell

    rewrite_cell(data_copy / "followups.csv", 2, "iso3", "")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_copy))
    at = run_app("views/followups.py")
    assert not at.exception
    assert any("partner not recorded" in str(o) for o in at.selectbox[0].options)


def test_flags_stand_out_as_coloured_labels_on_the_flagged_rows() -> None:
    at = _open()
    table = next(d for d in at.dataframe if "Flag" in d.value.columns)
    flag_column = json.loads(table.proto.columns)["Flag"]["type_config"]
    assert flag_column["type"] == "multiselect"
    colours = {option["value"]: option["color"] for option in flag_column["options"]}
    assert colours == {OVERDUE_FLAG: "red", LONG_PENDING_FLAG: "orange"}
    flags = [list(cell) for cell in table.value["Flag"]]
    assert any(LONG_PENDING_FLAG in cell for cell in flags)  # the data has long-pending actions
    assert all(set(cell) <= set(colours) for cell in flags)
