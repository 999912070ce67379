"""A real `streamlit run` on a free loopback port, and Chromium driven by Playwright.

Used by the benchmark and by the browser tests (tests/conftest.py), so both start the app the
same way; the benchmark also reads the server's resident memory.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"  # the pages' script (AppTest runs it)
SERVE = ROOT / "dashboard" / "serve.py"  # what `streamlit run` starts to serve APP
BASELINE_APP = Path(__file__).resolve().with_name("baseline_app.py")
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Name resolution fails for every host but the loopback one: no traffic leaves the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1440, "height": 1000}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen | None) -> None:
    """End a server this code started: politely, then by force after 10 s."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class StreamlitServer:
    """`streamlit run` of an app from the project folder (so .streamlit/config.toml applies).
    The dashboard (APP) is started as operators start it: through SERVE."""

    def __init__(self, app: Path, env: dict[str, str], log_dir: Path) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env}
        self.log = log_dir / f"streamlit-{app.stem}-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> StreamlitServer:
        """Launch and wait for the health endpoint (polled every 50 ms)."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(SERVE if self.app == APP else self.app),
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy in {timeout} s; see {self.log}")

    def rss_mb(self) -> float:
        """Resident memory of the server process in MB (Linux: /proc/PID/status VmRSS)."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmRSS not found")

    def cpu_s(self) -> float:
        """CPU seconds the server process has used so far, every thread (Linux: /proc/PID/stat
        utime + stime)."""
        assert self.process is not None
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_until_idle(self, quiet_s: float = 0.5, timeout_s: float = 60) -> bool:
        """Wait until the server uses (almost) no CPU for `quiet_s` (its background work, e.g.
        building the partner pages ahead, is done); False if it was still busy at `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            before = self.cpu_s()
            time.sleep(quiet_s)
            if self.cpu_s() - before < 0.05 * quiet_s:
                return True
        return False

    def stop(self) -> None:
        stop_process(self.process)

    def __enter__(self) -> StreamlitServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, launched by Playwright; closed on exit."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
