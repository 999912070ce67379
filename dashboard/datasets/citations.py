"""Where numbers come from: the sources behind a set of rows, in words and as a table."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dashboard.datasets.loader import LoadedPackage, per_package

SOURCE_COLUMNS = ["source_id", "publisher", "title", "url", "published", "accessed", "licence"]


class SourceIds(tuple):
    """Source ids already made distinct (`distinct_source_ids`): a page that cites thousands
    of rows passes them to several lines and lists in one run, and they are scanned once."""


def distinct_source_ids(source_ids: Iterable[object]) -> SourceIds:
    """The non-empty ids of `source_ids`, each once, in order."""
    if isinstance(source_ids, SourceIds):
        return source_ids
    return SourceIds(dict.fromkeys(s for s in source_ids if isinstance(s, str) and s))


def sources_table(package: LoadedPackage, source_ids: Iterable[object]) -> pd.DataFrame:
    """The sources rows for `source_ids` (unknown ids are skipped), in a stable order."""
    return _sources_table(package, distinct_source_ids(source_ids))


@per_package
def _sources_table(package: LoadedPackage, wanted: tuple[str, ...]) -> pd.DataFrame:
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
    package: LoadedPackage, source_ids: Iterable[object], as_of: str | None = None, limit: int = 3
) -> str:
    """A one-line citation, e.g. "Source: World Bank, WDI (2026-07-13). Data as of 2026-07-13"."""
    return _source_line(package, distinct_source_ids(source_ids), as_of, limit)


@per_package
def _source_line(
    package: LoadedPackage, ids: tuple[str, ...], as_of: str | None, limit: int
) -> str:
    table = _sources_table(package, ids)
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


@per_package
def meeting_sources_table(package: LoadedPackage, meeting_id: str) -> pd.DataFrame:
    """Every source of a meeting (main one first) with what each supports."""
    if not package.has("meeting_sources"):
        return pd.DataFrame(columns=[*SOURCE_COLUMNS, "supports"])
    links = package.table("meeting_sources")
    links = links[links["meeting_id"] == meeting_id]
    main = package.table("meetings").set_index("meeting_id")["source_id"].get(meeting_id)
    ordered = sorted(links["source_id"], key=lambda sid: (sid != main, sid))
    supports = dict(zip(links["source_id"], links["supports"], strict=True))
    table = _sources_table(package, tuple(ordered))
    return table.assign(supports=table["source_id"].map(supports))


def short_source_line(package: LoadedPackage, source_ids: Iterable[object], as_of: str = "") -> str:
    """One short line for under a chart, e.g. "Source: World Bank and 2 more · as of 2026-07-13".

    Names the first publisher (without its parenthesised detail) and counts the other
    sources; the full list goes beside it (`sources_table`) and into downloads and exports.
    """
    return _short_source_line(package, distinct_source_ids(source_ids), as_of)


@per_package
def _short_source_line(package: LoadedPackage, ids: tuple[str, ...], as_of: str) -> str:
    table = _sources_table(package, ids)
    if table.empty:
        text = "Source: not recorded"
    else:
        text = "Source: " + str(table["publisher"].iloc[0]).split(" (", 1)[0].strip()
        if len(table) > 1:
            text += f" and {len(table) - 1} more"
    return f"{text} · as of {as_of}" if as_of else text


def source_entries(package: LoadedPackage, source_ids: Iterable[object]) -> list[str]:
    """Every source in full, one entry each: publisher, title, date, licence and address."""
    return list(_source_entries(package, distinct_source_ids(source_ids)))


@per_package
def _source_entries(package: LoadedPackage, ids: tuple[str, ...]) -> tuple[str, ...]:
    entries = []
    for row in _sources_table(package, ids).itertuples():
        published = _date_text(row.published) or f"accessed {_date_text(row.accessed)}"
        parts = [f"{row.publisher}, {row.title} ({published})"]
        parts += [str(v) for v in (row.licence, row.url) if isinstance(v, str) and v]
        entries.append(". ".join(parts))
    return tuple(entries)
