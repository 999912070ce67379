"""The one Streamlit-aware piece of the data layer: the package, cached once per process and
per state of its files, so an edited CSV is shown at the next rerun without a restart."""

from __future__ import annotations

import streamlit as st

from dashboard.datasets.loader import (
    LoadedPackage,
    data_dir_from_env,
    load_package,
    package_fingerprint,
)


@st.cache_resource(show_spinner="Loading data…", max_entries=2)
def _load_cached(data_dir: str, fingerprint: tuple) -> LoadedPackage:
    """The package of `data_dir` as its files were when `fingerprint` was taken (the
    fingerprint is the cache key only; the old package is dropped when the files change)."""
    return load_package(data_dir)


def get_package() -> LoadedPackage:
    """The validated data package for this server process (shared by every session)."""
    data_dir = data_dir_from_env()
    return _load_cached(str(data_dir), package_fingerprint(data_dir))
