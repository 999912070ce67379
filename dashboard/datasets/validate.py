"""Parse one CSV table against its Table Schema: typed DataFrame plus every problem found.

Row-level faults (a bad value, too many fields, a duplicate key) drop only the offending row,
so the rest of the table stays usable; structural faults (missing or empty file, missing
column, unreadable descriptor) make the table unavailable. Either way every problem is
reported with file, line, column, value and the rule broken.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

import pandas as pd

from dashboard.datasets.package import Field, Resource

BOM = "\ufeff"
# parse_table's frames carry each row's CSV line here; the loader moves it out of the table.
LINE_COLUMN = "__line__"
ERROR = "error"
WARNING = "warning"

TRUE_VALUES = {"true", "True", "TRUE", "1"}
FALSE_VALUES = {"false", "False", "FALSE", "0"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located as precisely as the fault allows.

    ``line`` is the physical line in the CSV file (the header is line 1), or None when the
    problem concerns the whole file.
    """

    file: str
    line: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    severity: str = ERROR

    def describe(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def empty_frame(resource: Resource) -> pd.DataFrame:
    """A table with the schema's columns and types and no rows."""
    return pd.DataFrame({f.name: pd.Series(dtype=_dtype(f)) for f in resource.fields})


def _dtype(fld: Field) -> str:
    return {
        "integer": "Int64",
        "year": "Int64",
        "number": "float64",
        "boolean": "boolean",
        "date": "datetime64[ns]",
    }.get(fld.type, "string")


def _decode(raw: bytes, file: str, problems: list[Problem]) -> str:
    """Decode UTF-8, reporting (not failing on) a leading BOM and undecodable bytes."""
    if raw.startswith(BOM.encode()):
        problems.append(
            Problem(
                file,
                1,
                None,
                None,
                "encoding",
                "file starts with a byte-order mark (BOM); it was ignored — save the file as "
                "UTF-8 without BOM",
                WARNING,
            )
        )
        raw = raw[len(BOM.encode()) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace")


def parse_table(raw: bytes, resource: Resource) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Validate the bytes of one CSV file against `resource`'s schema.

    Returns None instead of a frame when the file as a whole is unusable. The frame has one
    extra column, LINE_COLUMN: the physical CSV line of each row, for later reports.
    """
    file = resource.path
    problems: list[Problem] = []
    if not raw.strip():
        problems.append(Problem(file, None, None, None, "empty", "the file is empty"))
        return None, problems

    text = _decode(raw, file, problems)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        problems.append(Problem(file, 1, None, None, "csv", f"the header cannot be read: {exc}"))
        return None, problems

    expected = resource.field_names
    missing = [name for name in expected if name not in header]
    for name in missing:
        problems.append(
            Problem(
                file,
                1,
                name,
                None,
                "missing-column",
                f"required column '{name}' is missing from the header",
            )
        )
    if missing:
        return None, problems
    for name in header:
        if name not in expected:
            problems.append(
                Problem(
                    file,
                    1,
                    name,
                    None,
                    "extra-column",
                    f"column '{name}' is not described in datapackage.json; it was ignored",
                    WARNING,
                )
            )

    rows: list[list[str]] = []
    lines: list[int] = []
    bad_lines: set[int] = set()
    width = len(header)
    start = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(file, reader.line_num, None, None, "csv", str(exc)))
            break
        line = start + 1
        start = reader.line_num
        if not row:
            continue
        if len(row) != width:
            problems.append(
                Problem(
                    file,
                    line,
                    None,
                    None,
                    "field-count",
                    f"row has {len(row)} fields but the header has {width}; the row was skipped",
                )
            )
            continue
        rows.append(row)
        lines.append(line)

    frame = pd.DataFrame(rows, columns=header, dtype="string")[expected] if rows else None
    if frame is None:
        return empty_frame(resource).assign(**{LINE_COLUMN: pd.Series(dtype="int64")}), problems
    line_numbers = pd.Series(lines, index=frame.index)

    typed: dict[str, pd.Series] = {}
    for fld in resource.fields:
        column, errors = _check_field(frame[fld.name], fld)
        typed[fld.name] = column
        for idx, (rule, message) in errors.items():
            problems.append(
                Problem(
                    file, int(line_numbers[idx]), fld.name, frame.at[idx, fld.name], rule, message
                )
            )
            bad_lines.add(idx)

    result = pd.DataFrame(typed)
    if resource.primary_key:
        for idx, first in _duplicate_keys(result, resource.primary_key).items():
            if idx in bad_lines:
                continue
            key = ", ".join(str(result.at[idx, k]) for k in resource.primary_key)
            problems.append(
                Problem(
                    file,
                    int(line_numbers[idx]),
                    ",".join(resource.primary_key),
                    key,
                    "unique",
                    f"duplicate key ({key}); first seen on line {int(line_numbers[first])}",
                )
            )
            bad_lines.add(idx)

    keep = ~result.index.isin(list(bad_lines))
    result = result[keep].reset_index(drop=True)
    result[LINE_COLUMN] = line_numbers[keep].to_numpy(dtype="int64")
    return result, problems


def parse_rows(
    rows: Sequence[Mapping[str, object]], resource: Resource
) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate records given as dicts (a form, an import) by the same rules as a CSV file.

    Values may be text, dates, booleans, numbers or None (empty). In the result, a problem's
    ``line`` and the frame's LINE_COLUMN are the row's position in `rows`, counted from 1.
    """
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(resource.field_names)
    row_at_line: dict[int, int] = {}
    line = 2
    for number, row in enumerate(rows, start=1):
        cells = [cell_text(row.get(name)) for name in resource.field_names]
        before = out.tell()
        writer.writerow(cells)
        row_at_line[line] = number
        line += out.getvalue()[before:].count("\n")
    frame, problems = parse_table(out.getvalue().encode("utf-8", "surrogatepass"), resource)
    if frame is None:  # only when no column was written: cannot happen with field_names
        frame = empty_frame(resource).assign(**{LINE_COLUMN: pd.Series(dtype="int64")})
    frame[LINE_COLUMN] = frame[LINE_COLUMN].map(row_at_line).astype("int64")
    renumbered = [
        dataclasses.replace(p, line=row_at_line.get(p.line, p.line) if p.line else p.line)
        for p in problems
    ]
    return frame, renumbered


def cell_text(value: object) -> str:
    """A value as it would be written in a CSV cell (empty for missing, ISO dates)."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _duplicate_keys(frame: pd.DataFrame, key: tuple[str, ...]) -> dict[int, int]:
    """Map each repeated key's row index to the index of its first occurrence."""
    dup = frame.duplicated(list(key), keep="first")
    if not dup.any():
        return {}
    first_index = frame.reset_index().groupby(list(key), dropna=False)["index"].transform("min")
    return {int(i): int(first_index[i]) for i in frame.index[dup]}


def _check_field(values: pd.Series, fld: Field) -> tuple[pd.Series, dict[int, tuple[str, str]]]:
    """Convert one column to its type and collect (rule, message) per bad row index."""
    errors: dict[int, tuple[str, str]] = {}
    text = values.fillna("")
    blank = text.str.strip() == ""

    def flag(mask: pd.Series, rule: str, message) -> None:
        for idx in text.index[mask.fillna(False).to_numpy(dtype=bool)]:
            errors.setdefault(
                int(idx), (rule, message(text[idx]) if callable(message) else message)
            )

    flag(
        text.str.contains(BOM, regex=False),
        "encoding",
        "value contains a stray byte-order mark (U+FEFF)",
    )
    flag(
        text.str.contains("\ufffd", regex=False),
        "encoding",
        "value contains bytes that are not valid UTF-8",
    )
    if fld.required:
        flag(blank, "required", "a value is required here but the cell is empty")

    typed, bad_type = _convert(text.where(~blank, None), fld)
    flag(bad_type & ~blank, "type", lambda v: f"'{v}' is not a valid {_type_name(fld)}")

    present = ~blank & ~bad_type
    cons = fld.constraints
    if "enum" in cons:
        allowed = [str(a) for a in cons["enum"]]
        flag(
            present & ~text.isin(allowed),
            "enum",
            lambda v: f"'{v}' is not one of: {', '.join(allowed)}",
        )
    if "pattern" in cons:
        pattern = cons["pattern"]
        flag(
            present & ~text.str.fullmatch(pattern),
            "pattern",
            lambda v: f"'{v}' does not match the pattern {pattern}",
        )
    if "minimum" in cons and fld.type in {"integer", "number", "year"}:
        low = cons["minimum"]
        flag(present & (typed < low), "minimum", lambda v: f"{v} is below the minimum {low}")
    if "maximum" in cons and fld.type in {"integer", "number", "year"}:
        high = cons["maximum"]
        flag(present & (typed > high), "maximum", lambda v: f"{v} is above the maximum {high}")
    return typed, errors


def _type_name(fld: Field) -> str:
    return {"date": "date (YYYY-MM-DD)", "boolean": "boolean (true/false)"}.get(fld.type, fld.type)


def _convert(values: pd.Series, fld: Field) -> tuple[pd.Series, pd.Series]:
    """Return (typed column, mask of values that failed to convert)."""
    kind = fld.type
    if kind in {"integer", "year"}:
        number = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & (number.isna() | (number % 1 != 0))
        return number.where(~bad).astype("Int64"), bad
    if kind == "number":
        number = pd.to_numeric(values, errors="coerce").astype("float64")
        return number, values.notna() & number.isna()
    if kind == "date":
        dates = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
        return dates, values.notna() & dates.isna()
    if kind == "boolean":
        stripped = values.str.strip()
        mapped = pd.Series(pd.NA, index=values.index, dtype="boolean")
        mapped[stripped.isin(TRUE_VALUES).fillna(False).to_numpy(dtype=bool)] = True
        mapped[stripped.isin(FALSE_VALUES).fillna(False).to_numpy(dtype=bool)] = False
        return mapped, values.notna() & mapped.isna()
    return values.astype("string"), pd.Series(False, index=values.index)
