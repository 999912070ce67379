"""The data package as the pages see it: curated tables from data/, records from the database."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np
import pandas as pd

from dashboard.datasets.audit import (
    Citations,
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
    records: Mapping[str, pd.DataFrame],
    curated: Mapping[str, pd.DataFrame],
    spec: PackageSpec,
    citations: Citations | None = None,
) -> dict[str, pd.DataFrame]:
    """The record tables as the pages and the export show them. A source that no shown row
    cites (only a withdrawn meeting cited it, or a correction removed its last link) stays in
    the database and its backups, but is not shown: the package's rule that every source is
    cited holds for what is published, as withdrawn meetings are not published either.
    `curated` must hold every curated table (their rows cite sources too); `citations`: what
    the tables cited at an earlier call (`audit.Citations`)."""
    uncited = uncited_sources({**curated, **records}, spec, citations).to_numpy(dtype=bool)
    if not uncited.any():
        return dict(records)
    return {**records, "sources": records["sources"][~uncited].reset_index(drop=True)}


@dataclasses.dataclass(frozen=True)
class JoinedPackage:
    """data/'s package joined with the records of one read of the database: what the pages
    show, kept as the base of the next join (`join_records`)."""

    curated: LoadedPackage
    records: RecordTables | None  # None: data/'s package could not be read
    package: LoadedPackage
    # What each table cited (the next join looks again only at the tables read again).
    citations: Citations | None = None


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
    again (`Reading.read_tables`), the citations and as-of dates are looked at again only for
    the tables that changed, and the results the pages computed from the previous package
    (`LoadedPackage.memo`) that read none of the changed tables are taken over: a save costs
    the next rerun what it changed, not a read and a rebuild of everything.
    """
    if package.spec is None:
        return JoinedPackage(package, None, package)
    read = store.read_tables(previous.records if previous is not None else None)
    if previous is not None and previous.curated is package and previous.records is read:
        return previous
    base = previous if previous is not None and previous.curated is package else None
    citations = Citations(base.citations if base is not None else None)
    records = read.frames
    if not package.unavailable - set(records):
        records = shown_records(records, package.tables, package.spec, citations)
        if base is not None and _same_sources(records["sources"], read, base):
            # The same object, so what the pages built from the sources is kept.
            records["sources"] = base.package.tables["sources"]
    tables = {**package.tables, **records}
    spec = _current_as_of(package.spec, tables, read, base, citations)
    memo: OrderedDict = OrderedDict()
    if base is not None:
        old = base.package
        changed = {name for name, frame in tables.items() if old.tables.get(name) is not frame}
        changed |= {
            res.name for res in spec.resources if res.as_of != old.spec.resource(res.name).as_of
        }
        memo = old.memo_without(changed)
    joined = dataclasses.replace(
        package,
        spec=spec,
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
        _memo=memo,
        _memo_lock=threading.Lock(),
    )
    return JoinedPackage(package, read, joined, citations)


def _same_sources(shown: pd.DataFrame, read: RecordTables, base: JoinedPackage) -> bool:
    """Whether `shown` (the sources of `read` that are cited) are the sources `base` showed:
    read as the same frame, with the same ones left out."""
    before = base.package.tables["sources"]
    return (
        base.records is not None
        and base.records.frames["sources"] is read.frames["sources"]
        and (shown is before or shown["source_id"].equals(before["source_id"]))
    )


def _current_as_of(
    spec: PackageSpec,
    tables: dict[str, pd.DataFrame],
    read: RecordTables,
    previous: JoinedPackage | None,
    citations: Citations,
) -> PackageSpec:
    """`spec` with each record table's as-of date moved up to the newest source its rows cite
    (`with_current_as_of`). With `previous` (a join of the same `spec`) and the same sources, a
    table keeps the date found then unless the set of sources it cites changed (a comparison of
    sets, much cheaper than finding the newest date); sources.csv's date (its newest row shown)
    is always looked at again."""
    names = set(RECORD_TABLES)
    if previous is None or previous.package.spec is None or "sources" in read.changed:
        return with_current_as_of(spec, tables, names, citations)
    before = previous.package
    cites_other = {
        name
        for name in read.changed
        if source_columns(spec.resource(name))
        and cited_source_ids(tables, spec, name, citations)
        != cited_source_ids(before.tables, spec, name, previous.citations)
    }
    again = {"sources"} | {name for name in names if _citations_from(spec, name) & cites_other}
    current = with_current_as_of(spec, tables, again, citations)
    kept = {res.name: res.as_of for res in before.spec.resources if res.name in names - again}
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
