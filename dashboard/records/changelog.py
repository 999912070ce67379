"""The change log as people read it in a CSV file: one row per changed field.

`RecordsStore.recent_changes` gives one entry per write with the record before and after as
JSON; a spreadsheet wants each change on its own line, with the time in full (date, time and
UTC offset) and the old and new value as plain text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

CSV_COLUMNS = ["at", "by", "table", "record", "action", "field", "before", "after"]
# Bookkeeping that changes with every write and says nothing about the record.
UNSHOWN_FIELDS = ("version",)


def change_rows(changes: pd.DataFrame) -> pd.DataFrame:
    """`changes` (as `recent_changes` or `history` give them) with one row per changed field:
    ``at`` as ISO 8601 with its UTC offset, ``field``, and ``before`` / ``after`` as text. An
    insert lists every field it set; an entry that changed no field keeps one row."""
    rows: list[dict[str, str]] = []
    for entry in changes.itertuples(index=False):
        before, after = _record(entry.before), _record(entry.after)
        common = {
            "at": pd.Timestamp(entry.at).isoformat(timespec="seconds"),
            "by": str(entry.by),
            "table": str(entry.table),
            "record": str(entry.record),
            "action": str(entry.action),
        }
        fields = [
            name
            for name in dict.fromkeys([*before, *after])
            if name not in UNSHOWN_FIELDS and before.get(name) != after.get(name)
        ]
        if not fields:
            rows.append({**common, "field": "", "before": "", "after": ""})
        for name in fields:
            rows.append(
                {
                    **common,
                    "field": name,
                    "before": _text(before.get(name)),
                    "after": _text(after.get(name)),
                }
            )
    return pd.DataFrame(rows, columns=CSV_COLUMNS)


def _record(value: Any) -> Mapping[str, Any]:
    """A logged record: a dict, its JSON text, or nothing."""
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    """A logged value as a person reads it: lists joined with "; ", nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(_text(v) for v in value)
    return str(value)
