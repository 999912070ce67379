"""Lighthouse scores (performance and accessibility) of every page, beside the bare app's.

python -m dashboard.bench lighthouse [--pages / /country] [--runs 3]   this step alone
python -m dashboard.bench [all] [--lighthouse-runs N | --no-lighthouse]   part of the full run

Lighthouse is the npm package pinned in dashboard/bench/lighthouse/package.json (12.x: 13.x
needs Node 22, Debian ships 20); install it once with `npm ci --prefix dashboard/bench/lighthouse`.
It is run through its CLI with Debian's Chromium (CHROME_PATH), headless, with the same
host-resolver rule as the benchmark's own browser (no traffic leaves the machine), with its
default mobile settings (a mid-range phone's screen and simulated slow-4G and 4× CPU
throttling: the scores and times are Lighthouse's model of such a phone, not this machine's
clock), only the performance and accessibility categories, and the JSON report on stdout.

Servers: the bare one-chart app (baseline_app.py, its "/") and the dashboard on today's data,
one started server per URL, each warmed first by one visit in the benchmark's own Chromium (so
the Python side's start-up, imports and data load are not measured: Lighthouse sees a warm
server and a browser with an empty cache, storage reset by Lighthouse before each run) and left
to finish its background work (`StreamlitServer.wait_until_idle`) before every run. Streamlit
draws a page from websocket messages after the HTML has loaded, so Lighthouse is given a
generous `--max-wait-for-load`. The runs are interleaved in rounds (each round: the baseline,
then every page in turn), so a change in the machine's load hits them alike.

Per URL: every run's scores and the medians of the performance score (0–100), the
accessibility score (0–100), Total Blocking Time, Largest and First Contentful Paint, Speed
Index and Cumulative Layout Shift, and the accessibility audits that failed in any run.

Targets (report.py): each page's median performance ≥ the baseline's median, and its
accessibility ≥ 95. The performance verdict bootstraps the difference of the two medians over
the runs (intervals.difference_interval, each run its own round): "met" when the whole 95 %
interval is ≥ 0, "MISSED" when it is wholly < 0, else "unclear — more rounds". With 3 runs the
bootstrap's median of three is any of the three values often enough that the interval is the
runs' range: "met" then means the page's worst run scored at least the baseline's best.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path

from dashboard.bench.server import BASELINE_APP, CHROMIUM, CHROMIUM_ARGS, ROOT, StreamlitServer

PACKAGE_DIR = Path(__file__).resolve().with_name("lighthouse")
CLI = PACKAGE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
INSTALL = "npm ci --prefix dashboard/bench/lighthouse"
CATEGORIES = ("performance", "accessibility")
MAX_WAIT_FOR_LOAD_MS = 90_000
RUN_TIMEOUT_S = 300.0
WARM_TIMEOUT_S = 120.0
RUNS = 3
# Lighthouse parses --chrome-flags itself (yargs): a value with spaces must be quoted after the
# "=", or the flag before it takes the whole quoted text as its value.
_RESOLVER = next(arg for arg in CHROMIUM_ARGS if arg.startswith("--host-resolver-rules="))
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu"]
CHROME_FLAGS.append('--host-resolver-rules="{}"'.format(_RESOLVER.split("=", 1)[1]))
AUDITS = {  # figure -> Lighthouse audit id (its numericValue)
    "tbt_ms": "total-blocking-time",
    "lcp_ms": "largest-contentful-paint",
    "fcp_ms": "first-contentful-paint",
    "si_ms": "speed-index",
    "cls": "cumulative-layout-shift",
}


def missing() -> str | None:
    """Why Lighthouse cannot run here (with how to fix it), or None when it can."""
    if shutil.which("node") is None:
        return f"node is not installed (apt-get install nodejs npm, then {INSTALL})"
    if not CLI.exists():
        return f"the Lighthouse npm package is not installed: {INSTALL}"
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)"
    return None


def command(url: str) -> list[str]:
    """The Lighthouse CLI call for `url`: mobile defaults, JSON report on stdout."""
    return [
        "node",
        str(CLI),
        url,
        "--chrome-flags=" + " ".join(CHROME_FLAGS),
        "--only-categories=" + ",".join(CATEGORIES),
        "--output=json",
        "--output-path=stdout",
        f"--max-wait-for-load={MAX_WAIT_FOR_LOAD_MS}",
        "--quiet",
    ]


def _score(report: dict, category: str) -> float | None:
    score = report.get("categories", {}).get(category, {}).get("score")
    return None if score is None else round(float(score) * 100, 1)


def parse_report(report: dict) -> dict:
    """One run's figures from Lighthouse's JSON result: scores 0–100 (None when Lighthouse could
    not score), the times in ms, the accessibility audits that failed, and its error if any."""
    audits = report.get("audits", {})
    run: dict = {category: _score(report, category) for category in CATEGORIES}
    for key, audit in AUDITS.items():
        value = audits.get(audit, {}).get("numericValue")
        run[key] = None if value is None else float(value)
    refs = report.get("categories", {}).get("accessibility", {}).get("auditRefs", [])
    run["accessibility_failed"] = [
        ref["id"]
        for ref in refs
        if ref.get("weight", 0) > 0 and audits.get(ref["id"], {}).get("score") == 0
    ]
    error = report.get("runtimeError")
    run["error"] = None if not error else f"{error.get('code')}: {error.get('message', '')}"[:300]
    return run


def _median(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return statistics.median(kept) if kept else None


def summarize(runs: list[dict]) -> dict:
    """Medians over the runs (and the performance and accessibility ranges), all runs kept."""
    summary: dict = {"runs": runs}
    for key in (*CATEGORIES, *AUDITS):
        summary[key] = _median([run.get(key) for run in runs])
    for key in CATEGORIES:
        kept = [run[key] for run in runs if run.get(key) is not None]
        summary[f"{key}_range"] = [min(kept), max(kept)] if kept else None
    summary["accessibility_failed"] = sorted(
        {audit for run in runs for audit in run.get("accessibility_failed", [])}
    )
    summary["errors"] = [run["error"] for run in runs if run.get("error")]
    return summary


def run_once(url: str, timeout_s: float = RUN_TIMEOUT_S) -> dict:
    """One Lighthouse run on `url`, parsed; a failure comes back as {"error": ...}."""
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    process = subprocess.Popen(
        command(url),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its Chromium is in the same group, ended with it on a timeout
    )
    try:
        out, err = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"error": f"no result in {timeout_s:g} s"}
    if process.returncode != 0 or not out.strip():
        return {"error": f"exit {process.returncode}: {err.strip()[-300:]}"}
    try:
        return parse_report(json.loads(out))
    except json.JSONDecodeError as exc:
        return {"error": f"unreadable report: {exc}"}


def _warm(browser, server: StreamlitServer, path: str, timeout_s: float) -> None:
    """One visit in the benchmark's Chromium, as a first user's, then wait for quiet."""
    from dashboard.bench.browser import new_session

    context, _ = new_session(browser, server.url + path, timeout_s * 1000)
    context.close()
    server.wait_until_idle(timeout_s=timeout_s)


def measure(
    env: dict[str, str],
    pages: list[str],
    runs: int,
    log_dir: Path,
    app: Path,
    notes: list[str],
    progress: Callable[[str], None] = print,
) -> dict[str, dict[str, dict]]:
    """{"baseline": {"/": summary}, "today": {path: summary, ...}} for `runs` interleaved
    rounds; problems go to `notes`."""
    from dashboard.bench.report import BASELINE, TODAY
    from dashboard.bench.server import chromium

    urls = [(BASELINE, BASELINE_APP, {}, "/")] + [(TODAY, app, env, path) for path in pages]
    servers: list[StreamlitServer] = []
    found: dict[str, dict[str, list[dict]]] = {BASELINE: {}, TODAY: {}}
    try:
        progress(f"Lighthouse: starting and warming {len(urls)} servers…")
        with chromium() as browser:
            for _, script, server_env, path in urls:
                server = StreamlitServer(script, server_env, log_dir)
                servers.append(server)
                server.start(WARM_TIMEOUT_S)
                _warm(browser, server, path, WARM_TIMEOUT_S)
        for done in range(runs):
            for (name, _, _, path), server in zip(urls, servers, strict=True):
                progress(f"Lighthouse (run {done + 1} of {runs}): {name} {path}…")
                server.wait_until_idle(timeout_s=30)
                run = run_once(server.url + path)
                found[name].setdefault(path, []).append(run)
                if run.get("error"):
                    notes.append(f"lighthouse {name} {path} run {done + 1}: {run['error']}"[:500])
    finally:
        for server in servers:
            server.stop()
    return {
        name: {path: summarize(r) for path, r in by_path.items()} for name, by_path in found.items()
    }
