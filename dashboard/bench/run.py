"""The whole benchmark in one run: baseline, same-shape floor, today's data, synthetic data at
about 100 times (and, if asked, today's data with a records database).

python -m dashboard.bench [all] [--quick] [--json FILE] [...]   (see __main__.py)
python -m dashboard.bench save [...]   only save → visible and the rerun after a save
python -m dashboard.bench lighthouse [...]   only the Lighthouse scores (see lighthouse.py)

Everything it starts it stops (servers in `finally`, browser contexts closed); every loop is
bounded by the repeat counts; all traffic stays on 127.0.0.1. The synthetic package and the
Parquet caches live in a temporary folder that is removed at the end unless asked to keep it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from pathlib import Path

import pandas as pd

from dashboard.bench import browser as bb
from dashboard.bench import lighthouse, serverwork
from dashboard.bench.floor import (
    FLOOR_APP,
    SNAPSHOT_ENV,
    filtered_pages,
    switch_floor_page,
    take_snapshot,
    write_snapshot,
)
from dashboard.bench.report import (
    BASELINE,
    FLOOR,
    RECORDS,
    SYNTHETIC,
    TODAY,
    evaluate_targets,
    print_table,
)
from dashboard.bench.save import measure_save
from dashboard.bench.server import APP, BASELINE_APP, ROOT, chromium
from dashboard.bench.synthetic import generate
from dashboard.datasets.loader import DEFAULT_DATA_DIR, load_package

DEFAULT_JSON = ROOT / "bench-results" / "bench.json"
DEFAULT_LIGHTHOUSE_JSON = ROOT / "bench-results" / "lighthouse.json"


@dataclass
class Settings:
    # Sized for the 95 % intervals (intervals.py) from a run on 2 shared cores: the spread
    # between rounds (each on a fresh server, at another moment's machine load) outweighed the
    # spread within one, so many short rounds (one add and one remove per page) narrow the
    # intervals more than more changes per round. changes / rounds should be even (2 here).
    cold_repeat: int = 8
    changes: int = 16
    rounds: int = 8  # the filter changes are spread over this many interleaved rounds
    reruns: int = 3
    sessions: int = 10
    scale: float = 1.0
    synthetic_dir: Path | None = None
    keep: bool = False
    countries: tuple[str, ...] = ("ROU", "CHN", "TUR", "KOR", "KAZ", "UZB")
    pages: tuple[str, ...] = ()  # URL paths to measure; empty = every page in app.py
    timeout_s: float = 120.0
    page_budget_s: float = 30.0  # per page: filter changes, AppTest reruns
    memory_budget_s: float = 90.0  # the extra sessions' page visits
    json_path: Path = DEFAULT_JSON
    skip_synthetic: bool = False
    skip_browser: bool = False
    # The dashboard once more on today's data with this records database
    # (DASHBOARD_DATABASE_URL), for "with the records database within 1.1x of CSV-only".
    database_url: str | None = None
    saves: int = 8  # save → visible rounds per data set
    save_only: bool = False  # only the save → visible figures (python -m dashboard.bench save)
    lighthouse_runs: int = 3  # Lighthouse runs per URL (lighthouse.py)
    skip_lighthouse: bool = False
    lighthouse_only: bool = False  # python -m dashboard.bench lighthouse


QUICK = {
    "cold_repeat": 1,
    "changes": 4,
    "rounds": 2,
    "reruns": 2,
    "sessions": 3,
    "scale": 0.1,
    "page_budget_s": 20.0,
    "memory_budget_s": 30.0,
    "saves": 2,
    "lighthouse_runs": 1,
}


def app_pages(app: Path = APP) -> dict[str, str]:
    """URL path -> page file for every page of app.py that answers to the filters, in order;
    the default page is "/" and comes first."""
    pages = {
        "/" if page.default else "/" + page.url_path: page.page_file for page in filtered_pages(app)
    }
    return dict(sorted(pages.items(), key=lambda item: item[0] != "/"))


def _country_names(data_dir: Path, codes: tuple[str, ...]) -> list[str]:
    countries = pd.read_csv(data_dir / "countries.csv", dtype=str, keep_default_na=False)
    names = dict(zip(countries["iso3"], countries["name"], strict=False))
    return [names[c] for c in codes if c in names]


def _timed_load(data_dir: Path, env: dict[str, str]) -> tuple[float, dict[str, int], int]:
    with serverwork.environment(env):
        start = time.perf_counter()
        package = load_package(data_dir)
        seconds = time.perf_counter() - start
    rows = {name: len(frame) for name, frame in package.tables.items()}
    return seconds, rows, len(package.errors)


@dataclass
class Dataset:
    name: str
    data_dir: Path
    env: dict[str, str]
    rows: dict[str, int] = field(default_factory=dict)
    load_s: dict[str, float] = field(default_factory=dict)
    errors: int = 0


def _prepare_dataset(name: str, data_dir: Path, cache_dir: Path) -> Dataset:
    """Fill its Parquet cache (a restart's normal state) and time a cold and a warm load."""
    env = {"DASHBOARD_DATA_DIR": str(data_dir), "DASHBOARD_CACHE_DIR": str(cache_dir)}
    dataset = Dataset(name, data_dir, env)
    cold, _, _ = _timed_load(data_dir, env)
    warm, dataset.rows, dataset.errors = _timed_load(data_dir, env)
    dataset.load_s = {"cold_csv": cold, "warm_parquet": warm}
    print(
        f"  {name}: {sum(dataset.rows.values()):,} rows, {dataset.errors} error(s), "
        f"load {cold:.1f} s from CSV, {warm:.1f} s from Parquet",
        flush=True,
    )
    return dataset


@contextmanager
def _phase(results: dict, name: str) -> Iterator[None]:
    """Seconds spent in one step of the run, in results["phases_s"] (to size the defaults)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        phases = results.setdefault("phases_s", {})
        phases[name] = round(phases.get(name, 0.0) + time.perf_counter() - start, 1)


def run_all(settings: Settings) -> dict:
    """Run every measurement and return the figures (also printed and written as JSON)."""
    started = time.time()
    changes = settings.changes + settings.changes % 2  # add/remove pairs end where they began
    work = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    log_dir = settings.json_path.parent / "logs"
    results: dict = {
        "settings": {**asdict(settings), "changes": changes},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "method": {
            "first_visit": "the first visit to a started server once it is idle (its start-up "
            "work done): page requested -> first idle frame with a drawn plotly chart",
            "cold_start": "launch `streamlit run` -> first idle frame with a drawn plotly chart "
            "in Chromium (Parquet cache warm)",
            "interaction": "key press changing the filter -> 2nd animation frame after the "
            "rerun ends; median per page of every change in interleaved rounds (each round: "
            "every target on a fresh server, in turn)",
            "rerun_ms": "AppTest.run() of the page, median of reruns after a first run",
            "chart_bytes": "plotly figure JSON (PlotlyChart.spec) per rerun, AppTest",
            "table_bytes": "Arrow bytes of st.dataframe/st.table per rerun, AppTest",
            "memory": "server VmRSS after 1 session visited every page, and after N sessions",
            "floor": "per page, the page's elements snapshotted under AppTest (today's data; "
            "no filter, and each typed country alone in the filter) and replayed by "
            "floor_app.py from prebuilt figures and frames",
            "save_visible": "a meeting recorded through the store (fresh SQLite records "
            "database) -> the paint after the next rerun (the 'r' key) of the timeline in "
            "Chromium, which must count it; median of rounds on an idle server",
            "rerun_after_save": "that rerun alone, key press -> paint, beside an ordinary rerun "
            "(the same key, nothing saved) of the same round",
            "intervals": "95 % two-stage bootstrap (rounds, then values within each round) of "
            "the ratio of medians, seeded; met = whole interval within the limit, MISSED = "
            "wholly beyond it, else unclear (intervals.py)",
            "lighthouse": "Lighthouse CLI, mobile defaults (simulated throttling), performance "
            "and accessibility, on warm servers; medians of interleaved runs (lighthouse.py)",
        },
        "figures": {},
        "notes": [],
    }
    try:
        print("Preparing data…", flush=True)
        start_prepare = time.perf_counter()
        datasets = {TODAY: _prepare_dataset(TODAY, DEFAULT_DATA_DIR, work / "cache-today")}
        if not settings.skip_synthetic:
            synthetic_dir = settings.synthetic_dir
            if synthetic_dir is None or not (synthetic_dir / "datapackage.json").exists():
                start = time.perf_counter()
                synthetic_dir, _ = generate(
                    synthetic_dir or work / "synthetic", scale=settings.scale
                )
                print(
                    f"  generated the synthetic package in {time.perf_counter() - start:.1f} s"
                    f" at {synthetic_dir}",
                    flush=True,
                )
            datasets[SYNTHETIC] = _prepare_dataset(
                SYNTHETIC, synthetic_dir, work / "cache-synthetic"
            )
        results["datasets"] = {
            name: {"dir": str(d.data_dir), "rows": d.rows, "load_s": d.load_s, "errors": d.errors}
            for name, d in datasets.items()
        }
        results["phases_s"] = {"prepare": round(time.perf_counter() - start_prepare, 1)}

        if not (settings.save_only or settings.lighthouse_only):
            _page_figures(settings, datasets, changes, work, log_dir, results)
        if not (settings.skip_browser or settings.lighthouse_only):
            with _phase(results, "save"):
                _save_figures(settings, datasets, work, log_dir, results)
        if not (settings.skip_browser or settings.skip_lighthouse or settings.save_only):
            with _phase(results, "lighthouse"):
                _lighthouse_figures(settings, datasets[TODAY], log_dir, results)
    finally:
        if settings.keep:
            print(f"Kept the work folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    results["runtime_s"] = time.time() - started
    results["targets"] = evaluate_targets(results["figures"])
    print_table(results)
    settings.json_path.parent.mkdir(parents=True, exist_ok=True)
    settings.json_path.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(f"\nFigures written to {settings.json_path} (run took {results['runtime_s']:.0f} s)")
    phases = ", ".join(f"{name} {s:.0f} s" for name, s in results.get("phases_s", {}).items())
    if phases:
        print(f"Steps: {phases}")
    return results


def _page_figures(
    settings: Settings,
    datasets: dict[str, Dataset],
    changes: int,
    work: Path,
    log_dir: Path,
    results: dict,
) -> None:
    """Per page: the floor, server work per rerun (AppTest) and, in Chromium, cold start,
    interaction and memory."""
    pages = _selected_pages(settings)
    today = datasets[TODAY]
    print("Snapshotting every page for the same-shape floor…", flush=True)
    with serverwork.environment(today.env):
        snapshot = take_snapshot(APP, settings.timeout_s, settings.countries)
    floor_env = {SNAPSHOT_ENV: str(write_snapshot(snapshot, work / "floor-snapshot.pkl"))}
    for kind in sorted(snapshot.skipped_kinds()):
        results["notes"].append(f"floor: element kind {kind!r} is not replayed")
    today_choices = _country_names(today.data_dir, settings.countries)
    targets = [
        bb.Target(BASELINE, BASELINE_APP, {}, ["/"], "selectbox", ["Series 2", "Series 3"]),
        bb.Target(FLOOR, FLOOR_APP, floor_env, list(pages), "multiselect", today_choices),
    ]
    for d in datasets.values():
        choices = _country_names(d.data_dir, settings.countries)
        targets.append(bb.Target(d.name, APP, d.env, list(pages), "multiselect", choices))
    if settings.database_url:
        records_env = {**today.env, "DASHBOARD_DATABASE_URL": settings.database_url}
        targets.append(
            bb.Target(RECORDS, APP, records_env, list(pages), "multiselect", today_choices)
        )

    print("Server work per rerun (AppTest)…", flush=True)
    started = time.perf_counter()
    for target in targets:
        page_choices: dict[str, serverwork.PageChoice] = pages
        if target.name == BASELINE:
            page_choices = {"/": None}
        elif target.name == FLOOR:
            page_choices = {
                path: partial(switch_floor_page, url_path=path.strip("/")) for path in pages
            }
        figures = serverwork.measure_pages(
            Path(target.app),
            page_choices,
            target.env,
            settings.reruns,
            settings.timeout_s,
            settings.page_budget_s,
        )
        for path, page in figures.items():
            for message in page.pop("exception_messages", []):
                results["notes"].append(f"{target.name} {path}: exception: {message}"[:300])
        results["figures"].setdefault(target.name, {})["pages"] = {
            path: dict(page) for path, page in figures.items()
        }
        print(f"  {target.name}: done", flush=True)
    results["phases_s"]["server work"] = round(time.perf_counter() - started, 1)

    if not settings.skip_browser:
        _browser_figures(settings, targets, changes, log_dir, results)


def _selected_pages(settings: Settings) -> dict[str, str]:
    pages = app_pages()
    if settings.pages:
        pages = {path: file for path, file in pages.items() if path in settings.pages}
    return pages


def _lighthouse_figures(settings: Settings, today: Dataset, log_dir: Path, results: dict) -> None:
    """Lighthouse on the baseline's "/" and every page on today's data; a note (and the other
    figures kept) when it cannot run."""
    reason = lighthouse.missing()
    if reason:
        results["notes"].append(f"Lighthouse skipped: {reason}")
        print(f"Lighthouse skipped: {reason}", flush=True)
        return
    try:
        found = lighthouse.measure(
            today.env,
            list(_selected_pages(settings)),
            max(1, settings.lighthouse_runs),
            log_dir,
            APP,
            results["notes"],
            partial(print, flush=True),
        )
    except Exception as exc:  # noted; the other figures are kept
        results["notes"].append(f"Lighthouse failed: {exc!r}"[:500])
        return
    for name, by_path in found.items():
        results["figures"].setdefault(name, {})["lighthouse"] = by_path


def _save_figures(
    settings: Settings, datasets: dict[str, Dataset], work: Path, log_dir: Path, results: dict
) -> None:
    """Save → visible on the timeline, and the first rerun after a save, per data set."""
    with chromium() as browser:
        for name, d in datasets.items():
            print(f"Save → visible: {name}…", flush=True)
            try:
                measured = measure_save(
                    browser,
                    d.data_dir,
                    d.env,
                    work / f"records-{name}.sqlite",
                    log_dir,
                    settings.saves,
                    settings.timeout_s,
                )
            except Exception as exc:  # noted; the other data set is still measured
                results["notes"].append(f"{name}: save → visible failed: {exc!r}"[:500])
                continue
            results["figures"].setdefault(name, {})["save"] = measured.summary()
            results["notes"] += [f"{name} save → visible: {note}" for note in measured.notes]


def _browser_figures(
    settings: Settings, targets: list[bb.Target], changes: int, log_dir: Path, results: dict
) -> None:
    with chromium() as browser:
        print("Cold start…", flush=True)
        # The floor's figures are per page; its start-up is not a target.
        cold_targets = [t for t in targets if t.name != FLOOR]
        cold: dict[str, list[float]] = {t.name: [] for t in cold_targets}
        cold_started = time.perf_counter()
        for _ in range(settings.cold_repeat):  # interleaved, so noise hits every target alike
            for target in cold_targets:
                try:
                    seconds, drawn = bb.cold_start(browser, target, log_dir, settings.timeout_s)
                except Exception as exc:  # noted; the other targets are still measured
                    results["notes"].append(f"{target.name}: cold start failed: {exc!r}"[:500])
                    continue
                cold[target.name].append(seconds)
                if not drawn:
                    note = f"{target.name}: no chart on {target.pages[0]}; cold start timed to "
                    note += "the first idle frame with a title"
                    if note not in results["notes"]:
                        results["notes"].append(note)
        # The first visit to a started, idle server: a shared link opened on a running one.
        first: dict[str, list[float]] = {t.name: [] for t in cold_targets}
        for _ in range(settings.cold_repeat):
            for target in cold_targets:
                try:
                    seconds, _ = bb.cold_start(
                        browser, target, log_dir, settings.timeout_s, idle_first=True
                    )
                except Exception as exc:  # noted; the other targets are still measured
                    results["notes"].append(f"{target.name}: first visit failed: {exc!r}"[:500])
                    continue
                first[target.name].append(seconds)
        for target in cold_targets:
            figures = results["figures"][target.name]
            if cold[target.name]:
                figures["cold_start_s"] = statistics.median(cold[target.name])
            figures["cold_start_all_s"] = cold[target.name]
            if first[target.name]:
                figures["first_visit_s"] = statistics.median(first[target.name])
            figures["first_visit_all_s"] = first[target.name]
        results["phases_s"]["cold start"] = round(time.perf_counter() - cold_started, 1)

        # In rounds, each target's server afresh in every round: a change of load during the run
        # then hits the floor and the dashboard alike instead of the one measured last.
        rounds = max(1, min(settings.rounds, changes // 2))
        # Per target and page, each round's change times (kept apart for the intervals).
        times: dict[str, dict[str, list[list[float]]]] = {t.name: {} for t in targets}
        interaction_started = time.perf_counter()
        for done in range(rounds):
            for target in targets:
                print(f"Interaction (round {done + 1} of {rounds}): {target.name}…", flush=True)
                try:
                    sessions = _one_round(settings, browser, target, changes, rounds, done, log_dir)
                except Exception as exc:  # one broken round must not lose the other figures
                    note = f"{target.name}: interaction/memory failed in round {done + 1}: {exc!r}"
                    results["notes"].append(note[:500])
                    continue
                for path, measured in sessions.interaction_ms.items():
                    times[target.name].setdefault(path, []).append(list(measured))
                figures = results["figures"][target.name]
                for path, count in sessions.charts.items():
                    figures["pages"].setdefault(path, {})["charts_in_browser"] = count
                results["notes"] += sessions.notes
                if done == rounds - 1:  # the extra sessions are opened in the last round
                    figures["memory_mb"] = _memory(sessions, with_sessions=target.name != FLOOR)
        results["phases_s"]["interaction"] = round(time.perf_counter() - interaction_started, 1)
        for target in targets:
            for path, per_round in times[target.name].items():
                measured = [value for one in per_round for value in one]
                page = results["figures"][target.name]["pages"].setdefault(path, {})
                page["interaction_ms"] = statistics.median(measured)
                page["interaction_range_ms"] = [min(measured), max(measured)]
                page["interaction_changes"] = len(measured)
                page["interaction_rounds_ms"] = per_round


def _memory(sessions: bb.SessionFigures, with_sessions: bool) -> dict[str, float | None]:
    """Server memory idle and with one session; with the extra sessions' when there were any
    (the floor opens none)."""
    memory = {"idle": sessions.rss_idle_mb, "one_session": sessions.rss_1_mb}
    if with_sessions:
        memory |= {
            "n_sessions": sessions.rss_n_mb,
            "sessions": sessions.sessions,
            "per_session": sessions.per_session_mb,
        }
    return memory


def _one_round(
    settings: Settings,
    browser,
    target: bb.Target,
    changes: int,
    rounds: int,
    done: int,
    log_dir: Path,
) -> bb.SessionFigures:
    """One round of filter changes on every page of `target`, on a fresh server; the memory of
    extra sessions in the last round only. Each round types the next countries of the list."""
    per_round = 2 * max(1, changes // (2 * rounds))
    step = per_round // 2 if target.filter_kind == "multiselect" else per_round
    shift = (done * step) % len(target.choices)
    extra_sessions = done == rounds - 1 and target.name != FLOOR
    return bb.interaction_and_memory(
        browser,
        replace(target, choices=target.choices[shift:] + target.choices[:shift]),
        log_dir,
        per_round,
        settings.sessions if extra_sessions else 1,
        settings.timeout_s,
        settings.page_budget_s / rounds,
        settings.memory_budget_s,
    )
