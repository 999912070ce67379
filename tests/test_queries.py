"""Ages, overdue flags and status counts of follow-ups, for a fixed "today"."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard.datasets import load_package
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.queries import (
    _area_names_by_meeting,
    followups_view,
    meetings_view,
    status_counts,
)

TODAY = date(2026, 11, 28)


def _package(actions: list[dict]) -> LoadedPackage:
    frame = pd.DataFrame(actions)
    for col in ("raised", "due", "closed"):
        frame[col] = pd.to_datetime(frame[col])
    countries = pd.DataFrame({"iso3": ["ROU", "KOR"], "name": ["Romania", "Korea"]})
    return LoadedPackage(Path("."), None, tables={"followups": frame, "countries": countries})


def _action(
    action_id: str, status: str, raised: str, due: str | None = None, closed: str | None = None
) -> dict:
    return {
        "action_id": action_id,
        "meeting_id": "2025-08-09-ROU",
        "iso3": "ROU",
        "area_id": None,
        "status": status,
        "raised": raised,
        "due": due,
        "closed": closed,
    }


def test_age_runs_to_today_while_open_and_to_closing_day_when_done() -> None:
    package = _package(
        [
            _action("open", "proposed", "2025-08-09"),
            _action("done", "done", "2025-08-09", closed="2025-11-20"),
        ]
    )
    view = followups_view(package, Filters(), TODAY).set_index("action_id")
    assert view.at["open", "age_days"] == (TODAY - date(2025, 8, 9)).days == 476
    assert view.at["done", "age_days"] == 103


def test_overdue_only_when_open_and_past_due() -> None:
    package = _package(
        [
            _action("late", "agreed", "2026-01-01", due="2026-11-27"),
            _action("due-today", "agreed", "2026-01-01", due="2026-11-28"),
            _action("closed-late", "done", "2026-01-01", due="2026-02-01", closed="2026-03-01"),
            _action("no-due", "in_progress", "2026-10-01"),
        ]
    )
    view = followups_view(package, Filters(), TODAY).set_index("action_id")
    assert view["overdue"].to_dict() == {
        "late": True,
        "due-today": False,
        "closed-late": False,
        "no-due": False,
    }


def test_long_pending_flags_old_open_actions() -> None:
    package = _package(
        [_action("old", "proposed", "2025-01-01"), _action("recent", "proposed", "2026-10-01")]
    )
    view = followups_view(package, Filters(), TODAY).set_index("action_id")
    assert bool(view.at["old", "long_pending"]) and not bool(view.at["recent", "long_pending"])


def test_changing_today_changes_age() -> None:
    package = _package([_action("a", "proposed", "2026-01-01")])
    assert followups_view(package, Filters(), date(2026, 1, 31))["age_days"].iat[0] == 30


def test_status_counts_list_every_status_in_order() -> None:
    package = _package(
        [
            _action("a", "proposed", "2026-01-01"),
            _action("b", "proposed", "2026-01-01"),
            _action("c", "done", "2026-01-01", closed="2026-02-01"),
        ]
    )
    counts = status_counts(followups_view(package, Filters(), TODAY))
    assert counts["status"].tolist() == ["proposed", "agreed", "in_progress", "done", "dropped"]
    assert counts["actions"].tolist() == [2, 0, 0, 1, 0]


def test_meetings_filtered_by_country_area_and_period() -> None:
    package = load_package()
    romania = meetings_view(package, Filters(countries=("ROU",)))
    assert set(romania["partner_iso3"]) == {"ROU"}
    assert "2025-08-09-ROU" in set(romania["meeting_id"])
    in_2024 = meetings_view(package, Filters(start=date(2024, 1, 1), end=date(2024, 12, 31)))
    assert not in_2024.empty and (in_2024["date"].dt.year == 2024).all()
    ai = meetings_view(package, Filters(areas=("ai",)))
    assert "2025-08-09-ROU" in set(ai["meeting_id"])
    assert meetings_view(package, Filters(start=date(2019, 1, 1), end=date(2019, 12, 31))).empty


def test_a_filtered_view_is_computed_once_per_process_and_callers_cannot_spoil_it() -> None:
    package = load_package()
    filters = Filters(countries=("ROU",))
    first = meetings_view(package, filters)
    first["scribble"] = 1  # a caller adding a column to its copy
    second = meetings_view(package, filters)
    assert "scribble" not in second.columns
    assert second.equals(first.drop(columns="scribble"))


def area_names_one_meeting_at_a_time(package: LoadedPackage) -> pd.Series:
    """The areas of each meeting in words as they were joined before: a Python join per
    meeting (a second at 100 times today's rows)."""
    links = package.table("meeting_areas").merge(
        package.table("cooperation_areas")[["area_id", "name"]], on="area_id", how="inner"
    )
    links = links.sort_values(["meeting_id", "name"])
    return links.groupby("meeting_id", sort=False)["name"].agg("; ".join)


@pytest.mark.parametrize("data", ["today", "synthetic"])
def test_area_names_joined_at_once_equal_those_joined_one_meeting_at_a_time(
    data: str, tmp_path: Path
) -> None:
    from dashboard.bench.synthetic import generate

    folder = None if data == "today" else generate(tmp_path / "pkg", scale=0.05, seed=2)[0]
    package = load_package(folder, use_cache=False)
    expected = area_names_one_meeting_at_a_time(package)
    assert len(expected) > 10 and expected.str.contains("; ").any()
    pd.testing.assert_series_equal(_area_names_by_meeting(package), expected)
