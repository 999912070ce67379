"""The data package as the pages see it: curated tables from data/, records from the database."""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict

import numpy as np

from dashboard.datasets.audit import with_current_as_of
from dashboard.datasets.loader import LoadedPackage
from dashboard.records.store import RecordsStore


def with_records(package: LoadedPackage, store: RecordsStore) -> LoadedPackage:
    """A copy of `package` whose record tables (sources, meetings, meeting_areas,
    meeting_sources, followups) are the database's current ones, typed as the CSV loader types
    them. The problems found in data/'s CSV files stay listed: data/ still seeds the database.
    """
    if package.spec is None:
        return package
    records = store.tables()
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
