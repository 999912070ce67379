"""Catalogue, schemas, loading, validation, caching and filtering of the data package.

Plain Python over pandas/pyarrow; the only Streamlit code is the cached wrapper in `store`.
"""

from dashboard.datasets.loader import LoadedPackage, data_dir_from_env, load_package
from dashboard.datasets.validate import Problem

__all__ = ["LoadedPackage", "Problem", "data_dir_from_env", "load_package"]
