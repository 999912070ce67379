"""The benchmark's table (each figure next to the baseline's and the floor's, as a ratio) and
its targets.

Two floors: the bare one-chart app (BASELINE, one figure for every page) and the same-shape
floor (FLOOR, per page: the page's elements replayed without computing anything; see floor.py).
"""

from __future__ import annotations

from collections.abc import Callable

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


def _ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or not reference:
        return None
    return value / reference


def _page(figures: dict, target: str, path: str) -> dict:
    return figures.get(target, {}).get("pages", {}).get(path, {})


def evaluate_targets(figures: dict) -> list[dict]:
    """Every target of the issue, with the measured ratio (or MB) and whether it is met."""
    checks: list[dict] = []

    def check(name: str, value: float | None, limit: float) -> None:
        if value is not None:
            checks.append({"target": name, "value": value, "limit": limit, "met": value <= limit})

    base, today, synth = (figures.get(n, {}) for n in (BASELINE, TODAY, SYNTHETIC))
    check(
        "cold start, today / baseline",
        _ratio(today.get("cold_start_s"), base.get("cold_start_s")),
        COLD_LIMIT,
    )
    base_ms = _page(figures, BASELINE, "/").get("interaction_ms")

    def versus(name: str, other: str, limit: float, paths: tuple[str, ...] | None = None) -> None:
        for path, page in figures.get(name, {}).get("pages", {}).items():
            if paths is None or path in paths:
                check(
                    f"interaction {path}, {name} / {other}",
                    _ratio(
                        page.get("interaction_ms"),
                        _page(figures, other, path).get("interaction_ms"),
                    ),
                    limit,
                )

    versus(TODAY, FLOOR, FLOOR_INTERACTION_LIMIT)
    for path in BASELINE_INTERACTION_PAGES:
        check(
            f"interaction {path}, today / baseline",
            _ratio(_page(figures, TODAY, path).get("interaction_ms"), base_ms),
            BASELINE_INTERACTION_LIMIT,
        )
    versus(SYNTHETIC, TODAY, SCALE_INTERACTION_LIMIT)
    versus(RECORDS, TODAY, RECORDS_INTERACTION_LIMIT)
    check(
        "MB per added session, synthetic",
        synth.get("memory_mb", {}).get("per_session"),
        SESSION_MB_LIMIT,
    )
    for name in (TODAY, SYNTHETIC):
        save = figures.get(name, {}).get("save", {})
        visible = save.get("save_visible_ms")
        check(
            f"save → visible {SAVE_PAGE}, {name} (s)",
            None if visible is None else visible / 1000,
            SAVE_VISIBLE_LIMIT_S,
        )
        for label, key in (
            ("rerun after a save", "rerun_after_save_ms"),
            ("… a save not shown", "rerun_after_unshown_save_ms"),
        ):
            check(
                f"{label} / ordinary, {name}",
                _ratio(save.get(key), save.get("ordinary_rerun_ms")),
                SAVE_RERUN_LIMIT,
            )
    return checks


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}×"


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
    print()
    print(header)
    print("-" * len(header))

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
            print(line)

    row("cold start (s)", lambda n: figures[n].get("cold_start_s"), 2)
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
    print("\nTargets")
    for check in results.get("targets", []):
        status = "met" if check["met"] else "MISSED"
        print(f"  {check['target']:<44}{check['value']:>8.2f}  (≤ {check['limit']:g})  {status}")
    for note in results.get("notes", []):
        print(f"  note: {note}")
