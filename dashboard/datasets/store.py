"""The one Streamlit-aware piece of the data layer: the package, cached once per process."""

from __future__ import annotations

import streamlit as st

from dashboard.datasets.loader import LoadedPackage, data_dir_from_env, load_package


@st.cache_resource(show_spinner="Loading data…")
def _load_cached(data_dir: str) -> LoadedPackage:
    return load_package(data_dir)


def get_package() -> LoadedPackage:
    """The validated data package for this server process (shared by every session)."""
    return _load_cached(str(data_dir_from_env()))
