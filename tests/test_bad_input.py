"""Broken data on purpose: the report names file, line and column; the rest keeps working."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboard.datasets import load_package
from dashboard.datasets.__main__ import main as check_main
from tests.helpers import page_text, read_rows, rewrite_cell, run_app


@dataclass
class Fault:
    file: str
    line: int | None
    column: str | None
    rule: str
    break_it: Callable[[Path], None]
    unavailable: bool = False


def _drop_column(file: str, column: str) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        rows = read_rows(data / file)
        idx = rows[0].index(column)
        text = "\n".join(",".join(_quote(c) for i, c in enumerate(r) if i != idx) for r in rows)
        (data / file).write_text(text + "\n", encoding="utf-8")

    return apply


def _quote(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\n') else cell


def _set(file: str, line: int, column: str, value: str) -> Callable[[Path], None]:
    return lambda data: rewrite_cell(data / file, line, column, value) and None


def _duplicate_line(file: str, line: int) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        lines = (data / file).read_text(encoding="utf-8").splitlines(keepends=True)
        lines.append(lines[line - 1])
        (data / file).write_text("".join(lines), encoding="utf-8")

    return apply


def _append_to_line(file: str, line: int, extra: bytes) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        lines = (data / file).read_bytes().split(b"\n")
        lines[line - 1] = lines[line - 1] + extra
        (data / file).write_bytes(b"\n".join(lines))

    return apply


def _write(file: str, content: bytes | None) -> Callable[[Path], None]:
    def apply(data: Path) -> None:
        if content is None:
            (data / file).unlink()
        else:
            (data / file).write_bytes(content)

    return apply


def _prefix(file: str, prefix: bytes) -> Callable[[Path], None]:
    return lambda data: (data / file).write_bytes(prefix + (data / file).read_bytes()) and None


def _duplicated_line_number(data: Path, file: str) -> int:
    return len((data / file).read_text(encoding="utf-8").splitlines())


FAULTS = {
    "missing column": Fault(
        "countries.csv",
        1,
        "income_group",
        "missing-column",
        _drop_column("countries.csv", "income_group"),
        unavailable=True,
    ),
    "wrong type": Fault(
        "indicators.csv", 3, "value", "type", _set("indicators.csv", 3, "value", "twelve")
    ),
    "unparseable date": Fault(
        "meetings.csv", 3, "date", "type", _set("meetings.csv", 3, "date", "2025-13-45")
    ),
    "duplicate key": Fault(
        "programmes.csv", None, "programme_id", "unique", _duplicate_line("programmes.csv", 3)
    ),
    "dangling foreign key": Fault(
        "followups.csv",
        2,
        "meeting_id",
        "foreign-key",
        _set("followups.csv", 2, "meeting_id", "1999-01-01-XXX"),
    ),
    "value outside allowed set": Fault(
        "followups.csv", 3, "status", "enum", _set("followups.csv", 3, "status", "maybe")
    ),
    "empty file": Fault(
        "companies.csv", None, None, "empty", _write("companies.csv", b""), unavailable=True
    ),
    "missing file": Fault(
        "tech_hubs.csv", None, None, "missing-file", _write("tech_hubs.csv", None), unavailable=True
    ),
    "non-UTF-8 bytes": Fault(
        "sector_facts.csv",
        2,
        "note",
        "encoding",
        _append_to_line("sector_facts.csv", 2, b"\xff\xfe"),
    ),
    "byte-order mark in a cell": Fault(
        "cooperation_areas.csv",
        3,
        "name",
        "encoding",
        _set("cooperation_areas.csv", 3, "name", "\ufeffAI"),
    ),
    "row with too many fields": Fault(
        "meeting_areas.csv",
        4,
        None,
        "field-count",
        _append_to_line("meeting_areas.csv", 4, b",extra"),
    ),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_is_reported_with_file_line_and_column(name: str, data_copy: Path) -> None:
    fault = FAULTS[name]
    fault.break_it(data_copy)
    package = load_package(data_copy, use_cache=False)

    found = [p for p in package.problems if p.file == fault.file and p.rule == fault.rule]
    assert found, (
        f"no {fault.rule} problem for {fault.file}: {[p.describe() for p in package.problems]}"
    )
    problem = found[0]
    expected_line = fault.line
    if fault.rule == "unique":
        expected_line = _duplicated_line_number(data_copy, fault.file)
    assert problem.line == expected_line
    assert problem.column == fault.column
    assert fault.file in problem.describe()

    table = Path(fault.file).stem
    assert (table in package.unavailable) == fault.unavailable
    # Every other table still loads.
    for res in package.spec.resources:
        if res.name != table:
            assert res.name not in package.unavailable, (
                f"{res.name} was lost because of {fault.file}"
            )
    assert len(package.table("sources")) > 0


def test_bad_row_is_left_out_and_good_rows_kept(data_copy: Path) -> None:
    before = len(load_package(data_copy, use_cache=False).table("meetings"))
    FAULTS["unparseable date"].break_it(data_copy)
    after = load_package(data_copy, use_cache=False).table("meetings")
    assert len(after) == before - 1


def test_byte_order_mark_at_file_start_is_a_warning_and_table_loads(data_copy: Path) -> None:
    rows_before = len(load_package(data_copy, use_cache=False).table("countries"))
    _prefix("countries.csv", "\ufeff".encode())(data_copy)
    package = load_package(data_copy, use_cache=False)
    problem = next(p for p in package.problems if p.file == "countries.csv")
    assert (problem.severity, problem.line, problem.rule) == ("warning", 1, "encoding")
    assert len(package.table("countries")) == rows_before
    assert not package.errors


@pytest.mark.parametrize(
    "name", ["wrong type", "missing file", "missing column", "dangling foreign key"]
)
def test_app_shows_the_problem_and_keeps_working(
    name: str, data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault = FAULTS[name]
    fault.break_it(data_copy)
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_copy))

    home = run_app()
    assert not home.exception
    assert "problem" in page_text(home)

    sources = run_app("views/sources.py")
    assert not sources.exception
    problems = next(df.value for df in sources.dataframe if "What is wrong" in df.value.columns)
    row = problems[(problems["File"] == fault.file) & (problems["Rule"] == fault.rule)]
    assert not row.empty
    if fault.line is not None:
        assert fault.line in set(row["Line"])


def test_unreadable_package_description_gives_a_message(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (data_copy / "datapackage.json").write_text("{ not json", encoding="utf-8")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(data_copy))
    at = run_app()
    assert not at.exception
    assert "datapackage.json" in page_text(at)


def test_check_command_exits_non_zero_and_names_the_fault(
    data_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    FAULTS["value outside allowed set"].break_it(data_copy)
    assert check_main(["check", str(data_copy), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "followups.csv, line 3, column 'status'" in out
    assert "'maybe' is not one of" in out
