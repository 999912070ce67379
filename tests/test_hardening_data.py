"""Fresh data without a restart, confined paths, and a Parquet cache trusted only with its key."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dashboard.datasets import load_package
from dashboard.datasets.loader import cache_dir_from_env
from tests.helpers import page_text, rewrite_cell, run_app


def _sources_overview(at) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "Validation" in df.value.columns)


def test_an_edited_csv_shows_at_the_next_rerun_with_its_new_validation_state(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_copy))
    at = run_app("views/sources.py")
    overview = _sources_overview(at).set_index("File")
    # A curated table (the records' tables come from the database, seeded from data/).
    rows_before = overview.loc["sector_facts.csv", "Rows"]
    assert "Every table passed validation" in page_text(at)

    rewrite_cell(data_copy / "sector_facts.csv", 3, "comparator", "maybe")
    at.run()

    assert not at.exception
    overview = _sources_overview(at).set_index("File")
    assert overview.loc["sector_facts.csv", "Rows"] == rows_before - 1
    assert "problems" in overview.loc["sector_facts.csv", "Validation"]
    assert "Every table passed validation" not in page_text(at)
    problems = next(df.value for df in at.dataframe if "What is wrong" in df.value.columns)
    assert {"sector_facts.csv"} == set(problems["File"])


def _set_resource(data: Path, resource_name: str, **changes: str) -> None:
    descriptor = data / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    resource = next(r for r in package["resources"] if r["name"] == resource_name)
    resource.update(changes)
    descriptor.write_text(json.dumps(package, indent=2), encoding="utf-8")


@pytest.mark.parametrize(
    "path", ["/etc/hostname", "../outside.csv", "sub/../../outside.csv", "link.csv"]
)
def test_a_resource_path_outside_the_data_folder_is_not_read(data_copy: Path, path: str) -> None:
    outside = data_copy.parent / "outside.csv"
    outside.write_bytes((data_copy / "companies.csv").read_bytes())
    (data_copy / "link.csv").symlink_to(outside)
    _set_resource(data_copy, "companies", path=path)

    package = load_package(data_copy, use_cache=False)

    assert "companies" in package.unavailable
    assert [p.rule for p in package.problems] == ["unsafe-path"]
    assert package.has("meetings") and len(package.table("sources")) > 0


def test_a_resource_name_that_is_not_a_safe_word_is_refused(data_copy: Path) -> None:
    _set_resource(data_copy, "companies", name="../../companies")
    package = load_package(data_copy, use_cache=False)
    assert "../../companies" in package.unavailable
    assert [p.rule for p in package.problems] == ["unsafe-name"]


def test_a_cached_copy_is_used_only_if_it_records_its_key(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path / "cache"))
    first = load_package(data_copy).table("companies")
    cache = cache_dir_from_env()
    [cached] = list(cache.glob("companies-*.parquet"))
    forged = first.assign(name="forged")
    pq.write_table(pa.Table.from_pandas(forged, preserve_index=False), cached)

    again = load_package(data_copy).table("companies")

    assert (again["name"] != "forged").all()
    pd.testing.assert_frame_equal(again, first)


def test_the_parquet_cache_defaults_to_a_per_user_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DASHBOARD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir_from_env() == tmp_path / "xdg" / "st-partnerships-dashboard"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir_from_env() == Path.home() / ".cache" / "st-partnerships-dashboard"
