"""A load run through the proxy: many sessions changing filters and opening pages at once, on
two replicas behind nginx and then on one.

python -m dashboard.bench load-run [--sessions 20] [--minutes 3] [--database-url URL] ...

Each phase starts afresh: the replicas (`streamlit run` of the dashboard on today's data, all
on one records database) and nginx from deploy/ in front of them (TLS with a throw-away
certificate; for one replica, the site file with the second replica's lines removed, as an
operator would). The replicas are warmed (each page visited once, background work done) before
the sessions start.

The sessions are a protocol-level client, not browsers: twenty Chromiums do not fit on two
cores beside the servers. Each session does what the browser does over the network, through
nginx: the page's HTML (which gives it the replica cookie), then the websocket
(/_stcore/stream) with Streamlit's own messages: a rerun request (BackMsg) with the page, the
URL's query string and the widgets' values, answered by the script's output (ForwardMsg) up
to "script finished". Its interactions, each after a pause of 1–4 s (a person reading):
open another page (as a link in the menu does), or add a partner country to the sidebar's
Country filter or take it out again. An interaction is timed from the request to the last
message of the rerun: the server's and the network's share of what a person waits for, not
the browser's drawing. Errors: an exception shown on the page, a page not found, a closed
websocket, or no answer within 60 s. Server memory is the replicas' resident memory (summed),
sampled every 2 s. The client runs on the same two cores as the servers.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import ssl
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.bench.nginx import NginxProxy
from dashboard.bench.server import APP, ROOT, StreamlitServer

DEFAULT_JSON = ROOT / "bench-results" / "load-run.json"
PAGES = ["/", "/country", "/compare", "/programmes", "/areas", "/timeline", "/followups"]
PAGES += ["/sources"]
if TYPE_CHECKING:
    from streamlit.proto.Delta_pb2 import Delta

THINK_S = (1.0, 4.0)
ANSWER_TIMEOUT_S = 60.0
COUNTRY_LABEL = "Country"
PARTNERS = 12  # the first partner countries in the filter's list are the ones the sessions add


@dataclass
class Settings:
    sessions: int = 20
    minutes: float = 3.0
    database_url: str | None = None
    json_path: Path = DEFAULT_JSON


@dataclass
class PhaseFigures:
    replicas: int
    sessions: int
    seconds: float = 0.0
    times_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    memory_mb: list[float] = field(default_factory=list)  # summed over the replicas
    sessions_per_replica: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, ms: float) -> None:
        self.times_ms.setdefault(kind, []).append(ms)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def summary(self) -> dict:
        def pct(values: list[float], q: int) -> float:
            return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

        return {
            "replicas": self.replicas,
            "sessions": self.sessions,
            "seconds": round(self.seconds, 1),
            "interactions": sum(len(v) for v in self.times_ms.values()),
            "errors": dict(self.errors),
            "per_interaction": {
                kind: {
                    "count": len(values),
                    "p50_ms": round(pct(values, 50)),
                    "p95_ms": round(pct(values, 95)),
                }
                for kind, values in self.times_ms.items()
                if len(values) >= 2
            },
            "memory_mb": {
                "start": round(self.memory_mb[0]) if self.memory_mb else None,
                "peak": round(max(self.memory_mb)) if self.memory_mb else None,
                "end": round(self.memory_mb[-1]) if self.memory_mb else None,
            },
            "sessions_per_replica": self.sessions_per_replica,
        }


class SessionError(Exception):
    """What went wrong in one interaction, in words for the error count."""


class Session:
    """One person's tab, at the protocol level: Streamlit's messages over the websocket."""

    def __init__(self, base_url: str, tls: ssl.SSLContext) -> None:
        self.base_url = base_url
        self.tls = tls
        self.cookies: dict[str, str] = {}
        self.query_string = ""
        self.pages: dict[str, str] = {}  # url path → page_script_hash
        self.page_hash = ""  # the page shown ("": the default page)
        self.country: tuple[str, list[str]] | None = None  # widget id, options
        self.chosen: list[str] = []
        self.ws = None

    def _cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _first_get(self) -> None:
        """The page's HTML, as a browser's first request: nginx answers with its cookie."""
        request = urllib.request.Request(
            self.base_url + "/", headers={"Cookie": self._cookie_header()}
        )
        with urllib.request.urlopen(request, context=self.tls, timeout=30) as resp:
            resp.read()
            for header in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def open(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.typing import Subprotocol

        await asyncio.to_thread(self._first_get)
        host = self.base_url.split("//", 1)[1]
        self.ws = await connect(
            f"wss://{host}/_stcore/stream",
            ssl=self.tls,
            origin=self.base_url,
            subprotocols=[Subprotocol("streamlit")],
            additional_headers={"Cookie": self._cookie_header()},
            max_size=None,
            compression=None,
            open_timeout=30,
        )

    async def rerun(self, page: str | None = None, country: list[str] | None = None) -> None:
        """Ask for a rerun (of `page`, or with the Country filter set to `country`) and read
        the answer to its end; SessionError on an error shown or no answer."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.context_info.timezone = "Asia/Karachi"
        state.context_info.locale = "en-GB"
        state.context_info.url = self.base_url + (page or "/")
        # The page shown (the browser always names it), or the one a menu link opens.
        state.page_script_hash = self.page_hash
        if page is not None and page in self.pages:
            state.page_script_hash = self.pages[page]
            state.query_string = ""
        if country is not None and self.country is not None:
            widget = state.widget_states.widgets.add()
            widget.id = self.country[0]
            widget.string_array_value.data.extend(country)
        await self.ws.send(msg.SerializeToString())
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        problem = None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SessionError("no answer within 60 s")
            try:
                data = await asyncio.wait_for(self.ws.recv(), left)
            except TimeoutError:
                raise SessionError("no answer within 60 s") from None
            except Exception as exc:  # the websocket closed
                raise SessionError(f"websocket closed ({type(exc).__name__})") from None
            fwd = ForwardMsg.FromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "delta":
                problem = problem or self._read_delta(fwd.delta)
            elif kind == "new_session":
                self.page_hash = fwd.new_session.page_script_hash
            elif kind == "navigation":
                self.pages = {
                    "/" + p.url_pathname if p.url_pathname else "/": p.page_script_hash
                    for p in fwd.navigation.app_pages
                }
            elif kind == "page_info_changed":
                self.query_string = fwd.page_info_changed.query_string
            elif kind == "page_not_found":
                problem = "page not found"
            elif kind == "script_finished":
                if problem:
                    raise SessionError(problem)
                return

    def _read_delta(self, delta: Delta) -> str | None:
        """Note the Country filter's widget; an exception element is an error."""
        if delta.WhichOneof("type") != "new_element":
            return None
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            return "exception shown"
        if kind == "multiselect" and element.multiselect.label == COUNTRY_LABEL:
            self.country = (element.multiselect.id, list(element.multiselect.options))
        return None

    def next_country_value(self, rng: random.Random) -> list[str]:
        """Add a partner to the filter, or take the last one out again."""
        if self.chosen:
            self.chosen = []
        elif self.country is not None:
            self.chosen = [rng.choice(self.country[1][:PARTNERS])]
        return self.chosen

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


async def _timed(figures: PhaseFigures, kind: str, action: Awaitable[None]) -> None:
    start = time.perf_counter()
    try:
        await action
    except SessionError as exc:
        figures.error(f"{kind}: {exc}")
        raise
    figures.add(kind, (time.perf_counter() - start) * 1000)


async def _one_person(
    n: int, proxy: NginxProxy, tls: ssl.SSLContext, figures: PhaseFigures, until: float
) -> None:
    from websockets.exceptions import WebSocketException

    rng = random.Random(n)
    await asyncio.sleep(n * 0.5)  # people arrive over the first seconds, not all at once
    session = Session(proxy.url, tls)
    try:
        try:
            await session.open()
        except (OSError, WebSocketException) as exc:  # refused, TLS, handshake
            figures.error(f"connect: {type(exc).__name__}")
            return
        replica = session.cookies.get("stpd_replica", "?")
        figures.sessions_per_replica[replica] = figures.sessions_per_replica.get(replica, 0) + 1
        page = rng.choice(PAGES)
        await _timed(figures, "first page of a session", session.rerun(page))
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(*THINK_S))
            if rng.random() < 0.5 or session.country is None:
                page = rng.choice([p for p in PAGES if p != page])
                await _timed(figures, "open a page", session.rerun(page))
            else:
                value = session.next_country_value(rng)
                await _timed(figures, "change the filter", session.rerun(country=value))
    except SessionError:
        return  # counted; this person's tab is broken, as a browser's would be
    finally:
        await session.close()


async def _sample_memory(
    replicas: list[StreamlitServer], figures: PhaseFigures, until: float
) -> None:
    while time.monotonic() < until:
        figures.memory_mb.append(sum(server.rss_mb() for server in replicas))
        await asyncio.sleep(2)


async def _drive(
    proxy: NginxProxy, replicas: list[StreamlitServer], settings: Settings, figures: PhaseFigures
) -> None:
    tls = ssl.create_default_context(cafile=str(proxy.cert))
    until = time.monotonic() + settings.minutes * 60
    start = time.monotonic()
    people = [_one_person(n, proxy, tls, figures, until) for n in range(settings.sessions)]
    await asyncio.gather(_sample_memory(replicas, figures, until + 5), *people)
    figures.seconds = time.monotonic() - start


async def _warm(proxy: NginxProxy, tls: ssl.SSLContext, replicas: list[StreamlitServer]) -> None:
    """Every page once on each replica (through nginx, with the cookie that names it), as the
    day's first visitors do; then each replica's background work (partner pages built ahead)
    is left to finish."""
    for server in replicas:
        session = Session(proxy.url, tls)
        session.cookies["stpd_replica"] = f"127.0.0.1:{server.port}"
        await session.open()
        try:
            for page in PAGES:
                await session.rerun(page)
        finally:
            await session.close()
    for server in replicas:
        await asyncio.to_thread(server.wait_until_idle, 1.0, 120)


def _phase(work: Path, database_url: str, replicas: int, settings: Settings) -> PhaseFigures:
    servers = [
        StreamlitServer(
            APP,
            {
                "DASHBOARD_CACHE_DIR": str(work / "cache"),
                "XDG_STATE_HOME": str(work / f"state-{n}"),
                "DASHBOARD_DATABASE_URL": database_url,
            },
            work,
        )
        for n in range(replicas)
    ]
    proxy = NginxProxy([server.port for server in servers])
    figures = PhaseFigures(replicas=replicas, sessions=settings.sessions)
    try:
        for server in servers:
            server.start()
        proxy.start()
        tls = ssl.create_default_context(cafile=str(proxy.cert))
        asyncio.run(_warm(proxy, tls, servers))
        asyncio.run(_drive(proxy, servers, settings, figures))
    finally:
        proxy.stop()
        for server in servers:
            server.stop()
    return figures


def measure_load_run(settings: Settings) -> dict:
    """Both phases, two replicas then one, on one records database: the one given, or a
    throw-away PostgreSQL cluster (Debian's binaries), or else an SQLite file."""
    from dashboard.bench.postgres import PostgresServer, postgres_available
    from dashboard.records import RecordsStore

    work = Path(tempfile.mkdtemp(prefix="bench-load-run-"))
    cluster = None
    try:
        url = settings.database_url
        if url is None and postgres_available():
            cluster = PostgresServer().start()
            url = cluster.new_database()
        url = url or f"sqlite:///{work / 'records.sqlite'}"
        store = RecordsStore(url)
        try:
            store.upgrade()  # before the replicas start, as the deployment recipe does
        finally:
            store.close()
        phases = [_phase(work, url, replicas, settings) for replicas in (2, 1)]
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "database": url.split(":", 1)[0],
        "client": "protocol level (Streamlit's websocket messages), one asyncio process",
        "think_s": list(THINK_S),
        "phases": [phase.summary() for phase in phases],
    }


def print_load_run(results: dict) -> None:
    two, one = results["phases"]
    print(
        f"Load run: {two['sessions']} sessions through nginx, {two['seconds']:.0f} s per phase, "
        f"records in {results['database']}; {results['client']}"
    )
    print(f"{'':<40}{'two replicas':>16}{'one replica':>16}")

    def row(label: str, a: object, b: object) -> None:
        print(f"{label:<40}{a!s:>16}{b!s:>16}")

    row("interactions", two["interactions"], one["interactions"])
    row("errors", sum(two["errors"].values()), sum(one["errors"].values()))
    for kind in ("first page of a session", "open a page", "change the filter"):
        a, b = two["per_interaction"].get(kind), one["per_interaction"].get(kind)
        row(
            f"{kind}, p50 / p95 ms",
            f"{a['p50_ms']} / {a['p95_ms']}" if a else "-",
            f"{b['p50_ms']} / {b['p95_ms']}" if b else "-",
        )
    for moment in ("start", "peak", "end"):
        row(f"server memory MB, {moment}", two["memory_mb"][moment], one["memory_mb"][moment])
    row("sessions per replica", _per_replica(two), _per_replica(one))
    for phase in (two, one):
        for what, count in phase["errors"].items():
            print(f"  error ({phase['replicas']} replica(s)): {what} × {count}")


def _per_replica(phase: dict) -> str:
    return " + ".join(str(n) for n in sorted(phase["sessions_per_replica"].values()))


def run_load_run(settings: Settings) -> dict:
    results = measure_load_run(settings)
    print_load_run(results)
    settings.json_path.parent.mkdir(parents=True, exist_ok=True)
    settings.json_path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"figures written to {settings.json_path}")
    return results
