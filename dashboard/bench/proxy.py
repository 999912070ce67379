"""First visit to the Overview, directly and through nginx: bytes transferred and time to the
first drawn chart.

python -m dashboard.bench proxy [--visits N] [--json FILE]

One `streamlit run` of the dashboard (an SQLite records database in a temporary folder), and
nginx from deploy/ in front of it (TLS with a throw-away certificate, gzip); where nginx has
the brotli module, a second nginx with the brotli snippet as well. Each visit is a new browser
context (an empty cache, a new session) in Debian's Chromium; the bytes are what Chromium
received over the network for every request (headers included, compressed as sent) plus the
websocket's messages, counted through the DevTools protocol; the time runs from the
navigation's start to the first frame in which the app is idle and a plotly chart is drawn
(`browser.READY_RECORDER`). Each way is measured on loopback and on an emulated ministry link
(Chromium's network emulation: 10 Mbit/s down, 5 up, 40 ms round trip), where the bytes cost
time. A first visit to each way warms the server and is not counted. A visit that draws no
chart within 60 s is reported with the requests still open and tried again: through nginx on
the emulated link (HTTP/2) one visit in five to ten stalls so, although nginx's access log
shows every response sent; never on loopback and never directly (HTTP/1.1), so it is taken
for an artefact of Chromium's emulation.
"""

from __future__ import annotations

import base64
import json
import shutil
import statistics
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from dashboard.bench.browser import READY_RECORDER
from dashboard.bench.nginx import NginxProxy, brotli_available
from dashboard.bench.server import APP, ROOT, VIEWPORT, StreamlitServer, chromium

DEFAULT_JSON = ROOT / "bench-results" / "proxy.json"
ISSUE_BYTES = 9.4e6  # the first visit the issue measured, before the proxy
MINISTRY_LINK = {  # Chromium's Network.emulateNetworkConditions, bytes per second
    "offline": False,
    "latency": 40,
    "downloadThroughput": 10e6 / 8,
    "uploadThroughput": 5e6 / 8,
}
TIMEOUT_MS = 60_000
CHART_DRAWN = "() => !!window.__benchReady && window.__benchReady.chart !== null"


@dataclass
class Visit:
    http_bytes: int
    websocket_bytes: int
    requests: int
    chart_ms: float

    @property
    def total_bytes(self) -> int:
        return self.http_bytes + self.websocket_bytes


def _frame_bytes(params: dict) -> int:
    response = params["response"]
    payload = response.get("payloadData", "")
    # Binary frames (opcode 2, Streamlit's protobuf messages) arrive base64-encoded.
    return len(base64.b64decode(payload)) if response.get("opcode") == 2 else len(payload)


class VisitFailed(Exception):
    """A visit that did not draw its chart in time; says which requests were still open."""


def first_visit(browser, url: str, link: dict | None) -> Visit:  # noqa: ANN001 (Playwright)
    """One first visit to `url` in a new context; `link`: network conditions to emulate."""
    context = browser.new_context(viewport=VIEWPORT, ignore_https_errors=True)
    context.add_init_script(READY_RECORDER)
    page = context.new_page()
    counted = {"http": 0, "ws": 0, "requests": 0}
    pending: dict[str, str] = {}

    def finished(params: dict) -> None:
        pending.pop(params["requestId"], None)
        counted["http"] += int(params["encodedDataLength"])
        counted["requests"] += 1

    def frame(params: dict) -> None:
        counted["ws"] += _frame_bytes(params)

    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        if link:
            cdp.send("Network.emulateNetworkConditions", link)
        cdp.on(
            "Network.requestWillBeSent",
            lambda p: pending.update({p["requestId"]: p["request"]["url"]}),
        )
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.loadingFailed", lambda p: pending.pop(p["requestId"], None))
        cdp.on("Network.webSocketFrameReceived", frame)
        cdp.on("Network.webSocketFrameSent", frame)
        try:
            page.goto(url, timeout=TIMEOUT_MS)
            page.wait_for_function(CHART_DRAWN, timeout=TIMEOUT_MS, polling=50)
            ready = page.evaluate("window.__benchReady.chart - performance.timeOrigin")
            page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
        except PlaywrightTimeoutError:
            open_requests = sorted(u.rsplit("/", 1)[-1] or u for u in pending.values())
            raise VisitFailed(
                f"no chart in {TIMEOUT_MS / 1000:.0f} s; open: {open_requests}"
            ) from None
        return Visit(counted["http"], counted["ws"], counted["requests"], ready)
    finally:
        context.close()


def _summary(visits: list[Visit], failures: list[str]) -> dict:
    return {
        "visits": [asdict(v) | {"total_bytes": v.total_bytes} for v in visits],
        "failed": failures,
        "total_mb": statistics.median(v.total_bytes for v in visits) / 1e6,
        "http_mb": statistics.median(v.http_bytes for v in visits) / 1e6,
        "websocket_mb": statistics.median(v.websocket_bytes for v in visits) / 1e6,
        "requests": statistics.median(v.requests for v in visits),
        "chart_ms": statistics.median(v.chart_ms for v in visits),
    }


def _visits(browser, url: str, link: dict | None, visits: int) -> dict:  # noqa: ANN001
    """`visits` first visits that drew their chart, and what went wrong in the others (each way
    and link gets at most twice as many tries)."""
    done, failures = [], []
    for _ in range(2 * visits):
        if len(done) == visits:
            break
        try:
            done.append(first_visit(browser, url, link))
        except VisitFailed as failed:
            failures.append(str(failed))
    if not done:
        raise RuntimeError(f"no visit to {url} drew its chart: {failures}")
    return _summary(done, failures)


def measure_first_visit(visits: int = 3) -> dict:
    """Median figures per way (direct; through nginx with gzip; with brotli too, where nginx
    has the module) and link (loopback, ministry link)."""
    work = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    server = StreamlitServer(
        APP,
        {
            "DASHBOARD_CACHE_DIR": str(work / "cache"),
            "XDG_STATE_HOME": str(work / "state"),
            "DASHBOARD_DATABASE_URL": f"sqlite:///{work / 'records.sqlite'}",
        },
        work,
    )
    proxies = {"nginx, gzip": NginxProxy([server.port], brotli=False)}
    if brotli_available():
        proxies["nginx, brotli"] = NginxProxy([server.port], brotli=True)
    results: dict = {}
    try:
        server.start()
        ways = {"direct": server.url + "/"}
        for name, proxy in proxies.items():
            ways[name] = proxy.start().url + "/"
        with chromium() as browser:
            for way, url in ways.items():
                first_visit(browser, url, None)  # warms the server's caches for this way
                for link_name, link in (("loopback", None), ("ministry link", MINISTRY_LINK)):
                    results[f"{way}, {link_name}"] = _visits(browser, url, link, visits)
    finally:
        for proxy in proxies.values():
            proxy.stop()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return results


def print_first_visit(results: dict) -> None:
    print("First visit to the Overview (median)")
    print(f"{'':<28}{'MB':>8}{'of which ws':>13}{'requests':>10}{'chart ms':>10}")
    for name, row in results.items():
        print(
            f"{name:<28}{row['total_mb']:>8.2f}{row['websocket_mb']:>13.2f}"
            f"{row['requests']:>10.0f}{row['chart_ms']:>10.0f}"
        )
        for failure in row["failed"]:
            print(f"  a visit failed: {failure}")
    print("target: through the proxy at most a third of 9.4 MB (3.13 MB)")
    for name, row in results.items():
        if name.startswith("nginx"):
            verdict = "met" if row["total_mb"] * 1e6 <= ISSUE_BYTES / 3 else "MISSED"
            print(f"  {name}: {row['total_mb']:.2f} MB, {verdict}")


def run_first_visit(visits: int, json_path: Path) -> dict:
    results = measure_first_visit(visits)
    print_first_visit(results)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"figures written to {json_path}")
    return results
