"""The package the pages show: data/'s curated tables joined with the records database's
records, cached once per process. It sits above both layers, so `datasets` never imports
`records`.

The package is keyed by a cheap fingerprint of its files, so an edited CSV shows at the next
rerun without a restart. Records (meetings, follow-ups, sources) come from the records
database: the package with them is cached per database revision, which each rerun reads with
one small query, so a saved change shows at the next rerun in every session and app process.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard.datasets.loader import (
    LoadedPackage,
    data_dir_from_env,
    load_package,
    package_fingerprint,
)
from dashboard.datasets.validate import Problem
from dashboard.records.database import UpgradeFailed, database_url, describe
from dashboard.records.package import JoinedPackage, join_records
from dashboard.records.store import RecordsStore
from dashboard.ui.text import plain

logger = logging.getLogger(__name__)
UPGRADE_COMMAND = "python -m dashboard.records upgrade"


@st.cache_resource(show_spinner="Loading data…", max_entries=2)
def _load_cached(data_dir: str, fingerprint: tuple) -> LoadedPackage:
    """The package of `data_dir` as its files were when `fingerprint` was taken (the
    fingerprint is the cache key only; the old package is dropped when the files change)."""
    return load_package(data_dir)


@st.cache_resource(show_spinner=False)
def _store(url: str, data_dir: str) -> RecordsStore:
    return RecordsStore(url, data_dir)


@st.cache_resource(show_spinner=False, max_entries=2)
def _seeded_store(url: str, data_dir: str, fingerprint: tuple) -> RecordsStore:
    """The store with its schema upgraded and the rows data/ gained seeded, once per state
    of the files (seeding only adds missing ids; it never overwrites an edited row)."""
    store = _store(url, data_dir)
    store.upgrade()
    return store


# The answer of the last call per (data folder, database): a rerun asks for the package from
# the sidebar, the page and the export tools, and three trips through st.cache_resource
# (hashing the fingerprint each time) cost more than the rest of the lookup.
_latest_store: dict[tuple[str, str], tuple[tuple, RecordsStore]] = {}
# The last join also is the base of the next: after a save only what changed is read again.
_latest_package: dict[tuple[str, str], tuple[tuple, JoinedPackage]] = {}
# The upgrade that failed per (database, data folder): data/'s fingerprint then, and why. Not
# tried again at every rerun (a failed migration copies tables and rolls back, holding the
# write lock meanwhile) but when data/ changes or the process restarts, as it does after an
# administrator's upgrade.
_failed_upgrade: dict[tuple[str, str], tuple[tuple, UpgradeFailed]] = {}


def records_store(url: str | None = None, data_dir: str | None = None) -> RecordsStore:
    """The records store of this process, upgraded and seeded for data/ as it is now."""
    folder = data_dir_from_env() if data_dir is None else Path(data_dir)
    return _current_store(url or database_url(), str(folder), package_fingerprint(folder))


def _current_store(url: str, data_dir: str, fingerprint: tuple) -> RecordsStore:
    latest = _latest_store.get((url, data_dir))
    if latest is not None and latest[0] == fingerprint:
        return latest[1]
    failed = _failed_upgrade.get((url, data_dir))
    if failed is not None and failed[0] == fingerprint:
        raise UpgradeFailed(str(failed[1]), failed[1].reason)
    try:
        store = _seeded_store(url, data_dir, fingerprint)
    except UpgradeFailed as exc:
        logger.error("%s", exc)
        _failed_upgrade[url, data_dir] = (fingerprint, UpgradeFailed(str(exc), exc.reason))
        raise
    _latest_store[url, data_dir] = (fingerprint, store)
    return store


@st.cache_resource(show_spinner=False, max_entries=4)
def _with_records(
    data_dir: str, fingerprint: tuple, url: str, revision: int, _previous: JoinedPackage | None
) -> JoinedPackage:
    """The package at `revision`; `_previous` (not part of the key): the last join with this
    database, whose unchanged records are taken over."""
    return join_records(_load_cached(data_dir, fingerprint), _store(url, data_dir), _previous)


# The package the last get_package() call returned, per data folder: the newest served (a run
# that read its package before a save can end after a newer one has been served).
_served: dict[Path, LoadedPackage] = {}


def get_package() -> LoadedPackage:
    """The validated data package for this server process (shared by every session), with the
    records database's current meetings, follow-ups and sources; data/'s own records, with a
    notice saying why, when the database cannot be upgraded or reached."""
    package = _current_package()
    _served[package.data_dir] = package
    return package


def served_last(package: LoadedPackage) -> bool:
    """Whether `package` is the one the last `get_package()` returned for its data folder."""
    return _served.get(package.data_dir) is package


def _current_package() -> LoadedPackage:
    folder = data_dir_from_env()
    data_dir, fingerprint = str(folder), package_fingerprint(folder)
    url = database_url()
    try:
        revision = _current_store(url, data_dir, fingerprint).revision()
        place, state = (url, data_dir), (fingerprint, revision)
        latest = _latest_package.get(place)
        if latest is not None and latest[0] == state:
            return latest[1].package
        joined = _with_records(
            data_dir, fingerprint, url, revision, None if latest is None else latest[1]
        )
        _latest_package[place] = (state, joined)
        return joined.package
    except UpgradeFailed as failed:
        # Readers still get the curated data, told plainly that the records are not current.
        st.error(
            "**The records database needs an administrator to upgrade it:** it "
            f"{plain(failed.reason)}. Until then the meetings, follow-ups and sources shown are "
            "those in data/, not the current records, and nothing can be recorded. The command "
            f"`{UPGRADE_COMMAND}` says what to do.",
            icon=":material/database:",
        )
        return _without_records(
            data_dir,
            fingerprint,
            "the records database needs an administrator to upgrade it; the records shown are "
            f"those in data/. {failed}",
        )
    except SQLAlchemyError as exc:
        logger.error("records database %s unavailable: %s", describe(url), type(exc).__name__)
        return _without_records(
            data_dir,
            fingerprint,
            "the records database cannot be reached; the records shown are those in data/",
        )


@functools.lru_cache(maxsize=2)
def _without_records(data_dir: str, fingerprint: tuple, message: str) -> LoadedPackage:
    """data/'s package with its own records, and a problem saying why (on the Sources page);
    one object per state of the files and reason, as a package with records is one per
    revision."""
    package = _load_cached(data_dir, fingerprint)
    problem = Problem("records database", None, None, None, "database", message)
    return dataclasses.replace(package, problems=[*package.problems, problem])
