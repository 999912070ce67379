"""Where numbers come from: the sources behind a set of rows, in words and as a table.

A citation carries two dates (`SourceDates`): "published", the newest publication date among
the sources cited, and "checked", the newest date on which one of them was read (`accessed`).
They differ when figures published long ago were checked against their sources recently; a
line shows both then, and one "as of" date when they agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from dashboard.datasets.audit import newest_cited_date
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


@dataclass(frozen=True)
class SourceDates:
    """How recent a set of cited sources is, as YYYY-MM-DD text ("" when unknown).

    `published`: the newest publication date among them ("" when every one is undated);
    `checked`: the newest date on which one of them was read for the dataset (`accessed`).
    """

    published: str = ""
    checked: str = ""

    def __bool__(self) -> bool:
        return bool(self.published or self.checked)

    def words(self) -> str:
        """ "as of 2026-07-13" when the two dates agree (or only one is known), else
        "published 2023-09-21, checked 2026-12-04"; "undated, checked …" when no source has a
        publication date; "" when nothing is known."""
        if not self.published:
            return f"undated, checked {self.checked}" if self.checked else ""
        if not self.checked or self.checked == self.published:
            return f"as of {self.published}"
        return f"published {self.published}, checked {self.checked}"

    def newest(self, other: SourceDates) -> SourceDates:
        """The newer of each date of `self` and `other` (e.g. for a view of several tables)."""
        return SourceDates(max(self.published, other.published), max(self.checked, other.checked))


def source_dates(sources: pd.DataFrame) -> SourceDates:
    """The dates of a sources table (`sources_table`): its newest `published` and `accessed`."""
    if sources.empty:
        return SourceDates()
    return SourceDates(
        _date_text(sources["published"].max()), _date_text(sources["accessed"].max())
    )


def _source_date(published: object) -> str:
    """A source's own date in a citation: its publication date, or "undated"."""
    return _date_text(published) or "undated"


def source_line(
    package: LoadedPackage,
    source_ids: Iterable[object],
    as_of: SourceDates | None = None,
    limit: int = 3,
) -> str:
    """A one-line citation, e.g. "Source: World Bank, WDI (2026-07-13). Data as of 2026-07-13",
    or "… Data published 2023-09-21, checked 2026-12-04" when the two dates differ."""
    return _source_line(package, distinct_source_ids(source_ids), as_of, limit)


@per_package
def _source_line(
    package: LoadedPackage, ids: tuple[str, ...], as_of: SourceDates | None, limit: int
) -> str:
    table = _sources_table(package, ids)
    parts = [
        f"{row.publisher}, {row.title} ({_source_date(row.published)})"
        for row in table.head(limit).itertuples()
    ]
    if len(table) > limit:
        parts.append(f"and {len(table) - limit} more")
    text = "Source: " + "; ".join(parts) if parts else "Source: not recorded"
    if as_of:
        text += f". Data {as_of.words()}"
    return text


def resource_as_of(package: LoadedPackage, *names: str) -> SourceDates:
    """The dates of the named tables: "published" is the newest of their `x-as-of` dates (the
    newest publication date among the sources their rows cite, kept current with the records),
    "checked" the newest `accessed` date among those sources."""
    return _resource_as_of(package, tuple(sorted(set(names))))


@per_package
def _resource_as_of(package: LoadedPackage, names: tuple[str, ...]) -> SourceDates:
    published = [res.as_of for n in names if (res := package.resource(n)) is not None and res.as_of]
    checked = []
    if package.spec is not None:
        for name in names:
            if package.has(name):
                newest = newest_cited_date(package.tables, package.spec, name, "accessed")
                if newest is not None:
                    checked.append(f"{newest:%Y-%m-%d}")
    return SourceDates(max(published, default=""), max(checked, default=""))


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


def short_source_line(
    package: LoadedPackage, source_ids: Iterable[object], as_of: SourceDates | None = None
) -> str:
    """One short line for under a chart, e.g. "Source: World Bank and 2 more · as of 2026-07-13"
    (or "· published …, checked …" when the two dates differ).

    Names the first publisher (without its parenthesised detail) and counts the other
    sources; the full list goes beside it (`sources_table`) and into downloads and exports.
    """
    return _short_source_line(package, distinct_source_ids(source_ids), as_of)


@per_package
def _short_source_line(
    package: LoadedPackage, ids: tuple[str, ...], as_of: SourceDates | None
) -> str:
    table = _sources_table(package, ids)
    if table.empty:
        text = "Source: not recorded"
    else:
        text = "Source: " + str(table["publisher"].iloc[0]).split(" (", 1)[0].strip()
        if len(table) > 1:
            text += f" and {len(table) - 1} more"
    return f"{text} · {as_of.words()}" if as_of else text


def source_entries(package: LoadedPackage, source_ids: Iterable[object]) -> list[str]:
    """Every source in full, one entry each: publisher, title, date, licence and address."""
    return list(_source_entries(package, distinct_source_ids(source_ids)))


@per_package
def _source_entries(package: LoadedPackage, ids: tuple[str, ...]) -> tuple[str, ...]:
    entries = []
    for row in _sources_table(package, ids).itertuples():
        dates = f"{_source_date(row.published)}; checked {_date_text(row.accessed)}"
        parts = [f"{row.publisher}, {row.title} ({dates})"]
        parts += [str(v) for v in (row.licence, row.url) if isinstance(v, str) and v]
        entries.append(". ".join(parts))
    return tuple(entries)
