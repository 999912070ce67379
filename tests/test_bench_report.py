"""The benchmark's intervals, verdicts and Lighthouse parsing: pure functions over fabricated
figures (no browser, no server, no timings)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.bench import lighthouse
from dashboard.bench.intervals import (
    MET,
    MISSED,
    UNCLEAR,
    as_rounds,
    difference_interval,
    median_interval,
    ratio_interval,
    verdict,
)
from dashboard.bench.report import (
    ACCESSIBILITY_LIMIT,
    FLOOR_INTERACTION_LIMIT,
    evaluate_targets,
    target_line,
)


def lognormal_rounds(
    median: float, rounds: int, per_round: int, seed: int, spread: float = 0.2
) -> list[list[float]]:
    """`rounds` rounds of `per_round` times around `median`, each round shifted a little (the
    machine's load at that moment) and each value spread within it."""
    rng = np.random.default_rng(seed)
    return [
        list(median * np.exp(rng.normal(0, spread / 2) + rng.normal(0, spread, per_round)))
        for _ in range(rounds)
    ]


def flat(rounds: list[list[float]]) -> list[float]:
    return [v for one in rounds for v in one]


# --- the bootstrap ------------------------------------------------------------------------------


def test_the_interval_holds_the_ratio_of_the_plain_medians() -> None:
    top = lognormal_rounds(300, 4, 2, seed=1)
    bottom = lognormal_rounds(250, 4, 2, seed=2)
    found = ratio_interval(top, bottom)
    assert found is not None
    assert found.value == pytest.approx(np.median(flat(top)) / np.median(flat(bottom)))
    assert found.low < found.value < found.high


def test_the_interval_narrows_with_more_rounds_and_changes() -> None:
    def mean_width(rounds: int, per_round: int) -> float:
        widths = []
        for seed in range(0, 20, 2):
            found = ratio_interval(
                lognormal_rounds(300, rounds, per_round, seed),
                lognormal_rounds(250, rounds, per_round, seed + 1),
                resamples=500,
            )
            assert found is not None
            widths.append(found.width)
        return float(np.mean(widths))

    # four times the rounds, eight times the changes: less than half as wide
    assert mean_width(16, 4) < mean_width(4, 2) / 2


def test_the_same_figures_give_the_same_interval() -> None:
    top, bottom = lognormal_rounds(300, 4, 2, 3), lognormal_rounds(250, 4, 2, 4)
    assert ratio_interval(top, bottom) == ratio_interval(top, bottom)
    assert ratio_interval(top, bottom, seed=1) != ratio_interval(top, bottom, seed=2)


def test_one_round_is_a_plain_bootstrap_over_its_values() -> None:
    found = ratio_interval([[100.0, 120.0, 140.0, 160.0, 180.0]], [[100.0]])
    assert found is not None
    assert found.value == pytest.approx(1.4)
    assert 1.0 <= found.low < 1.4 < found.high <= 1.8  # its values vary, so does the median


def test_a_flat_list_is_one_round_per_value() -> None:
    assert as_rounds([3.1, 3.2]) == [[3.1], [3.2]]
    assert as_rounds([[1.0, 2.0], [], [3.0, None]]) == [[1.0, 2.0], [3.0]]
    cold = ratio_interval([5.1, 4.8, 5.4, 6.5], [3.0, 3.1, 3.2, 3.1])
    assert cold is not None
    assert cold.value == pytest.approx(np.median([5.1, 4.8, 5.4, 6.5]) / 3.1)


def test_an_empty_sample_has_no_interval() -> None:
    assert ratio_interval([], [[1.0]]) is None
    assert ratio_interval([[1.0]], [[]]) is None
    assert ratio_interval(None, [1.0]) is None
    assert ratio_interval([1.0], [0.0]) is None  # no ratio to a zero
    assert median_interval([]) is None
    assert difference_interval([1.0], []) is None


def test_the_median_and_the_difference_of_medians() -> None:
    median = median_interval([0.3, 0.35, 0.5, 0.7, 0.36])
    assert median is not None
    assert median.value == pytest.approx(0.36)
    assert 0.3 <= median.low <= 0.36 <= median.high <= 0.7
    # three runs each: the median of three resampled runs is each run often enough that the
    # interval is the range of the differences (see lighthouse.py)
    difference = difference_interval([40.0, 44.0, 47.0], [30.0, 31.0, 35.0])
    assert difference is not None
    assert difference.value == pytest.approx(13.0)
    assert (difference.low, difference.high) == pytest.approx((40 - 35, 47 - 30))


# --- verdicts -----------------------------------------------------------------------------------


def test_verdicts_from_the_interval() -> None:
    assert verdict(0.98, 1.27, 1.3) == MET
    assert verdict(1.31, 1.6, 1.3) == MISSED
    assert verdict(1.2, 1.4, 1.3) == UNCLEAR
    assert verdict(1.3, 1.3, 1.3) == MET  # at the limit is within it
    assert verdict(96, 99, 95, at_least=True) == MET
    assert verdict(80, 94, 95, at_least=True) == MISSED
    assert verdict(93, 97, 95, at_least=True) == UNCLEAR
    assert verdict(None, 1.0, 1.3) is None


def test_a_clear_miss_a_clear_pass_and_an_overlap() -> None:
    floor = lognormal_rounds(250, 8, 2, seed=10, spread=0.1)
    clear_miss = ratio_interval(lognormal_rounds(600, 8, 2, seed=11, spread=0.1), floor)
    clear_pass = ratio_interval(lognormal_rounds(250, 8, 2, seed=12, spread=0.1), floor)
    # every round's median 1.3× the floor's, its changes well spread on either side
    spread_out = [[260.0, 390.0], [280.0, 370.0], [300.0, 350.0], [320.0, 330.0]]
    overlap = ratio_interval(spread_out, [[250.0, 250.0]] * 4)
    assert clear_miss is not None and clear_pass is not None and overlap is not None
    limit = FLOOR_INTERACTION_LIMIT
    assert verdict(clear_miss.low, clear_miss.high, limit) == MISSED
    assert verdict(clear_pass.low, clear_pass.high, limit) == MET
    assert verdict(overlap.low, overlap.high, limit) == UNCLEAR


positive_rounds = st.lists(
    st.lists(st.floats(min_value=1.0, max_value=1e4), min_size=1, max_size=5),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(top=positive_rounds, bottom=positive_rounds)
def test_the_interval_holds_its_point_and_stays_within_the_samples(top, bottom) -> None:
    found = ratio_interval(top, bottom, resamples=200)
    assert found is not None
    assert found.low <= found.value <= found.high
    lowest = min(flat(top)) / max(flat(bottom))
    highest = max(flat(top)) / min(flat(bottom))
    assert lowest * (1 - 1e-9) <= found.low and found.high <= highest * (1 + 1e-9)


# --- the targets --------------------------------------------------------------------------------


def page(rounds: list[list[float]]) -> dict:
    return {"interaction_ms": float(np.median(flat(rounds))), "interaction_rounds_ms": rounds}


def lighthouse_summary(performance: list[float], accessibility: list[float]) -> dict:
    runs = [
        {"performance": p, "accessibility": a, "tbt_ms": 900.0, "lcp_ms": 17_000.0}
        for p, a in zip(performance, accessibility, strict=True)
    ]
    return lighthouse.summarize(runs)


@pytest.fixture
def figures() -> dict:
    base_rounds = lognormal_rounds(90, 8, 2, seed=20, spread=0.1)
    return {
        "baseline": {
            "cold_start_s": 3.1,
            "cold_start_all_s": [3.0, 3.1, 3.15, 3.05, 3.1],
            "pages": {"/": page(base_rounds)},
            "lighthouse": {"/": lighthouse_summary([30, 31, 33], [100, 100, 100])},
        },
        "floor": {
            "pages": {
                "/": page(lognormal_rounds(250, 8, 2, seed=21, spread=0.1)),
                "/country": page(lognormal_rounds(400, 8, 2, seed=22, spread=0.1)),
            }
        },
        "today": {
            "cold_start_s": 5.1,
            "cold_start_all_s": [4.9, 5.0, 5.1, 5.2, 5.3],
            "pages": {
                "/": page(lognormal_rounds(255, 8, 2, seed=23, spread=0.1)),  # clearly met
                "/country": page(lognormal_rounds(900, 8, 2, seed=24, spread=0.1)),  # missed
            },
            "save": {
                "save_visible_ms": 400.0,
                "save_visible_all_ms": [380.0, 400.0, 420.0, 390.0, 410.0],
                "rerun_after_save_ms": 290.0,
                "rerun_after_save_all_ms": [280.0, 290.0, 300.0, 295.0, 285.0],
                "ordinary_rerun_ms": 100.0,
                "ordinary_rerun_all_ms": [95.0, 100.0, 105.0, 98.0, 102.0],
            },
            "lighthouse": {
                "/": lighthouse_summary([40, 42, 45], [98, 98, 98]),  # all above the baseline
                "/country": lighthouse_summary([20, 21, 27], [90, 90, 91]),  # all below
                "/compare": lighthouse_summary([29, 32, 34], [100, 100, 100]),  # overlapping
            },
        },
        "synthetic": {"memory_mb": {"per_session": 6.2}},
    }


def by_name(checks: list[dict]) -> dict[str, dict]:
    return {check["target"]: check for check in checks}


def test_every_target_has_its_interval_and_verdict(figures: dict) -> None:
    checks = by_name(evaluate_targets(figures))
    for check in checks.values():
        assert {"value", "low", "high", "limit", "verdict", "met"} <= set(check)
        assert check["met"] == (check["verdict"] == MET)
    cold = checks["cold start, today / baseline"]
    assert cold["value"] == pytest.approx(5.1 / 3.1)
    assert cold["low"] <= cold["value"] <= cold["high"]
    assert cold["verdict"] == MISSED
    assert checks["interaction /, today / floor"]["verdict"] == MET
    assert checks["interaction /country, today / floor"]["verdict"] == MISSED
    assert checks["interaction /country, today / baseline"]["verdict"] == MISSED  # 10× ≥ 3
    assert "interaction /compare, today / baseline" not in checks  # not measured
    assert checks["save → visible /timeline, today (s)"]["verdict"] == MET
    assert checks["rerun after a save / ordinary, today"]["verdict"] == MISSED
    # measured once: no interval, the point estimate decides
    session = checks["MB per added session, synthetic"]
    assert (session["low"], session["high"], session["verdict"]) == (None, None, MET)


def test_lighthouse_targets(figures: dict) -> None:
    checks = by_name(evaluate_targets(figures))
    home = checks["Lighthouse performance /, today"]
    assert (home["value"], home["low"], home["high"], home["limit"]) == (42, 40, 45, 31)
    assert (home["limit_low"], home["limit_high"], home["op"]) == (30, 33, "≥")
    assert home["verdict"] == MET
    assert checks["Lighthouse performance /country, today"]["verdict"] == MISSED
    assert checks["Lighthouse performance /compare, today"]["verdict"] == UNCLEAR
    assert checks["Lighthouse accessibility /, today"]["verdict"] == MET
    country = checks["Lighthouse accessibility /country, today"]
    assert country["limit"] == ACCESSIBILITY_LIMIT and country["verdict"] == MISSED


def test_a_json_without_the_raw_times_is_judged_on_its_medians(figures: dict) -> None:
    for name in ("floor", "today"):
        for value in figures[name]["pages"].values():
            del value["interaction_rounds_ms"]
    check = by_name(evaluate_targets(figures))["interaction /country, today / floor"]
    assert (check["low"], check["high"]) == (None, None)
    assert check["verdict"] == MISSED


def test_a_target_line_shows_the_interval_limit_and_verdict() -> None:
    line = target_line(
        {
            "target": "interaction /country, today / floor",
            "value": 1.123,
            "low": 0.98,
            "high": 1.27,
            "limit": 1.3,
            "op": "≤",
            "verdict": MET,
            "met": True,
        }
    )
    assert line.startswith("interaction /country, today / floor ")
    assert line.endswith("1.12 [0.98–1.27]  (≤ 1.3)  met")


# --- Lighthouse's report ------------------------------------------------------------------------


def lighthouse_report(performance: float | None, accessibility: float) -> dict:
    """The parts of a Lighthouse JSON result the benchmark reads."""
    return {
        "lighthouseVersion": "12.8.2",
        "categories": {
            "performance": {"id": "performance", "score": performance},
            "accessibility": {
                "id": "accessibility",
                "score": accessibility,
                "auditRefs": [
                    {"id": "heading-order", "weight": 3},
                    {"id": "color-contrast", "weight": 7},
                    {"id": "accesskeys", "weight": 0},
                ],
            },
        },
        "audits": {
            "total-blocking-time": {"numericValue": 1283.4},
            "largest-contentful-paint": {"numericValue": 40963.8},
            "first-contentful-paint": {"numericValue": 15107.5},
            "heading-order": {"score": 0},
            "color-contrast": {"score": 1},
            "accesskeys": {"score": 0},  # weight 0: not counted
        },
    }


def test_lighthouse_report_parsing() -> None:
    run = lighthouse.parse_report(lighthouse_report(0.31, 0.98))
    assert run["performance"] == 31 and run["accessibility"] == 98
    assert run["tbt_ms"] == pytest.approx(1283.4)
    assert run["lcp_ms"] == pytest.approx(40963.8)
    assert run["fcp_ms"] == pytest.approx(15107.5)
    assert run["accessibility_failed"] == ["heading-order"]
    assert run["error"] is None


def test_a_lighthouse_run_that_could_not_score() -> None:
    report = lighthouse_report(None, 1.0)
    report["runtimeError"] = {"code": "NO_FCP", "message": "The page did not paint any content."}
    run = lighthouse.parse_report(report)
    assert run["performance"] is None
    assert run["error"].startswith("NO_FCP")


def test_lighthouse_medians_over_runs() -> None:
    runs = [lighthouse.parse_report(lighthouse_report(score, 1.0)) for score in (0.31, 0.25, 0.40)]
    runs.append({"error": "no result in 300 s"})
    summary = lighthouse.summarize(runs)
    assert summary["performance"] == 31 and summary["performance_range"] == [25, 40]
    assert summary["accessibility"] == 100
    assert summary["tbt_ms"] == pytest.approx(1283.4)
    assert summary["errors"] == ["no result in 300 s"]
    assert len(summary["runs"]) == 4


def test_lighthouse_keeps_its_chromium_on_this_machine() -> None:
    cmd = lighthouse.command("http://127.0.0.1:8501/country")
    flags = next(arg for arg in cmd if arg.startswith("--chrome-flags="))
    # quoted after the "=": Lighthouse's own parser would otherwise give the quoted text to the
    # flag before it
    assert '--host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"' in flags
    assert "--headless=new" in flags and "--no-sandbox" in flags
    assert "--only-categories=performance,accessibility" in cmd
    assert "--output=json" in cmd
    assert not any(arg.startswith(("--preset", "--form-factor")) for arg in cmd)  # mobile
