"""The benchmark's synthetic data generator: a package the real loader accepts, at the size asked.

Small scales only (1-2 % of the full benchmark size); no timings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.bench.synthetic import FULL_ROWS, YEARS, generate, planned_rows
from dashboard.datasets.__main__ import main as check_main
from dashboard.datasets.loader import DEFAULT_DATA_DIR, load_package

SCALE = 0.01
LINEAR_TABLES = ["meetings", "followups", "meeting_areas", "sector_facts", "tech_hubs"]


@pytest.fixture(scope="module")
def small_package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    return generate(tmp_path_factory.mktemp("synthetic") / "pkg", scale=SCALE, seed=1)


def test_the_loader_accepts_the_synthetic_package_without_any_problem(small_package) -> None:
    folder, _ = small_package
    package = load_package(folder, use_cache=False)
    assert package.problems == []
    assert package.unavailable == set()


def test_the_data_check_command_passes_on_the_synthetic_package(small_package, capsys) -> None:
    folder, _ = small_package
    assert check_main(["check", str(folder), "--no-cache"]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_the_check_passes_where_programmes_nest_deep(tmp_path: Path, capsys) -> None:
    """A larger package has deeper programme trees, whose parts must still add up to no more
    than each budget (at the full size the parts of 608 programmes once exceeded it)."""
    folder, _ = generate(tmp_path / "pkg", scale=0.05, seed=1)
    programmes = load_package(folder, use_cache=False).table("programmes")
    assert "objective" in set(programmes["level"])  # five levels deep
    assert check_main(["check", str(folder), "--no-cache"]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().out


def test_every_table_has_the_rows_planned_for_the_scale(small_package) -> None:
    folder, written = small_package
    package = load_package(folder, use_cache=False)
    loaded = {name: len(frame) for name, frame in package.tables.items()}
    real = load_package(DEFAULT_DATA_DIR)
    planned = planned_rows(
        SCALE, real_sources=len(real.table("sources")), real_labels=len(real.table("labels"))
    )
    assert loaded == written == planned


def test_big_tables_are_the_asked_fraction_of_the_full_size(small_package) -> None:
    _, written = small_package
    for table in LINEAR_TABLES:
        assert written[table] == pytest.approx(FULL_ROWS[table] * SCALE, rel=0.05), table
    assert written["indicators"] == pytest.approx(250 * 60 * len(YEARS) * SCALE, rel=0.05)


def test_doubling_the_scale_doubles_the_big_tables(small_package, tmp_path: Path) -> None:
    _, small = small_package
    _, double = generate(tmp_path / "pkg", scale=2 * SCALE, seed=1)
    for table in [*LINEAR_TABLES, "indicators"]:
        assert double[table] == pytest.approx(2 * small[table], rel=0.05), table


def test_ids_the_pages_name_are_kept(small_package) -> None:
    folder, _ = small_package
    package = load_package(folder, use_cache=False)
    assert {"PAK", "ROU"} <= set(package.table("countries")["iso3"])
    assert "horizon-europe" in set(package.table("programmes")["programme_id"])


def test_it_refuses_to_write_into_the_bundled_data_folder() -> None:
    before = sorted(p.name for p in DEFAULT_DATA_DIR.iterdir())
    with pytest.raises(ValueError, match="refusing"):
        generate(DEFAULT_DATA_DIR, scale=SCALE)
    with pytest.raises(ValueError, match="refusing"):
        generate(DEFAULT_DATA_DIR / "synthetic", scale=SCALE)
    assert sorted(p.name for p in DEFAULT_DATA_DIR.iterdir()) == before
