"""The rules every write passes: the package's own validator plus the records' extra rules.

One rule set: a form, an import and the CSV package are all checked by
``dashboard.datasets.validate`` against ``data/datapackage.json`` (types, required, enums,
patterns, keys). On top of that, for records only:

- text is at most MAX_TEXT (5,000) characters and holds no control character other than tab
  and line breaks, and none of the characters that reorder how text is shown (bidirectional
  embeddings, overrides and isolates): stored text reads as it is shown;
- dates lie within DATE_MIN..DATE_MAX (1901-01-01..2099-12-31);
- references to the curated tables in ``data/`` (countries, cooperation areas) name a known row;
- a meeting names its partner, type and title (the package keeps older rows without them; a
  record does not), and its partner is a country or an organisation, not a group of countries
  or a territory (``datasets.queries.can_be_partner``);
- the package audit's row rules, applied before a write rather than after an export: no bare
  URL in text, a meeting does not end before it starts, an inferred status has its note and
  source, a source gives its published date or is marked undated (not both).

The store adds the rules that need the database (duplicate ids, known sources and meetings, a
follow-up not raised before its meeting).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from dashboard.datasets.audit import (
    BARE_URL_MESSAGE,
    SOURCES,
    URL_PATTERN,
    end_before_start_message,
    ends_before_start,
    inferred_status_message,
    text_columns,
    undated_message,
    undated_mismatch,
    unexplained_inferred_status,
)
from dashboard.datasets.package import Resource
from dashboard.datasets.validate import ERROR, LINE_COLUMN, Problem, cell_text, parse_rows
from dashboard.records.models import RECORD_TABLES

MAX_TEXT = 5_000
# A meeting's fields a person must give, beyond those the package's schema requires (its date
# and main source), with what each is.
MEETING_REQUIRED = {
    "partner_iso3": "its partner (the country or organisation met)",
    "event_type": "its type",
    "title": "a title saying what the event was",
}
# The key of `curated` holding the countries and organisations a meeting's partner may be.
PARTNERS = "partners"
DATE_MIN = date(1901, 1, 1)
DATE_MAX = date(2099, 12, 31)
# C0 control characters but tab, line feed and carriage return (a CRLF line end in a CSV cell),
# and U+202A-U+202E, U+2066-U+2069: embeddings, overrides and isolates that make text display
# in another order than it is stored (a "right-to-left override" can disguise a name).
FORBIDDEN_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")


def forbidden_character_problem(value: str) -> str | None:
    """What is wrong with `value`'s first forbidden character, or None when it has none."""
    found = FORBIDDEN_CHARACTER.search(value)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "control character")
    return (
        f"the text contains an invisible character, U+{ord(char):04X} ({name.lower()}), at "
        f"position {found.start() + 1}; remove it"
    )


class ValidationFailed(ValueError):
    """Nothing was saved: `problems` says what is wrong, field by field (``column``)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(p.describe() for p in self.problems))

    def by_field(self) -> dict[str, list[str]]:
        """Messages per field name, for showing next to each form field."""
        found: dict[str, list[str]] = {}
        for problem in self.problems:
            found.setdefault(problem.column or "", []).append(problem.message)
        return found


def as_text(resource: Resource) -> Resource:
    """`resource` with every field plain optional text: parsing with it keeps every row, so the
    records' extra rules see rows that the schema's own rules reject too (all problems at once)."""
    return dataclasses.replace(
        resource,
        fields=tuple(
            dataclasses.replace(f, type="string", constraints={}) for f in resource.fields
        ),
        primary_key=(),
        foreign_keys=(),
    )


def _bare_url(_value: str) -> str:
    return BARE_URL_MESSAGE


def check_frame(
    text: pd.DataFrame, resource: Resource, curated: Mapping[str, set[str]]
) -> list[Problem]:
    """The records' extra rules on the rows as text (parsed with `as_text`, with LINE_COLUMN)."""
    problems: list[Problem] = []
    lines = text[LINE_COLUMN]

    def report(mask: pd.Series, column: str, rule: str, message: Callable[[str], str]) -> None:
        for idx in text.index[mask.fillna(False).to_numpy(dtype=bool)]:
            value = str(text.at[idx, column])
            shown = value if len(value) <= 80 else value[:77] + "…"
            problems.append(
                Problem(resource.path, int(lines[idx]), column, shown, rule, message(value))
            )

    for name in text_columns(resource) if resource.name != SOURCES else ():
        # The package's audit rule, checked before a write rather than after an export.
        report(text[name].str.contains(URL_PATTERN, na=False), name, "bare-url", _bare_url)
    for fld in resource.fields:
        column = text[fld.name]
        if fld.type == "string":
            report(
                column.str.len() > MAX_TEXT,
                fld.name,
                "max-length",
                lambda v: (
                    f"the text is {len(v):,} characters long; at most {MAX_TEXT:,} are allowed"
                ),
            )
            report(
                column.str.contains(FORBIDDEN_CHARACTER, na=False),
                fld.name,
                "control-character",
                lambda v: forbidden_character_problem(v) or "",
            )
        elif fld.type == "date":
            dates = pd.to_datetime(column, format="%Y-%m-%d", errors="coerce")
            report(
                (dates < pd.Timestamp(DATE_MIN)) | (dates > pd.Timestamp(DATE_MAX)),
                fld.name,
                "date-range",
                lambda v: f"{v} is outside {DATE_MIN:%Y}–{DATE_MAX:%Y}; check the year",
            )
    problems += _audit_row_rules(text, resource)
    if resource.name == "meetings":
        problems += _meeting_rules(text, resource, curated)
    for fk in resource.foreign_keys:
        target = fk.resource or resource.name
        if target in RECORD_TABLES or target not in curated:
            continue
        known = curated[target]
        for col in fk.fields:
            present = text[col].notna() & (text[col].str.strip() != "")
            report(
                present & ~text[col].isin(known),
                col,
                "foreign-key",
                lambda v, target=target: f"'{v}' is not a known entry of {target}",
            )
    return problems


def required_problem(resource: Resource, field: str, line: int | None, what: str) -> Problem:
    """A missing value a person must give."""
    return Problem(resource.path, line, field, None, "required", f"give {what}")


def _meeting_rules(
    text: pd.DataFrame, resource: Resource, curated: Mapping[str, set[str]]
) -> list[Problem]:
    """A meeting names its partner, type and title; its partner may be a partner (a country or
    an organisation), which a known code of the countries table need not be."""
    problems = []
    lines = text[LINE_COLUMN]
    for field, what in MEETING_REQUIRED.items():
        if field not in text:
            continue
        blank = text[field].isna() | (text[field].str.strip() == "")
        for idx in text.index[blank.to_numpy(dtype=bool)]:
            problems.append(required_problem(resource, field, int(lines[idx]), what))
    partners = curated.get(PARTNERS)
    known = curated.get("countries", set())
    if partners is not None and "partner_iso3" in text:
        codes = text["partner_iso3"]
        wrong = codes.isin(known).fillna(False) & ~codes.isin(partners).fillna(False)
        for idx in text.index[wrong.to_numpy(dtype=bool)]:
            code = str(codes[idx])
            problems.append(
                Problem(
                    resource.path,
                    int(lines[idx]),
                    "partner_iso3",
                    code,
                    "partner-kind",
                    f"'{code}' is a group of countries or a territory without a World Bank "
                    "classification, not a partner: name a country or an organisation",
                )
            )
    return problems


def _audit_row_rules(text: pd.DataFrame, resource: Resource) -> list[Problem]:
    """The package audit's rules that one row decides (the audit's own functions), applied to
    rows as text before they are written."""
    problems: list[Problem] = []
    lines = text[LINE_COLUMN]
    names = set(text.columns)
    if resource.name == "meetings" and {"date", "end_date"} <= names:
        start = pd.to_datetime(text["date"], format="%Y-%m-%d", errors="coerce")
        end = pd.to_datetime(text["end_date"], format="%Y-%m-%d", errors="coerce")
        for idx in text.index[ends_before_start(start, end).to_numpy(dtype=bool)]:
            problems.append(
                Problem(
                    resource.path,
                    int(lines[idx]),
                    "end_date",
                    str(text.at[idx, "end_date"]),
                    "end-before-start",
                    end_before_start_message(start[idx], end[idx]),
                )
            )

    def flag(found: dict[str, pd.Series], rule: str, id_column: str, message) -> None:
        """A problem for each row `found` marks in a column, worded by `message(id, column)`."""
        for column, marked in found.items():
            for idx in text.index[marked.fillna(False).to_numpy(dtype=bool)]:
                row_id = text.at[idx, id_column]
                problems.append(
                    Problem(
                        resource.path, int(lines[idx]), column, None, rule, message(row_id, column)
                    )
                )

    if resource.name == SOURCES and {"published", "undated"} <= names:
        found = undated_mismatch(text["published"], text["undated"])
        flag(found, "source-undated", "source_id", undated_message)
    if resource.name == "followups" and {"status_basis", "note", "status_source_id"} <= names:
        found = unexplained_inferred_status(text)
        flag(found, "inferred-status", "action_id", inferred_status_message)
    return problems


def check_text(resource: Resource, field: str, value: str) -> list[Problem]:
    """The records' text rules for a value kept outside the package's tables (a status note)."""
    frame = pd.DataFrame({field: pd.Series([value], dtype="string"), LINE_COLUMN: [1]})
    one_field = dataclasses.replace(resource, fields=(resource.field(field),), foreign_keys=())
    return check_frame(frame, one_field, {})


def validate_rows(
    rows: Sequence[Mapping[str, Any]], resource: Resource, curated: Mapping[str, set[str]]
) -> list[dict[str, Any]]:
    """Check dict rows (a form's) by every rule; return them typed, or raise ValidationFailed.

    A problem's ``line`` is the row's position in `rows` (from 1).
    """
    problems: list[Problem] = []
    known = set(resource.field_names)
    for number, row in enumerate(rows, start=1):
        for name in row:
            if name not in known:
                problems.append(
                    Problem(
                        resource.path,
                        number,
                        name,
                        None,
                        "unknown-field",
                        f"'{name}' is not a field of {resource.name}",
                    )
                )
    frame, found = parse_rows(rows, resource)
    problems += [p for p in found if p.severity == ERROR]
    problems += check_frame(_text_frame(rows, resource), resource, curated)
    if problems:
        raise ValidationFailed(problems)
    return frame_records(frame, resource)


def _text_frame(rows: Sequence[Mapping[str, Any]], resource: Resource) -> pd.DataFrame:
    """`rows` as the text cells of a CSV file (every row kept; blank cells missing)."""

    def cell(value: Any) -> str | None:
        text = cell_text(value)
        return text if text.strip() else None

    columns = {
        name: pd.Series([cell(row.get(name)) for row in rows], dtype="string")
        for name in resource.field_names
    }
    return pd.DataFrame({**columns, LINE_COLUMN: range(1, len(rows) + 1)})


def frame_records(frame: pd.DataFrame, resource: Resource) -> list[dict[str, Any]]:
    """Typed frame rows as dicts of plain Python values (None, str, date, bool, int, float)."""
    records = []
    for values in frame[resource.field_names].itertuples(index=False, name=None):
        records.append(
            {name: _plain(value) for name, value in zip(resource.field_names, values, strict=True)}
        )
    return records


def _plain(value: Any) -> Any:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value
