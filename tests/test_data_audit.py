"""The cross-table data checks: the shipped package passes them, and each rule catches a
deliberately broken copy, in the loader and in `python -m dashboard.datasets check` alike."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.datasets.__main__ import main as check_main
from dashboard.datasets.audit import audit_package
from dashboard.datasets.loader import load_package
from tests.conftest import DATA_DIR, ROOT
from tests.helpers import read_rows, rewrite_cell

TOOL = ROOT / "tools" / "curate_from_shared.py"


def _line_of(path: Path, column: str, value: str) -> int:
    """The physical line (header = 1) of the first row whose `column` is `value`."""
    rows = read_rows(path)
    col = rows[0].index(column)
    return next(i + 1 for i, row in enumerate(rows) if i and row[col] == value)


def _problems(data_dir: Path, rule: str) -> list:
    return [p for p in load_package(data_dir, use_cache=False).problems if p.rule == rule]


def _append_row(path: Path, cells: list[str]) -> None:
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(",".join(cells) + "\n")


def _source_row(source_id: str) -> list[str]:
    url = "https://example.org/doc"
    return [source_id, "Someone", "A title", url, "", "true", "2026-12-03", "x", ""]


def test_the_shipped_package_passes_every_cross_table_check() -> None:
    assert audit_package(load_package(DATA_DIR, use_cache=False)) == []


def test_parts_adding_up_to_more_than_their_programme_are_reported(data_copy, capsys) -> None:
    path = data_copy / "programmes.csv"
    rewrite_cell(path, _line_of(path, "programme_id", "dep-cybersecurity"), "budget_eur_m", "1700")
    [problem] = _problems(data_copy, "budget-sum")
    assert problem.file == "programmes.csv"
    assert problem.line == _line_of(path, "programme_id", "digital-europe")
    assert "'digital-europe'" in problem.message and "8,468.434" in problem.message
    assert check_main(["check", str(data_copy), "--no-cache"]) == 1
    assert "[rule: budget-sum]" in capsys.readouterr().out


def test_a_source_row_nothing_cites_is_reported(data_copy) -> None:
    _append_row(data_copy / "sources.csv", _source_row("orphan-2026"))
    [problem] = _problems(data_copy, "uncited-source")
    assert problem.value == "orphan-2026"


def test_a_source_named_only_in_a_note_counts_as_cited(data_copy) -> None:
    _append_row(data_copy / "sources.csv", _source_row("named-in-note"))
    path = data_copy / "programmes.csv"
    line = _line_of(path, "programme_id", "erasmus-plus")
    note = read_rows(path)[line - 1][read_rows(path)[0].index("note")]
    rewrite_cell(path, line, "note", note + " Other figure: named-in-note.")
    assert _problems(data_copy, "uncited-source") == []


def test_a_url_in_a_text_field_is_reported_where_a_source_id_belongs(data_copy) -> None:
    path = data_copy / "meetings.csv"
    line = _line_of(path, "meeting_id", "2025-11-20-ROU")
    rewrite_cell(path, line, "caveats", "Also at https://example.org/report")
    [problem] = _problems(data_copy, "bare-url")
    assert (problem.file, problem.line, problem.column) == ("meetings.csv", line, "caveats")


def test_a_meeting_whose_main_source_is_not_listed_is_reported(data_copy) -> None:
    path = data_copy / "meeting_sources.csv"
    rows = read_rows(path)
    kept = [r for r in rows if not (r[0] == "2024-07-03-TJK" and r[1] == "trend-2024-07-03-tjk")]
    assert len(kept) == len(rows) - 1
    path.write_text("".join(",".join(r) + "\n" for r in kept), encoding="utf-8")
    [problem] = _problems(data_copy, "meeting-source-listed")
    assert problem.value == "trend-2024-07-03-tjk"


def test_an_inferred_status_without_its_reason_is_reported(data_copy) -> None:
    path = data_copy / "followups.csv"
    line = _line_of(path, "action_id", "2025-08-09-rou-forum")
    rewrite_cell(path, line, "note", "")
    [problem] = _problems(data_copy, "inferred-status")
    assert (problem.line, problem.column) == (line, "note")


def test_the_two_inferred_follow_ups_of_the_issue_say_so() -> None:
    followups = load_package(DATA_DIR).table("followups").set_index("action_id")
    for action in ("2025-08-09-rou-forum", "2025-02-26-uzb-hlscc"):
        assert followups.at[action, "status_basis"] == "inferred"
        assert "inference" in followups.at[action, "note"].lower()


def test_a_stale_as_of_is_reported_and_the_curation_tool_recomputes_it(data_copy) -> None:
    descriptor = data_copy / "datapackage.json"
    spec = json.loads(descriptor.read_text(encoding="utf-8"))
    programmes = next(r for r in spec["resources"] if r["name"] == "programmes")
    programmes["x-as-of"] = "2021-03-25"
    descriptor.write_text(json.dumps(spec, indent=2, ensure_ascii=False), encoding="utf-8")
    [problem] = _problems(data_copy, "stale-as-of")
    assert problem.column == "programmes.x-as-of" and "2023-09-21" in problem.message

    subprocess.run(
        [sys.executable, str(TOOL), "--descriptor", "--out", str(data_copy)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert _problems(data_copy, "stale-as-of") == []
    refreshed = json.loads(descriptor.read_text(encoding="utf-8"))
    assert next(r for r in refreshed["resources"] if r["name"] == "programmes")["x-as-of"] == (
        "2023-09-21"
    )


def test_the_spec_document_lists_exactly_the_fields_of_the_package() -> None:
    loader = importlib.util.spec_from_file_location("curate_from_shared", TOOL)
    assert loader is not None and loader.loader is not None
    tool = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(tool)
    descriptor = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    doc = (ROOT / "docs" / "DATA_SPEC.md").read_text(encoding="utf-8")
    assert tool.spec_table(descriptor) in doc
    for name in ("budget_comparator", "eligibility_source_id", "horizon_source_id"):
        assert f"{name} (" in doc
    assert "also_sources" not in doc


@pytest.mark.parametrize(
    ("programme_id", "budget"),
    [("dep-hpc", 2019.914), ("dep-cybersecurity", 1399.566), ("dep-semiconductors", 1575.0)],
)
def test_digital_europe_objectives_are_the_amounts_of_the_regulation(
    programme_id: str, budget: float
) -> None:
    programmes = load_package(DATA_DIR).table("programmes").set_index("programme_id")
    assert programmes.at[programme_id, "budget_eur_m"] == pytest.approx(budget)
    assert programmes.at[programme_id, "budget_comparator"] == "exact"
    assert programmes.at[programme_id, "source_id"].startswith("eurlex-")


def test_a_source_with_neither_a_published_date_nor_undated_is_reported(data_copy, capsys) -> None:
    path = data_copy / "sources.csv"
    line = _line_of(path, "source_id", "dunya-2024-06-25-kor")
    rewrite_cell(path, line, "undated", "")
    dated = _line_of(path, "source_id", "pid-2025-08-09-romania")
    rewrite_cell(path, dated, "undated", "true")
    missing, both = sorted(_problems(data_copy, "source-undated"), key=lambda p: p.column)
    assert (missing.file, missing.line, missing.column) == ("sources.csv", line, "published")
    assert "mark it undated" in missing.message
    assert (both.line, both.column) == (dated, "undated")
    assert check_main(["check", str(data_copy), "--no-cache"]) == 1
    assert "[rule: source-undated]" in capsys.readouterr().out


def test_every_shipped_source_is_dated_or_marked_undated() -> None:
    sources = load_package(DATA_DIR, use_cache=False).table("sources")
    undated = sources["undated"].fillna(False).astype(bool)
    assert (sources["published"].notna() ^ undated).all()
    assert undated.sum() >= 40  # reference pages and copies that show no date
