"""The data package as the pages see it: curated tables from data/, records from the database."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np
import pandas as pd

from dashboard.datasets.audit import (
    cited_source_ids,
    source_columns,
    uncited_sources,
    with_current_as_of,
)
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.package import PackageSpec
from dashboard.records.models import RECORD_TABLES
from dashboard.records.reading import RecordTables
from dashboard.records.store import RecordsStore


def shown_records(
    records: Mapping[str, pd.DataFrame], curated: Mapping[str, pd.DataFrame], spec: PackageSpec
) -> dict[str, pd.DataFrame]:
    """The record tables as the pages and the export show them. A source that no shown row
    cites (only a withdrawn meeting cited it, or a correction removed its last link) stays in
    the database and its backups, but is not shown: the package's rule that every source is
    cited holds for what is published, as withdrawn meetings are not published either.
    `curated` must hold every curated table (their rows cite sources too)."""
    tables = {**curated, **records}
    uncited = uncited_sources(tables, spec)
    if not uncited.any():
        return dict(records)
    sources = records["sources"][~uncited.to_numpy(dtype=bool)].reset_index(drop=True)
    return {**records, "sources": sources}


@dataclasses.dataclass(frozen=True)
class JoinedPackage:
    """data/'s package joined with the records of one read of the database: what the pages
    show, kept as the base of the next join (`join_records`)."""

    curated: LoadedPackage
    records: RecordTables | None  # None: data/'s package could not be read
    package: LoadedPackage


def with_records(package: LoadedPackage, store: RecordsStore) -> LoadedPackage:
    """A copy of `package` whose record tables (sources, meetings, meeting_areas,
    meeting_sources, followups) are the database's current ones, typed as the CSV loader types
    them. The problems found in data/'s CSV files stay listed: data/ still seeds the database.
    """
    return join_records(package, store).package


def join_records(
    package: LoadedPackage, store: RecordsStore, previous: JoinedPackage | None = None
) -> JoinedPackage:
    """`package` joined with the database's current records, as `with_records` makes it.

    Given the previous join with the same database, only the records changed since are read
    again (`Reading.read_tables`), and a table whose citations did not change keeps the as-of
    date found then: a save costs the next rerun what it changed, not a read of everything.
    """
    if package.spec is None:
        return JoinedPackage(package, None, package)
    read = store.read_tables(previous.records if previous is not None else None)
    if previous is not None and previous.curated is package and previous.records is read:
        return previous
    records = read.frames
    if not package.unavailable - set(records):
        records = shown_records(records, package.tables, package.spec)
    tables = {**package.tables, **records}
    base = previous.package if previous is not None and previous.curated is package else None
    joined = dataclasses.replace(
        package,
        spec=_current_as_of(package.spec, tables, read, base),
        tables=tables,
        problems=list(package.problems),
        unavailable=package.unavailable - set(records),
        # Database rows have no CSV line; number them as if written out in this order.
        lines={
            **package.lines,
            **{
                name: np.arange(2, len(frame) + 2, dtype="int64") for name, frame in records.items()
            },
        },
        _memo=OrderedDict(),
        _memo_lock=threading.Lock(),
    )
    return JoinedPackage(package, read, joined)


def _current_as_of(
    spec: PackageSpec,
    tables: dict[str, pd.DataFrame],
    read: RecordTables,
    previous: LoadedPackage | None,
) -> PackageSpec:
    """`spec` with each record table's as-of date moved up to the newest source its rows cite
    (`with_current_as_of`). With `previous` (a join of the same `spec`) and the same sources, a
    table keeps the date found then unless the set of sources it cites changed (a comparison of
    sets, much cheaper than finding the newest date); sources.csv's date (its newest row shown)
    is always looked at again."""
    names = set(RECORD_TABLES)
    if previous is None or previous.spec is None or "sources" in read.changed:
        return with_current_as_of(spec, tables, names)
    cites_other = {
        name
        for name in read.changed
        if source_columns(spec.resource(name))
        and cited_source_ids(tables, spec, name) != cited_source_ids(previous.tables, spec, name)
    }
    again = {"sources"} | {name for name in names if _citations_from(spec, name) & cites_other}
    current = with_current_as_of(spec, tables, again)
    kept = {res.name: res.as_of for res in previous.spec.resources if res.name in names - again}
    return dataclasses.replace(
        current,
        resources=tuple(
            dataclasses.replace(res, as_of=kept[res.name]) if res.name in kept else res
            for res in current.resources
        ),
    )


def _citations_from(spec: PackageSpec, name: str) -> set[str]:
    """The tables whose rows decide which sources table `name` cites: itself when it has
    source columns, else the tables it refers to that have (as `audit.cited_source_ids`)."""
    res = spec.resource(name)
    if source_columns(res):
        return {name}
    return {
        fk.resource
        for fk in res.foreign_keys
        if fk.resource and fk.resource != name and source_columns(spec.resource(fk.resource))
    }
