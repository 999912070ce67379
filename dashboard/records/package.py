"""The data package as the pages see it: curated tables from data/, records from the database."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np
import pandas as pd

from dashboard.datasets.audit import uncited_sources, with_current_as_of
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.package import PackageSpec
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


def with_records(package: LoadedPackage, store: RecordsStore) -> LoadedPackage:
    """A copy of `package` whose record tables (sources, meetings, meeting_areas,
    meeting_sources, followups) are the database's current ones, typed as the CSV loader types
    them. The problems found in data/'s CSV files stay listed: data/ still seeds the database.
    """
    if package.spec is None:
        return package
    records = store.tables()
    if not package.unavailable - set(records):
        records = shown_records(records, package.tables, package.spec)
    tables = {**package.tables, **records}
    return dataclasses.replace(
        package,
        spec=with_current_as_of(package.spec, tables, records),
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
