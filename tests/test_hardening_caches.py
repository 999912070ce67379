"""Caches hand out nothing a caller can spoil: changing what one call returns leaves the next
call's result as it was (frames under pandas 3's copy-on-write; figures copied before change)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard.charts.country import indicator_trend
from dashboard.datasets import load_package
from dashboard.datasets.citations import sources_table
from dashboard.datasets.filters import Filters
from dashboard.datasets.profile import HOME_ISO3, build_country_profile
from dashboard.datasets.queries import followups_view
from dashboard.export.brief import build_brief

AS_OF = date(2026, 11, 28)


def test_pandas_copy_on_write_is_on() -> None:
    assert int(pd.__version__.split(".")[0]) >= 3


def test_changing_a_table_or_a_view_does_not_change_the_next_one() -> None:
    package = load_package()
    table = package.table("meetings")
    first_title = table.loc[0, "title"]
    table.loc[0, "title"] = "changed by a caller"
    table["extra"] = 1
    assert package.table("meetings").loc[0, "title"] == first_title
    assert "extra" not in package.table("meetings")

    view = followups_view(package, Filters(), AS_OF)
    statuses = view["status"].tolist()
    view.loc[:, "status"] = "done"
    view["status"] = view["status"].str.upper()
    assert followups_view(package, Filters(), AS_OF)["status"].tolist() == statuses


def test_the_brief_leaves_the_shared_chart_as_it_was(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-chromium"))  # tables only: quick
    package = load_package()
    profile = build_country_profile(package, "ROU", today=AS_OF)
    code = profile.latest.loc[profile.latest["iso3"] == "ROU", "indicator_code"].iloc[0]
    shared = indicator_trend(profile.indicators, code, HOME_ISO3)
    axis_title = shared.layout.xaxis.title.text
    assert axis_title

    build_brief(profile, AS_OF, sources_table(package, profile.source_ids))

    assert (
        indicator_trend(profile.indicators, code, HOME_ISO3).layout.xaxis.title.text == axis_title
    )
