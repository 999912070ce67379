"""World Bank WDI downloads: read them, merge them into the data package, report the change.

What the World Bank's data site gives for one indicator is a zip
(``API_<CODE>_DS2_en_csv_v2_<N>.zip``) holding the data CSV plus ``Metadata_Indicator_…`` and
``Metadata_Country_…`` files, or the data CSV alone: UTF-8 with a BOM, 4 preamble lines (the
"Last Updated Date" among them), a header ``Country Name, Country Code, Indicator Name,
Indicator Code, 1960, …`` with one column per year, and a trailing comma on every line.

`plan_update` reads such downloads, builds the new ``indicators.csv``, ``indicator_catalogue.csv``,
``sources.csv`` and ``datapackage.json`` in memory and validates them with the package's own
loader; `apply_plan` then replaces the files atomically. Nothing is written when any problem is
found. Values are copied as the text the source holds, so no precision is lost or added.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard.datasets.loader import load_package, resource_file
from dashboard.datasets.package import DESCRIPTOR_NAME, read_package_spec
from dashboard.datasets.validate import Problem

ID_COLUMNS = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")
METADATA_COLUMNS = ("INDICATOR_CODE", "INDICATOR_NAME", "SOURCE_NOTE", "SOURCE_ORGANIZATION")
LAST_UPDATED = "Last Updated Date"
WDI_PUBLISHER = "World Bank (World Development Indicators)"
WDI_LICENCE = "CC BY 4.0"
LARGEST_REVISIONS = 5
YEAR_PATTERN = re.compile(r"\d{4}")
# A web address inside metadata text (removed: the package keeps URLs in sources.csv only).
_URL_IN_TEXT = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Annotations inside a WDI series name's last brackets that say how, not in what, it is measured.
NOT_A_UNIT = {"BoP"}


def indicator_url(code: str) -> str:
    return f"https://data.worldbank.org/indicator/{code}"


def wdi_source_id(code: str) -> str:
    """The sources.csv id of a WDI series, e.g. ``wdi-it-net-bbnd-p2`` for IT.NET.BBND.P2."""
    return "wdi-" + re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")


@dataclass
class WdiTable:
    """The data CSV of one download: text cells, one column per year, as the file has them."""

    file: str
    last_updated: str
    frame: pd.DataFrame  # ID_COLUMNS, then the year columns; every cell is text
    lines: list[int]  # the physical line of each row of `frame` (the file's first line = 1)

    @property
    def code(self) -> str:
        return str(self.frame["Indicator Code"].iloc[0]) if len(self.frame) else ""

    @property
    def name(self) -> str:
        return str(self.frame["Indicator Name"].iloc[0]) if len(self.frame) else ""


@dataclass(frozen=True)
class IndicatorMetadata:
    """The ``Metadata_Indicator_…`` file of a download."""

    code: str
    name: str
    source_note: str
    source_organization: str


@dataclass
class WdiDownload:
    """One indicator as downloaded: its data and, where the download has it, its metadata."""

    label: str  # the file name as given, for reports
    table: WdiTable
    metadata: IndicatorMetadata | None


def _rows_with_lines(text: str) -> Iterable[tuple[int, list[str]]]:
    """Yield (physical line where the row starts, row); raises csv.Error on broken quoting."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    for row in reader:
        yield previous + 1, row
        previous = reader.line_num


def _decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        message = f"the file is not UTF-8 text (byte {exc.start}): not a WDI CSV download"
        return None, [Problem(file, None, None, None, "encoding", message)]


def parse_wdi_csv(raw: bytes, file: str) -> tuple[WdiTable | None, list[Problem]]:
    """Read a WDI per-indicator data CSV; None and the problems when its layout is not WDI's.

    Cells are not judged here (that is the package validator's job once they are merged);
    only the layout: the preamble's date, the header, the field count, one indicator and one row
    per country.
    """
    text, problems = _decode(raw, file)
    if text is None:
        return None, problems
    try:
        rows = list(_rows_with_lines(text))
    except csv.Error as exc:
        return None, [Problem(file, None, None, None, "csv", f"the file cannot be read: {exc}")]

    header_at = next((i for i, (_, row) in enumerate(rows) if row[:1] == [ID_COLUMNS[0]]), None)
    if header_at is None:
        message = f'no header line starting with "{ID_COLUMNS[0]}": not a WDI per-indicator CSV'
        return None, [Problem(file, None, None, None, "wdi-header", message)]
    header_line, header = rows[header_at]

    last_updated = ""
    for line, row in rows[:header_at]:
        if row[:1] == [LAST_UPDATED]:
            last_updated = row[1].strip() if len(row) > 1 else ""
            try:
                date.fromisoformat(last_updated)
            except ValueError:
                message = f"'{last_updated}' is not a date (YYYY-MM-DD)"
                problems.append(Problem(file, line, LAST_UPDATED, last_updated, "date", message))
    if not last_updated:
        message = f'no "{LAST_UPDATED}" line before the header: not a WDI per-indicator CSV'
        problems.append(Problem(file, None, None, None, "wdi-preamble", message))

    for position, expected in enumerate(ID_COLUMNS):
        found = header[position] if position < len(header) else ""
        if found != expected:
            message = f"column {position + 1} of the header should be '{expected}'"
            problems.append(Problem(file, header_line, expected, found, "wdi-header", message))
    width = len(header)
    while width > len(ID_COLUMNS) and header[width - 1] == "":
        width -= 1  # the trailing comma of every WDI line
    years = header[len(ID_COLUMNS) : width]
    seen: set[str] = set()
    for name in years:
        if not YEAR_PATTERN.fullmatch(name):
            message = f"column '{name}' should be a year (YYYY)"
            problems.append(Problem(file, header_line, name, name, "wdi-header", message))
        elif name in seen:
            message = f"year column '{name}' appears twice"
            problems.append(Problem(file, header_line, name, name, "wdi-header", message))
        seen.add(name)

    cells: list[list[str]] = []
    lines: list[int] = []
    for line, row in rows[header_at + 1 :]:
        if not row:
            continue
        if len(row) != len(header):
            message = f"row has {len(row)} fields but the header has {len(header)}"
            problems.append(Problem(file, line, None, None, "field-count", message))
            continue
        cells.append(row[:width])
        lines.append(line)
    if not cells:
        problems.append(Problem(file, None, None, None, "empty", "the file has no data rows"))
    if problems:
        return None, problems

    frame = pd.DataFrame(cells, columns=header[:width], dtype="string").astype(object)
    codes = frame["Indicator Code"]
    for idx in frame.index[codes != codes.iloc[0]]:
        message = f"a second indicator in one file (the first row has '{codes.iloc[0]}')"
        problems.append(
            Problem(file, lines[idx], "Indicator Code", codes.iat[idx], "wdi-indicator", message)
        )
    first_line: dict[str, int] = {}
    for idx, country in enumerate(frame["Country Code"]):
        if country in first_line:
            message = f"duplicate row for '{country}'; first seen on line {first_line[country]}"
            problems.append(Problem(file, lines[idx], "Country Code", country, "unique", message))
        first_line.setdefault(country, lines[idx])
    if problems:
        return None, problems
    return WdiTable(file, last_updated, frame, lines), []


def parse_indicator_metadata(
    raw: bytes, file: str, code: str
) -> tuple[IndicatorMetadata | None, list[Problem]]:
    """Read a ``Metadata_Indicator_…`` file and return the entry of series `code`."""
    text, problems = _decode(raw, file)
    if text is None:
        return None, problems
    try:
        rows = list(_rows_with_lines(text))
    except csv.Error as exc:
        return None, [Problem(file, None, None, None, "csv", f"the file cannot be read: {exc}")]
    header = rows[0][1] if rows else []
    missing = [name for name in METADATA_COLUMNS if name not in header]
    if missing:
        message = f"the header lacks {', '.join(missing)}: not a WDI indicator metadata file"
        return None, [Problem(file, 1, None, None, "wdi-header", message)]
    at = {name: header.index(name) for name in METADATA_COLUMNS}
    for _, row in rows[1:]:
        if len(row) > max(at.values()) and row[at["INDICATOR_CODE"]] == code:
            return IndicatorMetadata(*(row[at[name]].strip() for name in METADATA_COLUMNS)), []
    message = f"no entry for series {code}"
    return None, [Problem(file, None, "INDICATOR_CODE", code, "wdi-metadata", message)]


def _download(
    label: str, data: tuple[str, bytes], metadata: tuple[str, bytes] | None
) -> tuple[WdiDownload | None, list[Problem]]:
    table, problems = parse_wdi_csv(data[1], data[0])
    if table is None:
        return None, problems
    meta = None
    if metadata is not None:
        meta, problems = parse_indicator_metadata(metadata[1], metadata[0], table.code)
        if problems:
            return None, problems
    return WdiDownload(label, table, meta), []


def _read_zip(path: Path) -> tuple[WdiDownload | None, list[Problem]]:
    label = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            data_names = [
                n for n in names if Path(n).name.startswith("API_") and n.endswith(".csv")
            ]
            meta_names = [n for n in names if Path(n).name.startswith("Metadata_Indicator_")]
            if len(data_names) != 1:
                message = (
                    f"the zip should hold one data CSV (API_….csv) but holds {len(data_names)}: "
                    f"{', '.join(names) or 'nothing'}"
                )
                return None, [Problem(label, None, None, None, "wdi-zip", message)]
            data = (f"{label}/{data_names[0]}", archive.read(data_names[0]))
            metadata = (
                (f"{label}/{meta_names[0]}", archive.read(meta_names[0])) if meta_names else None
            )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        message = f"the zip cannot be read (damaged or incomplete download?): {exc}"
        return None, [Problem(label, None, None, None, "wdi-zip", message)]
    return _download(label, data, metadata)


def read_download(path: Path) -> tuple[WdiDownload | None, list[Problem]]:
    """Read one download: a zip, or a data CSV (with a ``Metadata_Indicator_`` file beside it,
    if the folder has one)."""
    if path.suffix.lower() == ".zip":
        return _read_zip(path)
    try:
        data = (path.name, path.read_bytes())
        beside = path.with_name(f"Metadata_Indicator_{path.name}")
        metadata = (beside.name, beside.read_bytes()) if beside.is_file() else None
    except OSError as exc:
        message = f"the file cannot be read ({exc.strerror})"
        return None, [Problem(path.name, None, None, None, "unreadable", message)]
    return _download(path.name, data, metadata)


def expand_paths(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """The download files named by `paths`; a folder stands for its .zip and data .csv files."""
    found: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and p.suffix.lower() in {".zip", ".csv"}
                and not p.name.startswith("Metadata_")
            )
            if not inside:
                message = "the folder holds no WDI download (.zip or .csv)"
                problems.append(Problem(str(path), None, None, None, "missing-file", message))
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem(str(path), None, None, None, "missing-file", "no such file"))
    return found, problems


# --------------------------------------------------------------------------------------------
# Merging into the package
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    iso3: str
    year: int
    old: str
    new: str

    @property
    def relative_change(self) -> float:
        """(new - old) / |old|; infinite when the old value was 0."""
        old, new = float(self.old), float(self.new)
        return (new - old) / abs(old) if old else math.copysign(math.inf, new)


@dataclass
class IndicatorChange:
    """What an update does to one series."""

    code: str
    name: str = ""
    file: str = ""
    is_new: bool = False
    old_last_updated: str = ""
    new_last_updated: str = ""
    added: int = 0
    removed: int = 0
    revised: int = 0
    unchanged: int = 0
    new_years: list[int] = field(default_factory=list)
    largest: list[Revision] = field(default_factory=list)


@dataclass
class UpdatePlan:
    """The new content of every file an update changes, what it changes, and what is wrong."""

    data_dir: Path
    contents: dict[str, bytes]  # file name in data_dir -> new bytes, in the order to write
    changes: list[IndicatorChange]
    problems: list[Problem]
    removed_sources: list[str] = field(default_factory=list)  # rows no table cites any more

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Origin:
    """Where a row of the new indicators.csv comes from (year_column empty: the old file)."""

    file: str
    line: int
    year_column: str = ""


@dataclass
class _Table:
    """A CSV of the package as text rows, so that untouched cells are written back as read."""

    header: list[str]
    rows: list[list[str]]

    @classmethod
    def read(cls, path: Path) -> _Table:
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        return cls(rows[0], rows[1:])

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.header, row, strict=False)) for row in self.rows]

    def to_bytes(self, records: Iterable[dict[str, str]] | None = None) -> bytes:
        rows = (
            self.rows if records is None else [[r.get(c, "") for c in self.header] for r in records]
        )
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\n").writerows([self.header, *rows])
        return out.getvalue().encode("utf-8")


def _as_number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _unit_from_name(name: str) -> str:
    """The unit a WDI series name gives in its last brackets, e.g. 'per 100 people'."""
    found = re.search(r"\(([^()]*)\)\s*$", name)
    parts = [p.strip() for p in found.group(1).split(",")] if found else []
    return ", ".join(p for p in parts if p and p not in NOT_A_UNIT) or name


def _cells(table: WdiTable) -> list[tuple[str, str, str, _Origin]]:
    """(iso3, year, value text, origin) for every non-empty cell of a WDI table."""
    years = [c for c in table.frame.columns if c not in ID_COLUMNS]
    out = []
    for idx, row in enumerate(table.frame.itertuples(index=False)):
        record = dict(zip(table.frame.columns, row, strict=True))
        for year in years:
            value = record[year].strip()
            if value:
                origin = _Origin(table.file, table.lines[idx], year)
                out.append((record["Country Code"], year, value, origin))
    return out


def _compare(
    code: str, old: dict[tuple[str, str], str], new: dict[tuple[str, str], str]
) -> IndicatorChange:
    """Rows added, removed, revised (a different number), new years, largest revisions."""
    change = IndicatorChange(code)
    revisions: list[Revision] = []
    for key, value in new.items():
        if key not in old:
            change.added += 1
            continue
        before, after = _as_number(old[key]), _as_number(value)
        if (before == after) if before is not None and after is not None else old[key] == value:
            change.unchanged += 1
            continue
        change.revised += 1
        if before is not None and after is not None and key[1].isdigit():
            revisions.append(Revision(key[0], int(key[1]), old[key], value))
    change.removed = sum(1 for key in old if key not in new)
    old_years = {year for _, year in old}
    change.new_years = sorted(int(y) for y in {y for _, y in new} - old_years if y.isdigit())
    revisions.sort(key=lambda r: abs(r.relative_change), reverse=True)
    change.largest = revisions[:LARGEST_REVISIONS]
    return change


def _merge_indicators(
    table: _Table, path: str, by_code: dict[str, WdiDownload]
) -> tuple[bytes, dict[int, _Origin], list[IndicatorChange]]:
    """indicators.csv with the updated series replaced; the origin of each of its lines."""
    col = {name: table.header.index(name) for name in ("iso3", "indicator_code", "year", "value")}
    width = len(table.header)
    merged: list[tuple[list[str], _Origin]] = []
    old: dict[str, dict[tuple[str, str], str]] = {code: {} for code in by_code}
    for line, row in enumerate(table.rows, start=2):
        code = row[col["indicator_code"]] if len(row) == width else None
        if code in by_code:
            old[code][(row[col["iso3"]], row[col["year"]])] = row[col["value"]]
        else:
            merged.append((row, _Origin(path, line)))
    new: dict[str, dict[tuple[str, str], str]] = {code: {} for code in by_code}
    for code, download in by_code.items():
        for iso3, year, value, origin in _cells(download.table):
            new[code].setdefault((iso3, year), value)
            row = [""] * width
            row[col["iso3"]], row[col["indicator_code"]] = iso3, code
            row[col["year"]], row[col["value"]] = year, value
            merged.append((row, origin))

    def order(item: tuple[list[str], _Origin]) -> tuple[str, str, int, str]:
        row = item[0]
        if len(row) != width:
            return ("\uffff", "", 0, "")
        year = row[col["year"]]
        return (row[col["indicator_code"]], row[col["iso3"]], *_year_order(year))

    merged.sort(key=order)
    origins = {line: origin for line, (_, origin) in enumerate(merged, start=2)}
    content = _Table(table.header, [row for row, _ in merged]).to_bytes()
    return content, origins, [_compare(code, old[code], new[code]) for code in by_code]


def _year_order(year: str) -> tuple[int, str]:
    return (int(year), "") if year.isdigit() else (10**6, year)


def _catalogue_entry(entry: dict[str, str], download: WdiDownload) -> None:
    """Fill a catalogue row for a series new to the catalogue (or new to WDI as its source)."""
    code = download.table.code
    meta = download.metadata
    name = meta.name if meta and meta.name else download.table.name
    # The indicator page's URL lives in the series' sources row; a text field carries none
    # (the package's audit refuses bare URLs in text).
    page_note = "full definition and methodology on the World Bank's indicator page (the source)"
    if meta and meta.source_note:
        note = _URL_IN_TEXT.sub("(link on the indicator page)", meta.source_note)
        definition = f"{note} (World Bank World Development Indicators series {code}; {page_note})"
    else:
        definition = f"{name}. World Bank World Development Indicators series {code}; {page_note}"
    publisher = WDI_PUBLISHER
    if meta and meta.source_organization:
        publisher += f"; original source: {meta.source_organization}"
    entry.update(
        name=name,
        unit=entry.get("unit") or _unit_from_name(name),
        definition=definition,
        publisher=publisher,
        source_id=wdi_source_id(code),
    )


def _provenance(download: WdiDownload, today: date) -> str:
    return (
        f"WDI download {download.label} (Last Updated Date {download.table.last_updated}), "
        f"loaded on {today.isoformat()} with python -m dashboard.datasets update-wdi; "
        "published = the file's Last Updated Date."
    )


def _read_downloads(sources: Sequence[Path]) -> tuple[dict[str, WdiDownload], list[Problem]]:
    paths, problems = expand_paths(sources)
    by_code: dict[str, WdiDownload] = {}
    for path in paths:
        download, found = read_download(path)
        problems.extend(found)
        if download is None:
            continue
        code = download.table.code
        if code in by_code:
            message = f"series {code} is given twice (also in {by_code[code].label})"
            problems.append(
                Problem(download.label, None, "Indicator Code", code, "unique", message)
            )
            continue
        by_code[code] = download
    return by_code, problems


def _update_catalogue(
    catalogue: list[dict[str, str]], changes: list[IndicatorChange], by_code: dict[str, WdiDownload]
) -> None:
    """Set each updated series' last_updated; add a row for a series new to the catalogue."""
    by_catalogue_code = {entry.get("indicator_code"): entry for entry in catalogue}
    for change in changes:
        download = by_code[change.code]
        entry = by_catalogue_code.get(change.code)
        change.file = download.label
        change.is_new = entry is None
        change.old_last_updated = entry.get("last_updated", "") if entry else ""
        change.new_last_updated = download.table.last_updated
        if entry is None:
            entry = {"indicator_code": change.code}
            catalogue.append(entry)
        if entry.get("source_id") != wdi_source_id(change.code):
            _catalogue_entry(entry, download)  # new, or until now from another publisher
        entry["last_updated"] = download.table.last_updated
        change.name = entry.get("name", "")
    catalogue.sort(key=lambda e: e.get("indicator_code", ""))


def _update_sources(
    sources: list[dict[str, str]],
    changes: list[IndicatorChange],
    by_code: dict[str, WdiDownload],
    today: date,
) -> None:
    """Each updated series' source row: published, accessed and the file; a new row if none."""
    by_source_id = {entry.get("source_id"): entry for entry in sources}
    for change in changes:
        download = by_code[change.code]
        entry = by_source_id.get(wdi_source_id(change.code))
        if entry is None:
            entry = {
                "source_id": wdi_source_id(change.code),
                "publisher": "World Bank",
                "title": f"World Development Indicators: {change.name} ({change.code})",
                "url": indicator_url(change.code),
                "licence": WDI_LICENCE,
            }
            sources.append(entry)
        entry.update(
            published=download.table.last_updated,
            undated="",  # it has a date now (the file's "Last Updated Date")
            accessed=today.isoformat(),
            notes=_provenance(download, today),
        )


def _update_descriptor(
    descriptor: dict,
    catalogue_before: list[dict[str, str]],
    catalogue: list[dict[str, str]],
    sources: list[dict[str, str]],
    newest: str,
) -> None:
    """The as-of dates, and the source lists of the indicator resources."""
    by_source_id = {entry.get("source_id"): entry for entry in sources}

    def urls(source_ids: set[str | None]) -> set[str | None]:
        return {by_source_id[sid].get("url") for sid in source_ids if sid in by_source_id}

    cited_ids = {e.get("source_id") for e in catalogue}
    cited = [
        {"title": f"{s['publisher']}: {s['title']}", "path": s["url"]}
        for sid in sorted(cited_ids - {None})
        if (s := by_source_id.get(sid))
    ]
    # A source the catalogue no longer cites (e.g. DataHub's GDP, now from WDI) is dropped.
    stale = urls({e.get("source_id") for e in catalogue_before} - cited_ids) - urls(cited_ids)
    dates = [e.get("last_updated", "") for e in catalogue if _is_date(e.get("last_updated", ""))]
    for resource in descriptor.get("resources", []):
        if resource.get("name") in {"indicators", "indicator_catalogue"}:
            resource["x-as-of"] = max(dates, default=newest)
            listed = [e for e in resource.get("sources", []) if e.get("path") not in stale]
            known = {e.get("path") for e in listed}
            resource["sources"] = listed + [e for e in cited if e["path"] not in known]
        elif resource.get("name") == "sources":
            resource["x-as-of"] = max(str(resource.get("x-as-of", "")), newest)
    descriptor["x-as-of"] = max(str(descriptor.get("x-as-of", "")), newest)


def plan_update(data_dir: Path, sources: Sequence[Path], today: date) -> UpdatePlan:
    """Read the downloads in `sources`, merge them into the package in `data_dir`, validate.

    Nothing is written: the plan holds the new bytes of each file that changes.
    """
    data_dir = Path(data_dir).resolve()
    by_code, problems = _read_downloads(sources)
    try:
        spec = read_package_spec(data_dir)
        path_of = {
            n: spec.resource(n).path for n in ("indicators", "indicator_catalogue", "sources")
        }
        descriptor = json.loads((data_dir / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
        indicators_table = _Table.read(data_dir / path_of["indicators"])
        catalogue_table = _Table.read(data_dir / path_of["indicator_catalogue"])
        sources_table = _Table.read(data_dir / path_of["sources"])
    except (OSError, ValueError, KeyError, IndexError) as exc:
        message = f"the data package cannot be read: {exc}"
        problems.append(Problem(str(data_dir), None, None, None, "descriptor", message))
        return UpdatePlan(data_dir, {}, [], problems)
    if not by_code:
        return UpdatePlan(data_dir, {}, [], problems)

    indicators, origins, changes = _merge_indicators(
        indicators_table, path_of["indicators"], by_code
    )
    catalogue = catalogue_table.records()
    _update_catalogue(catalogue, changes, by_code)
    sources_rows = sources_table.records()
    _update_sources(sources_rows, changes, by_code, today)
    newest = max(change.new_last_updated for change in changes)
    _update_descriptor(descriptor, catalogue_table.records(), catalogue, sources_rows, newest)

    def candidates_for(source_rows: list[dict[str, str]]) -> dict[str, bytes]:
        # In writing order: sources first, the descriptor last, so that a reader between two
        # renames still finds every reference it follows.
        return {
            path_of["sources"]: sources_table.to_bytes(source_rows),
            path_of["indicator_catalogue"]: catalogue_table.to_bytes(catalogue),
            path_of["indicators"]: indicators,
            DESCRIPTOR_NAME: (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode(),
        }

    candidates = candidates_for(sources_rows)
    found = _validate(data_dir, candidates, origins, path_of["indicators"])
    # A source only the catalogue cited (e.g. DataHub's GDP, now from WDI) is cited by nothing
    # after the switch: its row goes too, and the report says so.
    released = {e.get("source_id") for e in catalogue_table.records()} - {
        e.get("source_id") for e in catalogue
    }
    orphaned = {p.value for p in found if p.rule == "uncited-source"} & released
    if orphaned:
        sources_rows = [row for row in sources_rows if row.get("source_id") not in orphaned]
        candidates = candidates_for(sources_rows)
        found = _validate(data_dir, candidates, origins, path_of["indicators"])
    problems.extend(found)
    contents = {
        name: content
        for name, content in candidates.items()
        if not (data_dir / name).is_file() or (data_dir / name).read_bytes() != content
    }
    return UpdatePlan(data_dir, contents, changes, problems, sorted(orphaned))


def _validate(
    data_dir: Path, candidates: dict[str, bytes], origins: dict[int, _Origin], indicators: str
) -> list[Problem]:
    """Load the package as it would be after the update; return the errors in what changes.

    The package's own loader judges it, in a staging folder (the candidates written, the other
    files copied: the loader follows no link out of a data folder). A resource whose path
    leaves the data folder is not staged; the loader reports it. An error in a new indicator
    row is reported where the value came from: the download's file, line and column.
    """
    with tempfile.TemporaryDirectory(prefix="update-wdi-") as staging:
        stage = Path(staging)
        spec = read_package_spec(data_dir)
        (stage / DESCRIPTOR_NAME).write_bytes(
            candidates.get(DESCRIPTOR_NAME) or (data_dir / DESCRIPTOR_NAME).read_bytes()
        )
        for res in spec.resources:
            source, target = resource_file(data_dir, res), resource_file(stage, res)
            if source is None or target is None:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if res.path in candidates:
                target.write_bytes(candidates[res.path])
            elif source.exists():
                shutil.copyfile(source, target)
        package = load_package(stage, use_cache=False)

    download_column = {"iso3": "Country Code", "indicator_code": "Indicator Code"}
    found: list[Problem] = []
    for problem in package.errors:
        if problem.file not in candidates:
            continue
        origin = origins.get(problem.line or 0) if problem.file == indicators else None
        if origin is None:
            found.append(problem)
            continue
        column = problem.column
        if origin.year_column:
            column = download_column.get(problem.column or "", origin.year_column)
        message = problem.message
        first = re.search(r"first seen on line (\d+)", message)
        if first and int(first.group(1)) in origins:
            seen = origins[int(first.group(1))]
            message = message.replace(
                first.group(0), f"first seen in {seen.file}, line {seen.line}"
            )
        found.append(
            Problem(origin.file, origin.line, column, problem.value, problem.rule, message)
        )
    return found


def apply_plan(plan: UpdatePlan) -> list[str]:
    """Write the plan's files, each to a temporary file beside it and then renamed over it.

    Every temporary file is complete before the first rename, so a failed write leaves every
    file as it was. Returns the names written.
    """
    if not plan.ok:
        raise ValueError("an update with problems is never written")
    staged: list[tuple[str, str]] = []
    try:
        for name, content in plan.contents.items():
            target = plan.data_dir / name
            handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            staged.append((tmp, str(target)))
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            if target.exists():
                os.chmod(tmp, target.stat().st_mode & 0o777)
    except OSError:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, target in staged:
        os.replace(tmp, target)
    return list(plan.contents)


def format_report(plan: UpdatePlan) -> str:
    """Per series: rows added / removed / revised, new years and the largest revisions."""
    lines: list[str] = []
    for change in plan.changes:
        if change.is_new:
            status = f"new series, last updated {change.new_last_updated}"
        else:
            status = f"last updated {change.old_last_updated} -> {change.new_last_updated}"
            if change.new_last_updated < change.old_last_updated:
                status += ": the file is OLDER than the data it replaces"
        lines.append(f"{change.code} — {change.name} ({change.file}; {status})")
        lines.append(
            f"  rows added {change.added}, removed {change.removed}, revised {change.revised}, "
            f"unchanged {change.unchanged}"
        )
        if change.new_years:
            lines.append(f"  new years: {', '.join(str(y) for y in change.new_years)}")
        if change.largest:
            lines.append("  largest revisions:")
        for rev in change.largest:
            pct = "from 0" if math.isinf(rev.relative_change) else f"{rev.relative_change:+.1%}"
            lines.append(f"    {rev.iso3} {rev.year}: {rev.old} -> {rev.new} ({pct})")
    if plan.removed_sources:
        lines.append(f"source rows no longer cited, removed: {', '.join(plan.removed_sources)}")
    if plan.changes:
        lines.append(
            f"files the update changes: {', '.join(plan.contents) or 'none (already up to date)'}"
        )
    return "\n".join(lines)
