"""Shared fixtures: copies of the bundled data, a real streamlit server, a real Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.bench.browser import QUIET_MS, SERVER_MESSAGE_RECORDER
from dashboard.bench.server import APP, CHROMIUM_ARGS, ROOT, StreamlitServer
from tests.postgres import postgres_server, records_url  # noqa: F401 (fixtures for every test)

DATA_DIR = ROOT / "data"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
FIXED_TODAY = "2026-11-28"
# A rerun has started once a server message arrived after `since` (ms on the page's clock),
# and is over once the script is idle, painted after its last message and the server quiet.
RERUN_OVER = f"""since => {{
  const msg = window.__benchMessages;
  const app = document.querySelector('[data-testid=stApp]');
  return !!msg && msg.last !== null && msg.last > since && msg.paintedAfterLast > msg.last &&
    !!app && app.getAttribute('data-test-script-state') === 'notRunning' &&
    performance.now() - msg.last > {QUIET_MS};
}}"""
# The machines are shared and slow at times: give the app time to rerun before a check fails.
expect.set_options(timeout=20_000)


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each test sees the bundled data and a fixed "today" unless it says otherwise.

    The records database is the default one for the data folder, under a state folder of this
    test session: one for the bundled data, a fresh one for each copy of it (tests that write
    records set DASHBOARD_DATABASE_URL to their own database).
    """
    monkeypatch.delenv("DASHBOARD_DATA_DIR", raising=False)
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.getbasetemp() / "state"))
    monkeypatch.setenv("DASHBOARD_TODAY", FIXED_TODAY)
    monkeypatch.setenv("DASHBOARD_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "parquet-cache"))


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled data package, to break on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns(".cache"))
    return target


def app_server_for(env: dict[str, str]) -> StreamlitServer:
    """The real app (`streamlit run dashboard/serve.py`), logging into test-artifacts/."""
    return StreamlitServer(APP, env, ARTIFACTS)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """The real app on the bundled data, on a free loopback port, torn down in finally."""
    server = app_server_for(
        {
            "DASHBOARD_TODAY": FIXED_TODAY,
            "DASHBOARD_CACHE_DIR": str(tmp_path_factory.mktemp("srv-cache")),
            "XDG_STATE_HOME": str(tmp_path_factory.mktemp("srv-state")),
        }
    )
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; a missing browser fails in CI, skips locally."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"Chromium is required in CI but {CHROMIUM} is missing")
        pytest.skip(
            f"Chromium not found at {CHROMIUM}; install Debian's chromium to run browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield instance
        finally:
            instance.close()


class WatchedPage:
    """A browser tab that records requests to other hosts and console errors."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.foreign_requests: list[str] = []
        self.console_errors: list[str] = []
        host = base_url.split("//", 1)[1]
        page.on(
            "request",
            lambda req: (
                None
                if req.url.split("//", 1)[-1].startswith(host)
                or req.url.startswith(("data:", "blob:"))
                else self.foreign_requests.append(req.url)
            ),
        )
        # Before any page script: when the server's messages arrive (see wait_idle).
        page.add_init_script(SERVER_MESSAGE_RECORDER)
        self._since = 0.0
        page.on("framenavigated", lambda frame: self._reset_mark(frame))
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def _reset_mark(self, frame) -> None:
        if frame == self.page.main_frame:
            self._since = 0.0  # a new document: its clock starts again

    def _on_console(self, msg) -> None:
        if msg.type != "error":
            return
        # Streamlit's frontend probes <page>/_stcore/health and host-config on a deep link
        # before falling back to the root; those two 404s are its own (streamlit#7074).
        url = (msg.location or {}).get("url", "")
        if "/_stcore/health" in url or "/_stcore/host-config" in url:
            return
        self.console_errors.append(f"{msg.text} ({url})" if url else msg.text)

    def open(self, path: str = "/", timeout: float = 60_000) -> None:
        self.page.goto(self.base_url + path)
        self.wait_idle(timeout)

    def wait_idle(self, timeout: float = 60_000) -> None:
        """Wait for the rerun the last action started to start and to end.

        Started: the server has sent a message since the previous wait ended (a fast rerun
        may draw "running" and "not running" in one frame, so the state attribute alone can
        show "not running" before the rerun began). Ended: the script is not running, the
        page is painted after the last message and the server has been quiet for a moment
        (the benchmark times a rerun the same way, dashboard/bench/browser.py).
        """
        self.page.wait_for_function(RERUN_OVER, arg=self._since, timeout=timeout, polling=50)
        self._since = self.page.evaluate("() => performance.now()")

    def multiselect(self, label: str):
        """The multiselect labelled `label` (Streamlit 1.67 renders a react-aria combobox)."""
        return (
            self.page.locator("[data-testid=stMultiSelect]")
            .filter(has=self.page.get_by_label(label, exact=True))
            .first
        )

    def choose(self, label: str, option: str) -> None:
        """Pick `option` in the multiselect labelled `label`, as a user types it."""
        box = self.multiselect(label)
        box.locator("input").click()
        self.page.keyboard.type(option)
        self.page.get_by_role("option", name=option, exact=True).first.click()
        self.page.keyboard.press("Escape")

    def chosen(self, label: str):
        """Locator of the chosen values' chips in the multiselect labelled `label`."""
        return self.multiselect(label).locator(".react-aria-ComboBox [data-tag] span[title]")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_clean(self) -> None:
        assert self.foreign_requests == [], (
            f"requests left the app's server: {self.foreign_requests}"
        )
        assert self.console_errors == [], f"console errors: {self.console_errors}"
        assert self.page.locator("[data-testid=stException]").count() == 0


@pytest.fixture
def app_page(browser, app_server: StreamlitServer) -> Iterator[WatchedPage]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        yield WatchedPage(page, app_server.url)
    finally:
        context.close()


# Every page of the app as a reader opens it (one place: pages added to the app go here), and
# the same pages in presentation mode.
EVERY_PAGE = {
    "overview": "/",
    "country": "/country?country=ROU",
    "compare": "/compare",
    "programmes": "/programmes",
    "areas": "/areas",
    "timeline": "/timeline",
    "followups": "/followups",
    "record-meeting": "/record_meeting",
    "update-followup": "/update_followup",
    "correct-meeting": "/correct_meeting",
    "changes": "/changes",
    "subscriptions": "/subscriptions",
    "sources": "/sources",
}
PRESENTED_PAGES = {
    "overview-present": "/?present=1",
    "country-present": "/country?country=ROU&present=1",
    "compare-present": "/compare?present=1",
}
# The links of the sidebar's page menu (dashboard/ui/nav.py).
PAGE_MENU_LINK = "[data-testid=stSidebar] .st-key-page_menu a"
