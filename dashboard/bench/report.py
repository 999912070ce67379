"""The benchmark's table (each figure next to the baseline's and the floor's, as a ratio) and
its targets.

Two floors: the bare one-chart app (BASELINE, one figure for every page) and the same-shape
floor (FLOOR, per page: the page's elements replayed without computing anything; see floor.py).

Each target's figure comes with its 95 % interval (intervals.py: a two-stage bootstrap over the
rounds and the values within them) and a verdict from it: "met" when the whole interval is
within the limit, "MISSED" when it is wholly beyond, else "unclear — more rounds". A figure
measured once (MB per added session) or without its raw values (an older JSON) has no interval;
its verdict is then the point estimate's, met or MISSED.

Lighthouse (lighthouse.py): a page's median performance score against the baseline's, shown
with both runs' ranges and judged by the bootstrapped difference of the two medians (with 3
runs the interval of a median of three is the runs' range); accessibility against 95.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboard.bench.intervals import (
    MET,
    MISSED,
    as_rounds,
    difference_interval,
    median_interval,
    ratio_interval,
    verdict,
)

BASELINE, FLOOR, TODAY, SYNTHETIC, RECORDS = "baseline", "floor", "today", "synthetic", "records"
COLD_LIMIT = 1.3  # today / baseline
FLOOR_INTERACTION_LIMIT = 1.3  # today / its same-shape floor, every page
BASELINE_INTERACTION_LIMIT = 3.0  # today / baseline, for the pages named below
BASELINE_INTERACTION_PAGES = ("/country", "/compare")
SCALE_INTERACTION_LIMIT = 2.0  # synthetic / today
RECORDS_INTERACTION_LIMIT = 1.1  # with the records database / CSV-only
SESSION_MB_LIMIT = 30.0  # synthetic, per added session
SAVE_VISIBLE_LIMIT_S = 1.0  # a saved meeting on the open timeline, per data set
SAVE_RERUN_LIMIT = 1.3  # the first rerun after a save / an ordinary rerun, per data set
SAVE_PAGE = "/timeline"
ACCESSIBILITY_LIMIT = 95.0  # Lighthouse accessibility score, every page


def _ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or not reference:
        return None
    return value / reference


def _page(figures: dict, target: str, path: str) -> dict:
    return figures.get(target, {}).get("pages", {}).get(path, {})


def _check(
    name: str,
    value: float | None,
    limit: float,
    low: float | None = None,
    high: float | None = None,
    at_least: bool = False,
    judged: str | None = None,
    **extra,
) -> dict | None:
    """One target's entry; its verdict from the interval [low, high] (or `judged`, or the point
    estimate when there is no interval)."""
    if value is None:
        return None
    found = judged or verdict(low, high, limit, at_least)
    if found is None:
        found = MET if (value >= limit if at_least else value <= limit) else MISSED
    return {
        "target": name,
        "value": value,
        "low": low,
        "high": high,
        "limit": limit,
        "op": "≥" if at_least else "≤",
        "verdict": found,
        "met": found == MET,
        **extra,
    }


def _rounds(page: dict, key: str = "interaction_rounds_ms") -> list | None:
    return page.get(key) or None


def _count(sample: list | None) -> int:
    return sum(len(one) for one in as_rounds(sample))


def _ratio_check(
    name: str,
    top: float | None,
    bottom: float | None,
    top_sample: list | None,
    bottom_sample: list | None,
    limit: float,
) -> dict | None:
    """A ratio target: the interval from the raw samples when both are there (one value each,
    e.g. a --quick run's cold start, gives none: its verdict is the point estimate's)."""
    interval = ratio_interval(top_sample, bottom_sample) if top_sample and bottom_sample else None
    if interval is None or _count(top_sample) + _count(bottom_sample) <= 2:
        return _check(name, _ratio(top, bottom), limit)
    return _check(name, interval.value, limit, interval.low, interval.high)


def _lighthouse_checks(figures: dict) -> list[dict | None]:
    """Every page's median performance ≥ the baseline's (verdict from the bootstrapped
    difference of the medians, see lighthouse.py) and accessibility ≥ ACCESSIBILITY_LIMIT."""
    checks: list[dict | None] = []
    base = figures.get(BASELINE, {}).get("lighthouse", {}).get("/", {})
    base_runs = [r["performance"] for r in base.get("runs", []) if r.get("performance") is not None]
    for path, page in figures.get(TODAY, {}).get("lighthouse", {}).items():
        runs = page.get("runs", [])
        performance = [r["performance"] for r in runs if r.get("performance") is not None]
        if performance and base_runs:
            difference = difference_interval(performance, base_runs)
            assert difference is not None
            judged = verdict(difference.low, difference.high, 0.0, at_least=True)
            checks.append(
                _check(
                    f"Lighthouse performance {path}, today",
                    page.get("performance"),
                    base.get("performance"),
                    min(performance),
                    max(performance),
                    at_least=True,
                    judged=judged,
                    limit_low=min(base_runs),
                    limit_high=max(base_runs),
                    limit_label="baseline",
                    difference=[difference.value, difference.low, difference.high],
                    digits=0,
                )
            )
        accessibility = median_interval(
            [r["accessibility"] for r in runs if r.get("accessibility") is not None]
        )
        if accessibility is not None:
            checks.append(
                _check(
                    f"Lighthouse accessibility {path}, today",
                    accessibility.value,
                    ACCESSIBILITY_LIMIT,
                    accessibility.low,
                    accessibility.high,
                    at_least=True,
                    digits=0,
                )
            )
    return checks


def evaluate_targets(figures: dict) -> list[dict]:
    """Every target of the issue, with the measured ratio (or MB, or seconds, or score), its
    95 % interval where the raw values are there, and its verdict."""
    checks: list[dict | None] = []
    base, today, synth = (figures.get(n, {}) for n in (BASELINE, TODAY, SYNTHETIC))
    checks.append(
        _ratio_check(
            "cold start, today / baseline",
            today.get("cold_start_s"),
            base.get("cold_start_s"),
            today.get("cold_start_all_s"),
            base.get("cold_start_all_s"),
            COLD_LIMIT,
        )
    )
    checks.append(
        _ratio_check(
            "first visit to an idle server, today / baseline",
            today.get("first_visit_s"),
            base.get("first_visit_s"),
            today.get("first_visit_all_s"),
            base.get("first_visit_all_s"),
            COLD_LIMIT,
        )
    )
    base_page = _page(figures, BASELINE, "/")

    def versus(name: str, other: str, limit: float) -> None:
        for path, page in figures.get(name, {}).get("pages", {}).items():
            other_page = _page(figures, other, path)
            checks.append(
                _ratio_check(
                    f"interaction {path}, {name} / {other}",
                    page.get("interaction_ms"),
                    other_page.get("interaction_ms"),
                    _rounds(page),
                    _rounds(other_page),
                    limit,
                )
            )

    versus(TODAY, FLOOR, FLOOR_INTERACTION_LIMIT)
    for path in BASELINE_INTERACTION_PAGES:
        page = _page(figures, TODAY, path)
        checks.append(
            _ratio_check(
                f"interaction {path}, today / baseline",
                page.get("interaction_ms"),
                base_page.get("interaction_ms"),
                _rounds(page),
                _rounds(base_page),
                BASELINE_INTERACTION_LIMIT,
            )
        )
    versus(SYNTHETIC, TODAY, SCALE_INTERACTION_LIMIT)
    versus(RECORDS, TODAY, RECORDS_INTERACTION_LIMIT)
    # One figure from one moment (the extra sessions are opened once): no interval.
    checks.append(
        _check(
            "MB per added session, synthetic",
            synth.get("memory_mb", {}).get("per_session"),
            SESSION_MB_LIMIT,
            digits=1,
        )
    )
    for name in (TODAY, SYNTHETIC):
        save = figures.get(name, {}).get("save", {})
        seconds = [v / 1000 for v in save.get("save_visible_all_ms") or []]
        visible = median_interval(seconds)
        label = f"save → visible {SAVE_PAGE}, {name} (s)"
        if visible is None or len(seconds) < 2:
            value = save.get("save_visible_ms")
            checks.append(
                _check(label, None if value is None else value / 1000, SAVE_VISIBLE_LIMIT_S)
            )
        else:
            checks.append(
                _check(label, visible.value, SAVE_VISIBLE_LIMIT_S, visible.low, visible.high)
            )
        for label, key in (
            ("rerun after a save", "rerun_after_save"),
            ("… a save not shown", "rerun_after_unshown_save"),
        ):
            checks.append(
                _ratio_check(
                    f"{label} / ordinary, {name}",
                    save.get(f"{key}_ms"),
                    save.get("ordinary_rerun_ms"),
                    save.get(f"{key}_all_ms"),  # each save a round of its own
                    save.get("ordinary_rerun_all_ms"),
                    SAVE_RERUN_LIMIT,
                )
            )
    checks += _lighthouse_checks(figures)
    return [c for c in checks if c is not None]


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}×"


def _figure_text(value: float | None, low: float | None, high: float | None, digits: int) -> str:
    text = _fmt(value, digits)
    if low is not None and high is not None and not low == high == value:  # not 1 run's
        text += f" [{low:.{digits}f}–{high:.{digits}f}]"
    return text


def target_line(check: dict) -> str:
    """e.g. `interaction /country, today / floor    1.12 [0.98–1.27]  (≤ 1.3)  met`"""
    digits = check.get("digits", 2)
    figure = _figure_text(check["value"], check.get("low"), check.get("high"), digits)
    limit = f"{check['limit']:.{digits}f}" if "digits" in check else f"{check['limit']:g}"
    if check.get("limit_label"):
        limit = (
            check["limit_label"]
            + " "
            + _figure_text(check["limit"], check.get("limit_low"), check.get("limit_high"), digits)
        )
    verdict = check.get("verdict") or (MET if check["met"] else MISSED)
    return f"{check['target']:<44}{figure:>18}  ({check.get('op', '≤')} {limit})  {verdict}"


def _print_lighthouse(figures: dict) -> None:
    """Per URL: median performance and accessibility (the runs' range), TBT, LCP and FCP."""
    found = [
        (name, path, summary)
        for name in (BASELINE, TODAY)
        for path, summary in figures.get(name, {}).get("lighthouse", {}).items()
    ]
    if not found:
        return
    runs = max(len(summary.get("runs", [])) for _, _, summary in found)
    print(f"\nLighthouse (mobile, simulated throttling; medians of {runs} run(s), [min–max])")
    header = f"{'page':<26}{'performance':>14}{'accessibility':>16}{'TBT ms':>9}"
    header += f"{'LCP s':>8}{'FCP s':>8}"
    print(header)
    print("-" * len(header))
    for name, path, summary in found:

        def scored(key: str, summary: dict = summary) -> str:
            low_high = summary.get(f"{key}_range") or [None, None]
            return _figure_text(summary.get(key), *low_high, 0)

        def seconds(key: str, summary: dict = summary) -> str:
            value = summary.get(key)
            return _fmt(None if value is None else value / 1000, 1)

        print(
            f"{name + ' ' + path:<26}{scored('performance'):>14}"
            f"{scored('accessibility'):>16}{_fmt(summary.get('tbt_ms')):>9}"
            f"{seconds('lcp_ms'):>8}{seconds('fcp_ms'):>8}"
        )
        if summary.get("accessibility_failed"):
            print(f"    accessibility audits failed: {', '.join(summary['accessibility_failed'])}")


def print_table(results: dict) -> None:
    figures = results["figures"]
    names = [n for n in (BASELINE, FLOOR, TODAY, SYNTHETIC, RECORDS) if n in figures]
    # (column, its header, width, the column it is a ratio to, or None for the figure itself)
    columns = [(BASELINE, "baseline", 10, None)]
    if FLOOR in names:
        columns.append((FLOOR, "floor", 9, None))
    columns += [(TODAY, "today", 9, None), (TODAY, "×base", 8, BASELINE)]
    if FLOOR in names:
        columns.append((TODAY, "×floor", 8, FLOOR))
    if SYNTHETIC in names:
        columns += [(SYNTHETIC, "synthetic", 11, None), (SYNTHETIC, "×today", 8, TODAY)]
    if RECORDS in names:
        columns += [(RECORDS, "records", 9, None), (RECORDS, "×today", 8, TODAY)]
    header = f"{'figure':<34}" + "".join(f"{title:>{width}}" for _, title, width, _ in columns)
    headed: list[bool] = []  # the header is printed before the first row (none: no table)

    def row(label: str, get: Callable[[str], float | None], digits: int = 0) -> None:
        values = {n: get(n) for n in names}
        line = f"{label:<34}"
        for name, _, width, reference in columns:
            value = values.get(name)
            if reference is None:
                line += f"{_fmt(value, digits):>{width}}"
            else:
                line += f"{_ratio_text(_ratio(value, values.get(reference))):>{width}}"
        if any(v is not None for v in values.values()):
            if not headed:
                print(f"\n{header}\n" + "-" * len(header))
                headed.append(True)
            print(line)

    row("cold start (s)", lambda n: figures[n].get("cold_start_s"), 2)
    row("first visit, idle server (s)", lambda n: figures[n].get("first_visit_s"), 2)
    paths = list(figures.get(TODAY, {}).get("pages", {}))

    def page_value(key: str, path: str, scale: float = 1.0) -> Callable[[str], float | None]:
        def get(name: str) -> float | None:
            page = _page(figures, name, "/" if name == BASELINE else path)
            value = page.get(key)
            return None if value is None else value * scale

        return get

    for path in paths:
        row(f"interaction {path} (ms)", page_value("interaction_ms", path))
    for path in paths:
        row(f"rerun script {path} (ms)", page_value("rerun_ms", path))
    for path in paths:
        row(f"chart data {path} (KB)", page_value("chart_bytes", path, 1 / 1024), 1)
    for path in paths:
        row(f"table data {path} (KB)", page_value("table_bytes", path, 1 / 1024), 1)

    def save(key: str) -> Callable[[str], float | None]:
        return lambda n: figures[n].get("save", {}).get(key)

    row(f"save → visible {SAVE_PAGE} (ms)", save("save_visible_ms"))
    row(f"rerun after a save {SAVE_PAGE} (ms)", save("rerun_after_save_ms"))
    row("  … after a save not shown (ms)", save("rerun_after_unshown_save_ms"))
    row(f"ordinary rerun {SAVE_PAGE} (ms)", save("ordinary_rerun_ms"))
    row("  server CPU, rerun after a save (ms)", save("rerun_after_save_cpu_ms"))
    row("  … after a save not shown (ms)", save("rerun_after_unshown_save_cpu_ms"))
    row("  … ordinary rerun (ms)", save("ordinary_rerun_cpu_ms"))

    def memory(key: str) -> Callable[[str], float | None]:
        return lambda n: figures[n].get("memory_mb", {}).get(key)

    sessions = results["settings"]["sessions"]
    row("server RSS, idle (MB)", memory("idle"))
    row("server RSS, 1 session (MB)", memory("one_session"))
    row(f"server RSS, {sessions} sessions (MB)", memory("n_sessions"))
    row("MB per added session", memory("per_session"), 1)

    datasets = results.get("datasets", {})
    if datasets:
        print()
        for name, data in datasets.items():
            rows = sum(data["rows"].values())
            print(
                f"{name}: {rows:,} rows in {len(data['rows'])} tables, {data['errors']} error(s); "
                f"load {data['load_s']['cold_csv']:.2f} s from CSV, "
                f"{data['load_s']['warm_parquet']:.2f} s from the Parquet cache"
            )
    _print_lighthouse(figures)
    print("\nTargets (95 % intervals; met = the whole interval within the limit)")
    for check in results.get("targets", []):
        print(f"  {target_line(check)}")
    for note in results.get("notes", []):
        print(f"  note: {note}")
