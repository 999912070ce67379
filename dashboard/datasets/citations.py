"""Where numbers come from: the sources behind a set of rows, in words and as a table."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboard.datasets.loader import LoadedPackage

SOURCE_COLUMNS = ["source_id", "publisher", "title", "url", "published", "accessed", "licence"]


def sources_table(package: LoadedPackage, source_ids: Iterable[str]) -> pd.DataFrame:
    """The sources rows for `source_ids` (unknown ids are skipped), in a stable order."""
    wanted = list(dict.fromkeys(str(s) for s in source_ids if isinstance(s, str) and s))
    sources = package.table("sources")
    found = sources[sources["source_id"].isin(wanted)]
    order = {sid: i for i, sid in enumerate(wanted)}
    found = found.assign(_order=found["source_id"].map(order)).sort_values("_order")
    return found[SOURCE_COLUMNS].reset_index(drop=True)


def _date_text(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).date().isoformat()


def source_line(
    package: LoadedPackage, source_ids: Iterable[str], as_of: str | None = None, limit: int = 3
) -> str:
    """A one-line citation, e.g. "Source: World Bank, WDI (2026-07-13). Data as of 2026-07-13"."""
    table = sources_table(package, source_ids)
    parts = []
    for row in table.head(limit).itertuples():
        published = _date_text(row.published) or f"accessed {_date_text(row.accessed)}"
        parts.append(f"{row.publisher}, {row.title} ({published})")
    if len(table) > limit:
        parts.append(f"and {len(table) - limit} more")
    text = "Source: " + "; ".join(parts) if parts else "Source: not recorded"
    if as_of:
        text += f". Data as of {as_of}"
    return text


def resource_as_of(package: LoadedPackage, *names: str) -> str:
    """The newest "as of" date among the named tables."""
    dates = [res.as_of for n in names if (res := package.resource(n)) is not None and res.as_of]
    return max(dates) if dates else ""
