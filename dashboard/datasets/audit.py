"""Cross-table checks: the rules of the data package that no single table's schema can state.

Run by the loader after its foreign-key pass, so ``python -m dashboard.datasets check``, the
Sources page and the tests report the same problems. Each check returns Problem objects like
validate.py's; none removes a row (the tables stay usable, the problem is shown).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard.datasets.package import DESCRIPTOR_NAME, PackageSpec, Resource
from dashboard.datasets.validate import Problem

if TYPE_CHECKING:
    from dashboard.datasets.loader import LoadedPackage

SOURCES = "sources"
LABELS = "labels"
URL_PATTERN = re.compile(r"https?://|www\.", re.IGNORECASE)
BARE_URL_MESSAGE = (
    "a URL in a text field: make the document a row of sources.csv and cite its source_id instead"
)
# A part may exceed its parent by this much (EUR m) before it is reported: rounding of cents.
BUDGET_TOLERANCE_EUR_M = 0.001


def source_columns(resource: Resource) -> list[str]:
    """The columns of `resource` that are foreign keys into sources.csv."""
    return [col for fk in resource.foreign_keys if fk.resource == SOURCES for col in fk.fields]


def among(values: pd.Series, wanted: Collection[str]) -> np.ndarray:
    """Which of `values` are in the set `wanted`, as booleans. Faster than `Series.isin` when
    thousands are wanted: pandas turns each wanted value into a pyarrow scalar, one by one."""
    return np.fromiter(map(wanted.__contains__, values.tolist()), dtype=bool, count=len(values))


def _ids_in(frame: pd.DataFrame, columns: list[str]) -> set[str]:
    """The non-empty values of `columns`, as text."""
    values = pd.concat([frame[c] for c in columns], ignore_index=True).dropna().unique()
    return {v for v in map(str, values.tolist()) if v}


def _words_in(frame: pd.DataFrame, columns: list[str]) -> set[str]:
    """Every word of `columns` that could be a source id (a note naming the source of a figure
    it quotes)."""
    texts = [frame[c].dropna() for c in columns if c in frame]
    if not texts:
        return set()
    text = "\n".join(pd.concat(texts, ignore_index=True).astype(str).unique())
    return set(re.findall(r"[a-z0-9][a-z0-9_-]*", text))


class Citations:
    """What each table cites, by source column and in its free text, kept per table object
    (frames are never changed in place): the next join of the records, whose unchanged tables
    are the same objects, looks again only at the tables read again."""

    def __init__(self, previous: Citations | None = None) -> None:
        self._found: dict[tuple[str, str], tuple[pd.DataFrame, frozenset[str]]] = (
            dict(previous._found) if previous is not None else {}
        )

    def _kept(
        self, kind: str, name: str, frame: pd.DataFrame, find: Callable[[], set[str]]
    ) -> frozenset[str]:
        kept = self._found.get((kind, name))
        if kept is not None and kept[0] is frame:
            return kept[1]
        found = frozenset(find())
        self._found[kind, name] = (frame, found)
        return found

    def by_columns(self, name: str, frame: pd.DataFrame, resource: Resource) -> frozenset[str]:
        """The ids in `frame`'s source columns (`resource`'s foreign keys into sources)."""
        return self._kept("columns", name, frame, lambda: _ids_in(frame, source_columns(resource)))

    def in_text(self, name: str, frame: pd.DataFrame, resource: Resource) -> frozenset[str]:
        """The words of `frame`'s free-text columns that could be source ids."""
        return self._kept("text", name, frame, lambda: _words_in(frame, text_columns(resource)))


def cited_source_ids(
    tables: Mapping[str, pd.DataFrame],
    spec: PackageSpec,
    name: str,
    citations: Citations | None = None,
) -> set[str]:
    """Source ids a resource cites: its own source columns' values or, for a table without
    any (indicators, meeting_areas), those of the tables its rows point at. `citations`: kept
    from an earlier call, for the tables that are the same objects."""
    if name == SOURCES:
        return set()
    resource = spec.resource(name)
    own = source_columns(resource)
    if own:
        frame = tables.get(name)
        if frame is None:
            return set()
        if citations is not None:
            return set(citations.by_columns(name, frame, resource))
        return _ids_in(frame, own)
    cited: set[str] = set()
    for fk in resource.foreign_keys:
        target = fk.resource or name
        if target != name and source_columns(spec.resource(target)):
            cited |= cited_source_ids(tables, spec, target, citations)
    return cited


def newest_cited_date(
    tables: Mapping[str, pd.DataFrame],
    spec: PackageSpec,
    name: str,
    column: str = "published",
    citations: Citations | None = None,
) -> pd.Timestamp | None:
    """The newest date in `column` of sources.csv (`published`, or `accessed`: when a source
    was last read) among the sources a resource cites (None if none has one). For sources.csv
    itself: the newest date of any of its rows."""
    sources = tables.get(SOURCES)
    if sources is None or sources.empty:
        return None
    dates = sources[column]
    if name != SOURCES:
        dates = dates[among(sources["source_id"], cited_source_ids(tables, spec, name, citations))]
    dates = dates.dropna()
    return None if dates.empty else pd.Timestamp(dates.max())


def with_current_as_of(
    spec: PackageSpec,
    tables: dict[str, pd.DataFrame],
    names: Iterable[str],
    citations: Citations | None = None,
) -> PackageSpec:
    """`spec` with each named resource's x-as-of moved up to the newest source its rows cite:
    records change after the descriptor was written (a meeting recorded today cites today's
    press release), and a table is as recent as what it says."""
    wanted = set(names)
    resources = []
    for res in spec.resources:
        newest = (
            newest_cited_date(tables, spec, res.name, citations=citations)
            if res.name in wanted
            else None
        )
        if newest is not None and f"{newest:%Y-%m-%d}" > res.as_of:
            res = dataclasses.replace(res, as_of=f"{newest:%Y-%m-%d}")
        resources.append(res)
    return dataclasses.replace(spec, resources=tuple(resources))


def audit_package(package: LoadedPackage) -> list[Problem]:
    """Every cross-table problem of a loaded package (after its foreign-key pass)."""
    if package.spec is None:
        return []
    problems: list[Problem] = []
    problems += _budgets_add_up(package)
    problems += _sources_cited(package)
    problems += _meeting_sources_complete(package)
    problems += _no_bare_urls(package)
    problems += _as_of_not_stale(package)
    problems += _inferred_status_explained(package)
    problems += _meetings_end_after_start(package)
    problems += _labels_cover_codes(package)
    problems += _sources_dated_or_undated(package)
    return problems


def _line(package: LoadedPackage, name: str, index: int) -> int:
    return int(package.lines[name][index])


def _budgets_add_up(package: LoadedPackage) -> list[Problem]:
    """A programme's budget is at least the sum of its parts' budgets."""
    if not package.has("programmes"):
        return []
    programmes = package.table("programmes")
    path = package.resource("programmes").path
    parts = programmes.dropna(subset=["parent_id", "budget_eur_m"])
    sums = parts.groupby("parent_id")["budget_eur_m"].sum()
    problems = []
    for idx, row in programmes.iterrows():
        pid, budget = row["programme_id"], row["budget_eur_m"]
        if pid not in sums.index or pd.isna(budget):
            continue
        total = float(sums[pid])
        if total > float(budget) + BUDGET_TOLERANCE_EUR_M:
            problems.append(
                Problem(
                    path,
                    _line(package, "programmes", idx),
                    "budget_eur_m",
                    f"{budget:g}",
                    "budget-sum",
                    f"the parts of '{pid}' add up to EUR {total:,.3f} m, more than its own "
                    f"budget of EUR {float(budget):,.3f} m",
                )
            )
    return problems


def text_columns(resource: Resource) -> list[str]:
    """Free-text columns: strings that are neither keys nor references (ids hold no URL or
    citation, and skipping them keeps the check cheap on the long indicator table)."""
    ids = set(resource.primary_key) | {c for fk in resource.foreign_keys for c in fk.fields}
    return [f.name for f in resource.fields if f.type == "string" and f.name not in ids]


def uncited_sources(
    tables: Mapping[str, pd.DataFrame], spec: PackageSpec, citations: Citations | None = None
) -> pd.Series:
    """For each row of the sources table, True when no row of any other table cites it: by a
    source column, or by its id in a text (a note naming the source of a figure it quotes).
    `citations`: kept from an earlier call, for the tables that are the same objects."""
    citations = citations if citations is not None else Citations()
    sources = tables[SOURCES]
    others = [
        (res, frame)
        for res in spec.resources
        if res.name != SOURCES and (frame := tables.get(res.name)) is not None
    ]
    cited: set[str] = set()
    for res, frame in others:
        if source_columns(res):
            cited |= citations.by_columns(res.name, frame, res)
    ids = sources["source_id"]
    uncited = ~among(ids, cited)
    if uncited.any():
        words: set[str] = set()
        for res, frame in others:
            words |= citations.in_text(res.name, frame, res)
        uncited &= ~among(ids, words)
    return pd.Series(uncited, index=sources.index, name="source_id")


def _sources_cited(package: LoadedPackage) -> list[Problem]:
    """Every row of sources.csv is cited. Not judged while a table could not be loaded: its
    citations are unknown, and its own problem is reported."""
    if not package.has(SOURCES) or package.unavailable:
        return []
    spec = package.spec
    assert spec is not None
    tables = {res.name: package.table(res.name) for res in spec.resources if package.has(res.name)}
    uncited = uncited_sources(tables, spec)
    sources = package.table(SOURCES)
    path = package.resource(SOURCES).path
    return [
        Problem(
            path,
            _line(package, SOURCES, idx),
            "source_id",
            str(sources.at[idx, "source_id"]),
            "uncited-source",
            f"source '{sources.at[idx, 'source_id']}' is cited by no row of any table: cite it "
            "where its fact is shown, or remove it",
        )
        for idx in np.flatnonzero(uncited.to_numpy(dtype=bool))
    ]


def _meeting_sources_complete(package: LoadedPackage) -> list[Problem]:
    """Each meeting's main source is one of the sources meeting_sources lists for it."""
    if not (package.has("meetings") and package.has("meeting_sources")):
        return []
    meetings = package.table("meetings")
    links = package.table("meeting_sources")
    listed = set(zip(links["meeting_id"], links["source_id"], strict=True))
    path = package.resource("meetings").path
    return [
        Problem(
            path,
            _line(package, "meetings", idx),
            "source_id",
            str(row["source_id"]),
            "meeting-source-listed",
            f"the main source of meeting '{row['meeting_id']}' is not listed in "
            "meeting_sources.csv",
        )
        for idx, row in meetings.iterrows()
        if (row["meeting_id"], row["source_id"]) not in listed
    ]


def _no_bare_urls(package: LoadedPackage) -> list[Problem]:
    """No URL in a text field: a document is a row of sources.csv, cited by its id.
    (sources.csv itself is where URLs belong.)"""
    spec = package.spec
    assert spec is not None
    problems = []
    for res in spec.resources:
        if res.name == SOURCES or not package.has(res.name):
            continue
        frame = package.table(res.name)
        for col in text_columns(res):
            values = frame[col]
            hits = values.str.contains(URL_PATTERN, na=False).to_numpy(dtype=bool)
            for idx in np.flatnonzero(hits):
                problems.append(
                    Problem(
                        res.path,
                        _line(package, res.name, idx),
                        col,
                        str(values.iat[idx]),
                        "bare-url",
                        BARE_URL_MESSAGE,
                    )
                )
    return problems


def _as_of_not_stale(package: LoadedPackage) -> list[Problem]:
    """A resource's x-as-of is not older than the newest source its rows cite."""
    spec = package.spec
    assert spec is not None
    problems = []
    for res in spec.resources:
        if not package.has(res.name):
            continue
        newest = newest_cited_date(package.tables, spec, res.name)
        if newest is None:
            continue
        as_of = pd.to_datetime(res.as_of, format="%Y-%m-%d", errors="coerce")
        if pd.isna(as_of) or as_of < newest:
            problems.append(
                Problem(
                    DESCRIPTOR_NAME,
                    None,
                    f"{res.name}.x-as-of",
                    res.as_of,
                    "stale-as-of",
                    f"'{res.name}' is dated {res.as_of or '(none)'} but cites a source published "
                    f"{newest.date().isoformat()}: run tools/curate_from_shared.py --descriptor",
                )
            )
    return problems


def unexplained_inferred_status(followups: pd.DataFrame) -> dict[str, pd.Series]:
    """Per column (note, status_source_id): the follow-ups whose inferred status lacks it.
    Shared with the records store, which applies the rule before it writes."""
    inferred = followups["status_basis"] == "inferred"
    note = followups["note"].fillna("").astype(str).str.strip() == ""
    source = followups["status_source_id"].fillna("").astype(str).str.strip() == ""
    return {"note": inferred & note, "status_source_id": inferred & source}


def inferred_status_message(action_id: object, column: str) -> str:
    return (
        f"follow-up '{action_id}' has an inferred status: its {column} must say what the "
        "inference rests on"
    )


def _inferred_status_explained(package: LoadedPackage) -> list[Problem]:
    """A status the curators inferred says so and why: a note, and a source for the evidence."""
    if not package.has("followups"):
        return []
    followups = package.table("followups")
    path = package.resource("followups").path
    problems = []
    for column, missing in unexplained_inferred_status(followups).items():
        for idx in np.flatnonzero(missing.fillna(False).to_numpy(dtype=bool)):
            problems.append(
                Problem(
                    path,
                    _line(package, "followups", idx),
                    column,
                    None,
                    "inferred-status",
                    inferred_status_message(followups.at[idx, "action_id"], column),
                )
            )
    return problems


def ends_before_start(start: pd.Series, end: pd.Series) -> pd.Series:
    """The rows whose end date lies before their start date (a meeting cannot end before it
    begins). Shared with the records store."""
    return start.notna() & end.notna() & (end < start)


def end_before_start_message(start: object, end: object) -> str:
    return f"the end date {end:%Y-%m-%d} is before the start date {start:%Y-%m-%d}"


def undated_mismatch(published: pd.Series, undated: pd.Series) -> dict[str, pd.Series]:
    """Per column (published, undated): the sources whose date is neither given nor marked
    missing, and those marked undated that give a date anyway. `undated` holds booleans or
    their text ("true"); shared with the records store, which applies the rule before it
    writes."""
    marked = pd.Series(
        [pd.notna(v) and str(v).strip().lower() == "true" for v in undated],
        index=undated.index,
        dtype=bool,
    )
    dated = pd.Series(
        [pd.notna(v) and str(v).strip() != "" for v in published], index=published.index, dtype=bool
    )
    return {"published": ~dated & ~marked, "undated": dated & marked}


def undated_message(source_id: object, column: str) -> str:
    if column == "published":
        return (
            f"source '{source_id}' has no published date: give the date the source shows, or "
            "mark it undated (undated = true) when it shows none"
        )
    return f"source '{source_id}' is marked undated but gives a published date: keep one of them"


def _sources_dated_or_undated(package: LoadedPackage) -> list[Problem]:
    """Every source gives its publication date or says explicitly that it has none."""
    if not package.has(SOURCES) or "undated" not in package.table(SOURCES):
        return []
    sources = package.table(SOURCES)
    path = package.resource(SOURCES).path
    problems = []
    for column, wrong in undated_mismatch(sources["published"], sources["undated"]).items():
        for idx in np.flatnonzero(wrong.fillna(False).to_numpy(dtype=bool)):
            problems.append(
                Problem(
                    path,
                    _line(package, SOURCES, idx),
                    column,
                    None,
                    "source-undated",
                    undated_message(sources.at[idx, "source_id"], column),
                )
            )
    return problems


def _meetings_end_after_start(package: LoadedPackage) -> list[Problem]:
    """A meeting's end_date is not before its date."""
    if not package.has("meetings"):
        return []
    meetings = package.table("meetings")
    path = package.resource("meetings").path
    wrong = ends_before_start(meetings["date"], meetings["end_date"])
    return [
        Problem(
            path,
            _line(package, "meetings", idx),
            "end_date",
            f"{meetings.at[idx, 'end_date']:%Y-%m-%d}",
            "end-before-start",
            end_before_start_message(meetings.at[idx, "date"], meetings.at[idx, "end_date"]),
        )
        for idx in np.flatnonzero(wrong.fillna(False).to_numpy(dtype=bool))
    ]


def coded_fields(spec: PackageSpec) -> dict[tuple[str, str], list[str]]:
    """Every field with a list of allowed values (its enum), by (resource, field)."""
    return {
        (res.name, fld.name): [str(v) for v in fld.constraints["enum"]]
        for res in spec.resources
        for fld in res.fields
        if "enum" in fld.constraints
    }


def _labels_cover_codes(package: LoadedPackage) -> list[Problem]:
    """The labels table against the schema: each row names a coded field and one of its
    values; a field that has labels has one for every value (none is shown as a code)."""
    if not package.has(LABELS):
        return []
    spec = package.spec
    assert spec is not None
    codes = coded_fields(spec)
    labels = package.table(LABELS)
    path = package.resource(LABELS).path
    problems: list[Problem] = []
    given: dict[tuple[str, str], set[str]] = {}
    for idx, row in enumerate(labels.itertuples(index=False)):
        key = (str(row.resource), str(row.field))
        line = _line(package, LABELS, idx)
        if key not in codes:
            problems.append(
                Problem(
                    path,
                    line,
                    "field",
                    f"{key[0]}.{key[1]}",
                    "label-unknown-field",
                    f"{key[0]}.{key[1]} is not a field with a list of allowed values",
                )
            )
        elif str(row.value) not in codes[key]:
            problems.append(
                Problem(
                    path,
                    line,
                    "value",
                    str(row.value),
                    "label-unknown-value",
                    f"'{row.value}' is not one of the values of {key[0]}.{key[1]} "
                    f"({', '.join(codes[key])})",
                )
            )
        else:
            given.setdefault(key, set()).add(str(row.value))
    for key, values in given.items():
        missing = [code for code in codes[key] if code not in values]
        if missing:
            problems.append(
                Problem(
                    path,
                    None,
                    "value",
                    ", ".join(missing),
                    "label-missing",
                    f"{key[0]}.{key[1]} has labels but none for {', '.join(missing)}: add a "
                    "row for each",
                )
            )
    return problems
