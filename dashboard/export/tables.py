"""Tables as files: CSV with a sources footer, XLSX with a sources sheet."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # openpyxl loads when a workbook is built, not when the app starts
    from openpyxl.worksheet.worksheet import Worksheet

SOURCES_SHEET = "Sources"
# A spreadsheet reads a cell starting with one of these as a formula (tab and CR as well:
# some programs strip them first); the CSV writes such a text cell with a leading "'".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as YYYY-MM-DD text so the file reads the same everywhere."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out


def to_csv_bytes(frame: pd.DataFrame, source_lines: list[str] | None = None) -> bytes:
    """The rows and columns of `frame`, then the sources as ``#`` comment lines. A text cell
    that a spreadsheet would run as a formula is written with a leading "'".

    Read back with ``pandas.read_csv(path, comment="#")``.
    """
    out = _plain(frame)
    out.columns = [_inert(str(c)) for c in out.columns]
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_inert)
    text = out.to_csv(index=False, lineterminator="\n")
    if source_lines:
        text += "\n" + "".join(f"# {line}\n" for line in source_lines)
    return text.encode("utf-8")


def _sheet_name(name: str, taken: set[str]) -> str:
    clean = "".join(c for c in name if c not in "[]:*?/\\")[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


def _as_text(worksheet: Worksheet) -> None:
    """Every cell openpyxl took for a formula (text starting with "=") stored as text."""
    for row in worksheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame], sources: pd.DataFrame | None = None) -> bytes:
    """One sheet per table (exactly its rows and columns) and a Sources sheet; every text
    cell is text, never a formula."""
    buffer = io.BytesIO()
    taken: set[str] = set()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            sheet = _sheet_name(name, taken)
            _plain(frame).to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            _as_text(worksheet)
            for col_cells in worksheet.columns:
                width = max(len(str(c.value or "")) for c in col_cells[:200])
                worksheet.column_dimensions[col_cells[0].column_letter].width = min(60, width + 2)
        if sources is not None:
            name = _sheet_name(SOURCES_SHEET, taken)
            _plain(sources).to_excel(writer, sheet_name=name, index=False)
            _as_text(writer.sheets[name])
    return buffer.getvalue()
