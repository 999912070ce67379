"""The one loader: read every table of the data package, validate it, cache a columnar copy.

The CSV files are the source of truth. A validated table is cached as Parquet keyed by the
CSV's bytes and the table's schema, so a restart reads Parquet instead of parsing CSV again,
and an edited CSV is never served from a stale cache.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, ItemsView, Iterable, ValuesView
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from dashboard.datasets.audit import audit_package
from dashboard.datasets.package import (
    DESCRIPTOR_NAME,
    PackageSpec,
    Resource,
    read_package_spec,
)
from dashboard.datasets.validate import (
    ERROR,
    LINE_COLUMN,
    WARNING,
    Problem,
    empty_frame,
    parse_table,
)

CACHE_FORMAT = "3"  # bump when parse_table's output changes
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"

CACHE_FOLDER = "st-partnerships-dashboard"
CACHE_KEY_META = b"dashboard_cache_key"
SAFE_RESOURCE_NAME = re.compile(r"^[a-z0-9_]+$")
MEMO_ENTRIES = 512  # filtered views kept per process (oldest used dropped first)
T = TypeVar("T")

OK = "ok"
HAS_WARNINGS = "warnings"
HAS_ERRORS = "errors"
UNAVAILABLE = "unavailable"


def data_dir_from_env() -> Path:
    """The data folder: ``DASHBOARD_DATA_DIR`` if set, else the bundled ``data/``."""
    return Path(os.environ.get("DASHBOARD_DATA_DIR") or DEFAULT_DATA_DIR).resolve()


# The tables read by the memo computations in progress in this thread, innermost last.
_reading = threading.local()


def _note_read(names: Iterable[str]) -> None:
    """Count `names` as read by the memo computation in progress in this thread, if any."""
    stack = getattr(_reading, "stack", None)
    if stack:
        stack[-1].update(names)


class Tables(dict[str, pd.DataFrame]):
    """A package's tables by name. A memo computation that reads one (`tables[name]`, `get`,
    `items`, `values`) depends on it (`LoadedPackage.memo`)."""

    def __getitem__(self, name: str) -> pd.DataFrame:
        _note_read((name,))
        return super().__getitem__(name)

    def get(self, name: str, default: pd.DataFrame | None = None) -> pd.DataFrame | None:
        _note_read((name,))
        return super().get(name, default)

    def items(self) -> ItemsView[str, pd.DataFrame]:
        _note_read(self.keys())
        return super().items()

    def values(self) -> ValuesView[pd.DataFrame]:
        _note_read(self.keys())
        return super().values()


class _MemoEntry(NamedTuple):
    value: object
    reads: frozenset[str]  # the tables the computation read, its as-of dates included


@dataclass
class LoadedPackage:
    """Every table of the package (typed, invalid rows removed) and every problem found."""

    data_dir: Path
    spec: PackageSpec | None
    tables: dict[str, pd.DataFrame] = field(default_factory=Tables)
    problems: list[Problem] = field(default_factory=list)
    unavailable: set[str] = field(default_factory=set)
    # The CSV line of every row kept in each table (header = line 1), for problem reports.
    lines: dict[str, np.ndarray] = field(default_factory=dict)
    _memo: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tables, Tables):
            self.tables = Tables(self.tables)

    def memo(self, fn: Callable[..., T], args: tuple[Hashable, ...], kwargs: tuple = ()) -> T:
        """`fn(self, *args, **dict(kwargs))`, computed once per package and arguments.

        The package is loaded once per server process, so a result (a filtered view, a
        profile) is computed once for every session that asks for it; reruns only look it up.
        Callers get a shallow copy; with pandas 3's copy-on-write (required) any change they
        make copies what it touches and never reaches the cached frames.

        Each result is kept with the tables its computation read (through `table`, `tables`
        or `resource`, whose as-of date counts as a read of the table; and those of the memo
        results it used), so a package whose records changed can take over the results that
        read none of them (`memo_without`). `fn` must read the package through these only.
        """
        key = (fn.__module__, fn.__qualname__, args, kwargs)
        with self._memo_lock:
            entry = self._memo.get(key)
            if entry is not None:
                self._memo.move_to_end(key)
        if entry is None:
            stack = getattr(_reading, "stack", None)
            if stack is None:
                stack = _reading.stack = []
            stack.append(set())
            try:
                value = fn(self, *args, **dict(kwargs))
            finally:
                reads = frozenset(stack.pop())
            entry = _MemoEntry(value, reads)
            with self._memo_lock:
                self._memo[key] = entry
                while len(self._memo) > MEMO_ENTRIES:
                    self._memo.popitem(last=False)
        _note_read(entry.reads)  # the computation that asked for it depends on them too
        return _shallow_copy(entry.value)

    def memo_without(self, changed: Collection[str]) -> OrderedDict:
        """A copy of the memo without the results that read a table in `changed`: what holds
        for a package that differs from this one only in those tables (or their as-of
        dates), such as the next join of the records after a save."""
        with self._memo_lock:
            return OrderedDict(
                (key, entry) for key, entry in self._memo.items() if entry.reads.isdisjoint(changed)
            )

    def table(self, name: str) -> pd.DataFrame:
        """The validated table. A shallow copy: under pandas 3's copy-on-write a caller's change
        copies the data it touches and never reaches the table other sessions share."""
        return self.tables[name].copy(deep=False)

    def has(self, name: str) -> bool:
        return name in self.tables and name not in self.unavailable

    def resource(self, name: str) -> Resource | None:
        _note_read((name,))  # its as-of date moves with the records
        if self.spec is None:
            return None
        try:
            return self.spec.resource(name)
        except KeyError:
            return None

    def problems_for(self, path: str) -> list[Problem]:
        return [p for p in self.problems if p.file == path]

    def status(self, name: str) -> str:
        if name in self.unavailable or name not in self.tables:
            return UNAVAILABLE
        res = self.resource(name)
        found = self.problems_for(res.path) if res else []
        if any(p.severity == ERROR for p in found):
            return HAS_ERRORS
        if any(p.severity == WARNING for p in found):
            return HAS_WARNINGS
        return OK

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]


def _shallow_copy(value: T) -> T:
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: getattr(value, f.name).copy(deep=False)
            for f in dataclasses.fields(value)
            if isinstance(getattr(value, f.name), pd.DataFrame)
        }
        return dataclasses.replace(value, **changes)
    return value


def per_package(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator: `fn(package, *args)` is computed once per package and arguments (see
    LoadedPackage.memo). Arguments must be hashable; lists are taken as tuples."""

    def freeze(value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    @functools.wraps(fn)
    def cached(package: LoadedPackage, *args: object, **kwargs: object) -> T:
        frozen_kwargs = tuple(sorted((k, freeze(v)) for k, v in kwargs.items()))
        return package.memo(fn, tuple(freeze(a) for a in args), frozen_kwargs)

    return cached


def cache_dir_from_env() -> Path:
    """Where the Parquet copies live: ``DASHBOARD_CACHE_DIR``, else a per-user cache folder
    (``$XDG_CACHE_HOME`` or ``~/.cache``), never a folder other users can write to."""
    configured = os.environ.get("DASHBOARD_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / CACHE_FOLDER


def _cache_dir() -> Path | None:
    """The cache folder, created if needed; None (no cache) when it cannot be written."""
    folder = cache_dir_from_env()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def resource_file(data_dir: Path, resource: Resource) -> Path | None:
    """The file of `resource` if its name is safe and its path stays inside `data_dir`."""
    if not SAFE_RESOURCE_NAME.fullmatch(resource.name):
        return None
    relative = Path(resource.path)
    if relative.is_absolute() or ".." in relative.parts:
        return None
    path = (data_dir / relative).resolve()  # a symlink may still point outside
    return path if path.is_relative_to(data_dir.resolve()) else None


def package_fingerprint(data_dir: Path) -> tuple:
    """Cheap to take on every rerun: the descriptor's and each resource file's (size,
    mtime_ns). When it changes, the package is loaded again (the Parquet copies are keyed by
    the files' bytes, so only the edited tables are parsed)."""
    descriptor = _size_and_mtime(data_dir / DESCRIPTOR_NAME)
    files = _resource_files(data_dir, *descriptor)
    return (descriptor, *((name, *_size_and_mtime(path)) for name, path in files))


@functools.lru_cache(maxsize=8)
def _resource_files(
    data_dir: Path, descriptor_size: int | None, descriptor_mtime: int | None
) -> tuple[tuple[str, Path | None], ...]:
    """Each resource's confined file, read from the descriptor once per state of it."""
    try:
        spec = read_package_spec(data_dir)
    except (OSError, ValueError, KeyError, TypeError):
        return ()
    return tuple((res.name, resource_file(data_dir, res)) for res in spec.resources)


def _size_and_mtime(path: Path | None) -> tuple[int | None, int | None]:
    if path is None:
        return None, None
    try:
        stat = path.stat()
    except OSError:
        return None, None
    return stat.st_size, stat.st_mtime_ns


def _unsafe_resource(resource: Resource) -> Problem:
    if not SAFE_RESOURCE_NAME.fullmatch(resource.name):
        message = (
            f"the resource name '{resource.name}' is not of the form {SAFE_RESOURCE_NAME.pattern}"
        )
        return Problem(DESCRIPTOR_NAME, None, "name", resource.name, "unsafe-name", message)
    message = "the path leaves the data folder (absolute, or with '..'); the table is not read"
    return Problem(resource.path, None, None, resource.path, "unsafe-path", message)


def _cache_key(raw: bytes, resource: Resource) -> str:
    digest = hashlib.sha256(raw)
    schema = {
        "fields": [
            (f.name, f.type, sorted(f.constraints.items(), key=str)) for f in resource.fields
        ],
        "pk": resource.primary_key,
        "path": resource.path,
        "format": CACHE_FORMAT,
    }
    digest.update(json.dumps(schema, default=str).encode())
    return digest.hexdigest()


def _read_cached(path: Path, key: str) -> tuple[pd.DataFrame, list[Problem]] | None:
    """The cached table, trusted only if its metadata records the key it was stored under."""
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException):
        return None
    meta = table.schema.metadata or {}
    if meta.get(CACHE_KEY_META) != key.encode():
        return None
    problems = [Problem(**p) for p in json.loads(meta.get(b"problems", b"[]"))]
    return table.to_pandas(), problems


def _write_cached(path: Path, key: str, frame: pd.DataFrame, problems: list[Problem]) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[CACHE_KEY_META] = key.encode()
    meta[b"problems"] = json.dumps([p.as_dict() for p in problems]).encode()
    table = table.replace_schema_metadata(meta)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)


def load_table(
    data_dir: Path, resource: Resource, cache_dir: Path | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Load one table; returns (frame or None when unavailable, problems).

    The frame still has the LINE_COLUMN of parse_table.
    """
    path = resource_file(data_dir, resource)
    if path is None:
        return None, [_unsafe_resource(resource)]
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        missing = Problem(resource.path, None, None, None, "missing-file", "the file is missing")
        return None, [missing]
    except OSError as exc:
        msg = f"the file cannot be read ({exc.strerror})"
        return None, [Problem(resource.path, None, None, None, "unreadable", msg)]

    key = _cache_key(raw, resource)
    cached_path = (cache_dir / f"{resource.name}-{key}.parquet") if cache_dir else None
    cached = _read_cached(cached_path, key) if cached_path and cached_path.exists() else None
    if cached is not None:
        return cached
    frame, problems = parse_table(raw, resource)
    if frame is not None and cached_path is not None:
        _write_cached(cached_path, key, frame, problems)
    return frame, problems


def _check_foreign_keys(package: LoadedPackage) -> None:
    """Report and drop rows whose references point at nothing (one pass, in package order)."""
    assert package.spec is not None
    for res in package.spec.resources:
        if not package.has(res.name):
            continue
        frame = package.tables[res.name]
        lines = package.lines[res.name]
        drop = np.zeros(len(frame), dtype=bool)
        for fk in res.foreign_keys:
            target_name = fk.resource or res.name
            if not package.has(target_name):
                continue  # the target table's own problem is already reported
            target = package.tables[target_name]
            for col, ref in zip(fk.fields, fk.reference_fields, strict=True):
                values = frame[col]
                dangling = (values.notna() & ~values.isin(target[ref].dropna().unique())).to_numpy(
                    dtype=bool, na_value=False
                )
                target_path = package.resource(target_name).path
                for idx in np.flatnonzero(dangling):
                    package.problems.append(
                        Problem(
                            res.path,
                            int(lines[idx]),
                            col,
                            str(values.iat[idx]),
                            "foreign-key",
                            f"'{values.iat[idx]}' is not a known {ref} in {target_path}",
                        )
                    )
                drop |= dangling
        if drop.any():
            package.tables[res.name] = frame[~drop].reset_index(drop=True)
            package.lines[res.name] = lines[~drop]


def load_package(
    data_dir: Path | str | None = None,
    use_cache: bool = True,
    resources: Iterable[str] | None = None,
) -> LoadedPackage:
    """Load and validate every table of the package in `data_dir` (default: the bundled data).

    `resources` limits loading to those tables (references to tables left out, and the
    cross-table audit, are not checked).
    """
    data_dir = Path(data_dir).resolve() if data_dir else data_dir_from_env()
    try:
        spec = read_package_spec(data_dir)
    except FileNotFoundError:
        problem = Problem(DESCRIPTOR_NAME, None, None, None, "missing-file", "the file is missing")
        return LoadedPackage(data_dir, None, problems=[problem])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        msg = f"the package description cannot be read: {exc}"
        problem = Problem(DESCRIPTOR_NAME, None, None, None, "descriptor", msg)
        return LoadedPackage(data_dir, None, problems=[problem])

    if resources is not None:
        wanted = set(resources)
        spec = dataclasses.replace(
            spec, resources=tuple(r for r in spec.resources if r.name in wanted)
        )
    package = LoadedPackage(data_dir, spec)
    cache_dir = _cache_dir() if use_cache else None
    for res in spec.resources:
        frame, problems = load_table(data_dir, res, cache_dir)
        package.problems.extend(problems)
        if frame is None:
            package.unavailable.add(res.name)
            frame = empty_frame(res).assign(**{LINE_COLUMN: pd.Series(dtype="int64")})
        package.lines[res.name] = frame[LINE_COLUMN].to_numpy(dtype="int64")
        package.tables[res.name] = frame.drop(columns=LINE_COLUMN)
    _check_foreign_keys(package)
    if resources is None:
        package.problems.extend(audit_package(package))
    return package
