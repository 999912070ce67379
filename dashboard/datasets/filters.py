"""The one filter model: country, cooperation area, programme and period.

Every page applies the same `Filters`. They travel in the URL query string so that a view can
be shared and bookmarked; `parse_query` turns untrusted query parameters into `Filters` and
plain-language notices for every value it had to drop, and `to_query` writes them back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd

QUERY_KEYS = ("country", "area", "programme", "from", "to")
MAX_VALUE_LENGTH = 64
MAX_VALUES = 60
_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Filters:
    """What the user has narrowed the view to; an empty tuple or None means "no limit"."""

    countries: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None

    def with_countries(self, countries: Iterable[str]) -> Filters:
        return replace(self, countries=tuple(dict.fromkeys(countries)))

    def describe(self, country_names: Mapping[str, str] | None = None) -> str:
        """One line saying what the view is limited to, for captions and exports."""
        names = country_names or {}
        parts = []
        if self.countries:
            parts.append("countries: " + ", ".join(names.get(c, c) for c in self.countries))
        if self.areas:
            parts.append("areas: " + ", ".join(self.areas))
        if self.programmes:
            parts.append("programmes: " + ", ".join(self.programmes))
        if self.start or self.end:
            parts.append(f"period: {self.start or '…'} to {self.end or '…'}")
        return "; ".join(parts) if parts else "no filters"


@dataclass(frozen=True)
class KnownValues:
    """The values a URL may name: anything else is dropped with a notice."""

    countries: frozenset[str] = field(default_factory=frozenset)
    areas: frozenset[str] = field(default_factory=frozenset)
    programmes: frozenset[str] = field(default_factory=frozenset)


def _shown(value: str) -> str:
    """A value as it may be quoted back to the user: shortened, never interpreted as markup."""
    short = value if len(value) <= 40 else value[:37] + "…"
    return repr(short)


def _split(values: Sequence[str]) -> list[str]:
    """Repeated keys and comma-separated lists both work: ?country=ROU&country=PAK,TUR."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in str(value).split(","))
    return [v for v in out if v]


def _parse_codes(
    key: str, values: Sequence[str], known: frozenset[str], normalise, notices: list[str]
) -> tuple[str, ...]:
    kept: list[str] = []
    for raw in _split(values):
        if len(raw) > MAX_VALUE_LENGTH or not _SAFE_TOKEN.match(raw):
            notices.append(
                f"Ignored the {key} value {_shown(raw)} from the link: it is not a code."
            )
            continue
        code = normalise(raw)
        if code not in known:
            notices.append(f"Ignored the {key} value {_shown(raw)} from the link: it is unknown.")
            continue
        if code not in kept:
            kept.append(code)
    if len(kept) > MAX_VALUES:
        notices.append(f"Only the first {MAX_VALUES} {key} values from the link were kept.")
        kept = kept[:MAX_VALUES]
    return tuple(kept)


def _parse_date(key: str, values: Sequence[str], notices: list[str]) -> date | None:
    parts = _split(values)
    if not parts:
        return None
    if len(parts) > 1:
        notices.append(f"The link gives '{key}' more than once; the first value was used.")
    raw = parts[0]
    try:
        if len(raw) > 10:
            raise ValueError
        parsed = date.fromisoformat(raw)
        if not 1900 <= parsed.year <= 2100:
            raise ValueError
        return parsed
    except ValueError:
        notices.append(
            f"Ignored the '{key}' date {_shown(raw)} from the link: use the form YYYY-MM-DD."
        )
        return None


def parse_query(
    params: Mapping[str, Sequence[str]], known: KnownValues
) -> tuple[Filters, list[str]]:
    """Turn untrusted query parameters into Filters plus a notice for every dropped value."""
    notices: list[str] = []
    countries = _parse_codes(
        "country", params.get("country", ()), known.countries, str.upper, notices
    )
    areas = _parse_codes("area", params.get("area", ()), known.areas, str.lower, notices)
    programmes = _parse_codes(
        "programme", params.get("programme", ()), known.programmes, lambda v: v, notices
    )
    start = _parse_date("from", params.get("from", ()), notices)
    end = _parse_date("to", params.get("to", ()), notices)
    if start and end and start > end:
        notices.append("The link's period ends before it starts; the dates were swapped.")
        start, end = end, start
    return Filters(countries, areas, programmes, start, end), notices


def to_query(filters: Filters) -> dict[str, str]:
    """The query-string form of `filters` (only what differs from the default)."""
    query: dict[str, str] = {}
    if filters.countries:
        query["country"] = ",".join(filters.countries)
    if filters.areas:
        query["area"] = ",".join(filters.areas)
    if filters.programmes:
        query["programme"] = ",".join(filters.programmes)
    if filters.start:
        query["from"] = filters.start.isoformat()
    if filters.end:
        query["to"] = filters.end.isoformat()
    return query


def in_period(dates: pd.Series, filters: Filters) -> pd.Series:
    """Mask of `dates` inside the filter period (missing dates are outside a set period)."""
    mask = pd.Series(True, index=dates.index)
    if filters.start:
        mask &= dates >= pd.Timestamp(filters.start)
    if filters.end:
        mask &= dates <= pd.Timestamp(filters.end)
    return mask.fillna(False).astype(bool)


def year_range(filters: Filters, default: tuple[int, int]) -> tuple[int, int]:
    """The period as whole years, for yearly indicator series."""
    low = filters.start.year if filters.start else default[0]
    high = filters.end.year if filters.end else default[1]
    return low, high


def parse_page_code(
    key: str, values: Sequence[str], known: Iterable[str], normalise=str.upper
) -> tuple[str | None, list[str]]:
    """One page-specific code from the URL (e.g. ?indicator=…), checked like the filters.

    Returns the first known code (or None) and a notice for every value that was dropped.
    """
    notices: list[str] = []
    codes = _parse_codes(key, values, frozenset(known), normalise, notices)
    if len(codes) > 1:
        notices.append(f"The link gives '{key}' more than once; the first value was used.")
    return (codes[0] if codes else None), notices
