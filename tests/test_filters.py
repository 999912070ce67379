"""The filter model read from untrusted URLs: good values kept, bad ones dropped with a notice."""

from __future__ import annotations

from datetime import date

from dashboard.datasets.filters import Filters, KnownValues, parse_query, to_query

KNOWN = KnownValues(
    countries=frozenset({"ROU", "PAK", "TUR"}),
    areas=frozenset({"ai", "cybersecurity"}),
    programmes=frozenset({"horizon-europe"}),
)


def test_round_trip_through_the_query_string() -> None:
    filters = Filters(("ROU", "PAK"), ("ai",), ("horizon-europe",), date(2025, 1, 1), None)
    query = to_query(filters)
    assert query == {
        "country": "ROU,PAK",
        "area": "ai",
        "programme": "horizon-europe",
        "from": "2025-01-01",
    }
    parsed, notices = parse_query({k: [v] for k, v in query.items()}, KNOWN)
    assert parsed == filters and notices == []


def test_default_filters_write_an_empty_query() -> None:
    assert to_query(Filters()) == {}


def test_repeated_keys_and_lists_merge_without_duplicates() -> None:
    parsed, notices = parse_query({"country": ["rou", "PAK,ROU", "TUR"]}, KNOWN)
    assert parsed.countries == ("ROU", "PAK", "TUR") and notices == []


def test_hostile_and_unknown_values_are_dropped_with_notices() -> None:
    params = {
        "country": ["<script>alert(1)</script>", "XXX", "ROU"],
        "area": ["a" * 5000],
        "from": ["2025-02-30"],
        "to": ["9" * 400],
    }
    parsed, notices = parse_query(params, KNOWN)
    assert parsed == Filters(countries=("ROU",))
    assert len(notices) == 5
    assert all(len(n) < 200 for n in notices), "huge values must not be echoed whole"
    assert any("not a code" in n for n in notices)
    assert any("unknown" in n for n in notices)


def test_reversed_period_is_swapped_with_a_notice() -> None:
    parsed, notices = parse_query({"from": ["2026-01-01"], "to": ["2025-01-01"]}, KNOWN)
    assert (parsed.start, parsed.end) == (date(2025, 1, 1), date(2026, 1, 1))
    assert notices


def test_describe_names_countries_in_words() -> None:
    text = Filters(countries=("ROU",)).describe({"ROU": "Romania"})
    assert text == "countries: Romania"
