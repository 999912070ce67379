"""The one Streamlit-aware piece of the data layer: the package, cached once per process.

Records (meetings, follow-ups, sources) come from the records database: the package with them
is cached per database revision, which each rerun reads with one small query, so a saved
change shows at the next rerun in every session and every app process.
"""

from __future__ import annotations

import dataclasses
import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard.datasets.loader import LoadedPackage, data_dir_from_env, load_package
from dashboard.datasets.validate import Problem
from dashboard.records.database import database_url, describe
from dashboard.records.package import with_records
from dashboard.records.store import RecordsStore

logger = logging.getLogger(__name__)


@st.cache_resource(show_spinner="Loading data…")
def _load_cached(data_dir: str) -> LoadedPackage:
    return load_package(data_dir)


@st.cache_resource(show_spinner=False)
def records_store(url: str, data_dir: str) -> RecordsStore:
    """The records store of this process, its schema upgraded and seeded once."""
    store = RecordsStore(url, data_dir)
    store.upgrade()
    return store


@st.cache_resource(show_spinner=False, max_entries=4)
def _with_records(data_dir: str, url: str, revision: int) -> LoadedPackage:
    return with_records(_load_cached(data_dir), records_store(url, data_dir))


def get_package() -> LoadedPackage:
    """The validated data package for this server process (shared by every session), with the
    records database's current meetings, follow-ups and sources."""
    data_dir = str(data_dir_from_env())
    url = database_url()
    try:
        revision = records_store(url, data_dir).revision()
        return _with_records(data_dir, url, revision)
    except SQLAlchemyError as exc:
        logger.error("records database %s unavailable: %s", describe(url), type(exc).__name__)
        package = _load_cached(data_dir)
        problem = Problem(
            "records database",
            None,
            None,
            None,
            "database",
            "the records database cannot be reached; the records shown are those in data/",
        )
        return dataclasses.replace(package, problems=[*package.problems, problem])
