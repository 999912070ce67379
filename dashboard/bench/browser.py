"""What a user feels, measured in Chromium: cold start, interaction, server memory per session.

Timestamps are taken inside the page (``performance.now()``), so Playwright's own round trips
are not counted:

- cold start: from just before ``streamlit run`` is launched to the first frame in which the
  script is idle and a plotly chart has drawn its SVG (``.js-plotly-plot .main-svg``). A page
  without any chart is timed to its first idle frame with a title instead (and says so).
- interaction: from the press that changes a filter (Enter, or a click when the typed text
  matches several options, on a country typed into the sidebar multiselect, Backspace to
  remove it again; Enter on an option typed into the baseline's selectbox) to the second
  animation frame after the rerun's last message from the server, i.e. when the redrawn
  charts have been painted. A change that starts no rerun is retried once, then noted and
  not counted.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from dashboard.bench.server import VIEWPORT, StreamlitServer

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
CHART = ".js-plotly-plot .main-svg"
NO_CHART_GRACE_MS = 5000
UI_TIMEOUT_MS = 30_000  # for a widget or an option to show up (the script has its own limit)
HIGHLIGHT_WAIT_MS = 2_000

# Installed before any page script: records (epoch ms) the first idle frame with a title or a
# chart, and the first idle frame with a drawn chart.
READY_RECORDER = """
(() => {
  const rec = (window.__benchReady = { idle: null, chart: null });
  const tick = () => {
    const app = document.querySelector('[data-testid=stApp]');
    const idle = app && app.getAttribute('data-test-script-state') === 'notRunning';
    const now = performance.timeOrigin + performance.now();
    if (idle && rec.idle === null &&
        document.querySelector('[data-testid=stMain] h1, .js-plotly-plot')) rec.idle = now;
    if (idle && document.querySelector('.js-plotly-plot .main-svg')) { rec.chart = now; return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""
READY_DONE = f"""() => {{
  const rec = window.__benchReady;
  return !!rec && (rec.chart !== null || (rec.idle !== null &&
      performance.timeOrigin + performance.now() - rec.idle > {NO_CHART_GRACE_MS}));
}}"""

# Installed before any page script: notes when the last message from the server arrived and
# when the page was painted after it (two animation frames later).
SERVER_MESSAGE_RECORDER = """
(() => {
  const Native = window.WebSocket;
  const rec = (window.__benchMessages = { last: null, paintedAfterLast: null });
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => {
        const at = (rec.last = performance.now());
        requestAnimationFrame(() => requestAnimationFrame(() => {
          if (rec.last === at) rec.paintedAfterLast = performance.now();
        }));
      });
    }
  };
})();
"""
# Armed just before a filter change: t0 at the key press. The rerun it starts is the server's
# messages after t0; it is over when the script is idle and the server has been quiet for
# QUIET_MS, and t1 is the paint after its last message. (Watching the script-state attribute
# alone misses fast reruns: running and idle can be drawn in one frame, with no change seen.)
QUIET_MS = 300
ARM_RERUN_TIMER = """() => {
  const run = (window.__benchRun = { t0: null });
  const start = () => { if (run.t0 === null) run.t0 = performance.now(); };
  document.addEventListener('keydown', start, { capture: true, once: true });
  document.addEventListener('pointerdown', start, { capture: true, once: true });
}"""
RERUN_STARTED = """() => {
  const run = window.__benchRun, msg = window.__benchMessages;
  return run.t0 !== null && msg.last !== null && msg.last > run.t0;
}"""
RERUN_DONE = f"""() => {{
  const run = window.__benchRun, msg = window.__benchMessages;
  const app = document.querySelector('[data-testid=stApp]');
  return msg.last > run.t0 && msg.paintedAfterLast > msg.last &&
    app.getAttribute('data-test-script-state') === 'notRunning' &&
    performance.now() - msg.last > {QUIET_MS};
}}"""
RERUN_MS = "() => window.__benchMessages.paintedAfterLast - window.__benchRun.t0"


@dataclass
class Target:
    """One app to measure: the baseline, or the dashboard on one data folder."""

    name: str
    app: Path  # the script for `streamlit run`
    env: dict[str, str]
    pages: list[str]  # URL paths; the first is the default page
    filter_kind: str  # "multiselect" (the dashboard's sidebar country) or "selectbox"
    choices: list[str]  # labels to type into the filter
    notes: list[str] = field(default_factory=list)


def _open_context(browser, url: str):
    """A fresh browser context (= a new Streamlit session) loading `url`, not waited for."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(READY_RECORDER)
    context.add_init_script(SERVER_MESSAGE_RECORDER)
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(url)
    return context, page


def new_session(browser, url: str, timeout_ms: float):
    """A fresh browser context (= a new Streamlit session) on `url`, waited until ready."""
    context, page = _open_context(browser, url)
    page.wait_for_function(READY_DONE, timeout=timeout_ms, polling=50)
    return context, page


def cold_start(
    browser, target: Target, log_dir, timeout_s: float, idle_first: bool = False
) -> tuple[float, bool]:
    """Seconds from launching `streamlit run` to the first chart drawn; and whether a chart
    was drawn at all (False: timed to the first idle frame with a title).

    With `idle_first`, the first visit to a server that has started and finished its own
    work (a shared link opened on a running server): timed from the visit instead."""
    start_epoch = time.time()
    server = StreamlitServer(target.app, target.env, log_dir)
    try:
        server.start(timeout_s)
        if idle_first:
            server.wait_until_idle(timeout_s=timeout_s)
            start_epoch = time.time()
        context, page = new_session(browser, server.url + target.pages[0], timeout_s * 1000)
        try:
            rec = page.evaluate("window.__benchReady")
        finally:
            context.close()
    finally:
        server.stop()
    drawn = rec["chart"] is not None
    ready_epoch = (rec["chart"] if drawn else rec["idle"]) / 1000
    return ready_epoch - start_epoch, drawn


def _wait_idle(page, timeout_ms: float) -> None:
    page.wait_for_selector(IDLE, timeout=timeout_ms)


class NoRerun(Exception):
    """The change started no rerun (e.g. the click missed a re-rendered option)."""


def timed(page, action: Callable[[], None], timeout_ms: float) -> float:
    """Milliseconds from the key press or pointer press `action` makes to the redrawn page."""
    page.evaluate(ARM_RERUN_TIMER)
    action()
    try:
        page.wait_for_function(RERUN_STARTED, timeout=UI_TIMEOUT_MS, polling=20)
    except PlaywrightError as exc:
        raise NoRerun from exc
    page.wait_for_function(RERUN_DONE, timeout=timeout_ms, polling=20)
    return float(page.evaluate(RERUN_MS))


def _pick_option(page, input_locator, label: str, timeout_ms: float) -> float:
    """Type `label` into the widget and pick the option that reads exactly `label`: Enter when
    it is the only match, else a click on it (the list may start with others, e.g. the
    multiselect's "Select N matches")."""
    input_locator.click()
    input_locator.fill(label)
    options = page.locator("[role=option]")
    option = options.filter(has_text=re.compile(f"^{re.escape(label)}$")).first
    option.wait_for(timeout=UI_TIMEOUT_MS)
    if options.count() == 1:  # the only match: Enter picks it (a click can miss while the
        _wait_until_highlighted(page, input_locator, option)  # list settles)
        return timed(page, lambda: page.keyboard.press("Enter"), timeout_ms)
    return timed(page, option.click, timeout_ms)


def _wait_until_highlighted(page, input_locator, option) -> None:
    """Wait until the combobox highlights `option` (its aria-activedescendant): Enter pressed
    before that picks nothing, and the change would be lost. Gives up quietly after a while
    (the change is then retried or noted by the caller)."""
    ids = [input_locator.get_attribute("id"), option.get_attribute("id")]
    if not all(ids):
        return
    with contextlib.suppress(PlaywrightError):
        page.wait_for_function(
            "([box, item]) => document.getElementById(box)"
            "?.getAttribute('aria-activedescendant') === item",
            arg=ids,
            timeout=HIGHLIGHT_WAIT_MS,
            polling=10,
        )


def change_filter_times(
    page, target: Target, changes: int, timeout_ms: float, budget_s: float
) -> tuple[list[float], list[str]]:
    """Milliseconds per filter change on the current page; and anything odd noticed.

    Stops early (after at least two changes) once `budget_s` is spent, so a slow page
    cannot stretch the run without bound.
    """
    odd: list[str] = []
    times: list[float] = []
    deadline = time.monotonic() + budget_s
    if target.filter_kind == "multiselect":
        widget = page.locator("[data-testid=stSidebar] [data-testid=stMultiSelect]").first
    else:
        widget = page.locator("[data-testid=stSelectbox]").first
    field_input = widget.locator("input")
    for n in range(changes):
        if n >= 2 and n % 2 == 0 and time.monotonic() > deadline:
            odd.append(f"{n} changes instead of {changes}: the page budget was spent")
            break
        _wait_idle(page, timeout_ms)
        label = target.choices[
            (n // 2 if target.filter_kind == "multiselect" else n) % len(target.choices)
        ]
        try:
            if target.filter_kind == "multiselect" and n % 2 == 1:
                field_input.click()  # remove the country added by the previous change
                times.append(timed(page, lambda: page.keyboard.press("Backspace"), timeout_ms))
                continue
            try:
                times.append(_pick_option(page, field_input, label, timeout_ms))
            except NoRerun:  # the first click after a page load can miss the option; retry
                deadline += UI_TIMEOUT_MS / 1000
                page.keyboard.press("Escape")
                times.append(_pick_option(page, field_input, label, timeout_ms))
        except NoRerun:
            odd.append(f"change {n + 1} started no rerun; not counted")
            deadline += UI_TIMEOUT_MS / 1000  # the wait for it does not count
            page.keyboard.press("Escape")
            continue
        if target.filter_kind == "multiselect" and label not in widget.inner_text():
            odd.append(f"typed {label!r} but the filter shows {widget.inner_text()!r}")
    page.keyboard.press("Escape")
    _wait_idle(page, timeout_ms)
    if not times:
        raise PlaywrightError("no filter change started a rerun")
    return times, odd


# The sidebar's page menu: st.page_link links (dashboard/ui/nav.py, and the floor's replay).
MENU_LINK = "[data-testid=stSidebar] [data-testid=stPageLink-NavLink]"


def _nav_link(page, path: str):
    if path == "/":
        return page.locator(MENU_LINK).first
    # Streamlit writes a page link's address relative to the app's base ("country").
    return page.locator(f"{MENU_LINK}[href='{path.lstrip('/')}']")


def open_page(page, path: str, timeout_ms: float) -> None:
    """Switch page in the same session, as a user does: the sidebar navigation link."""
    _nav_link(page, path).click()
    page.wait_for_url(f"**{path}*", timeout=timeout_ms)
    _wait_idle(page, timeout_ms)
    # Charts are drawn right after the script ends; give them the same chance as a user.
    if page.locator(".js-plotly-plot").count():
        page.locator(CHART).first.wait_for(timeout=timeout_ms)


@dataclass
class SessionFigures:
    interaction_ms: dict[str, list[float]] = field(default_factory=dict)  # each change, by page
    charts: dict[str, int] = field(default_factory=dict)
    rss_idle_mb: float = 0.0
    rss_1_mb: float = 0.0
    rss_n_mb: float = 0.0
    sessions: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def per_session_mb(self) -> float | None:
        if self.sessions < 2:
            return None
        return (self.rss_n_mb - self.rss_1_mb) / (self.sessions - 1)


def interaction_and_memory(
    browser,
    target: Target,
    log_dir,
    changes: int,
    sessions: int,
    timeout_s: float,
    page_budget_s: float,
    memory_budget_s: float,
) -> SessionFigures:
    """On one warm server: filter changes on every page in one session, then server RSS with
    that one session and with `sessions` sessions open at once.

    The extra sessions open the default page together, then visit the other pages together
    until `memory_budget_s` is spent (the pages visited are noted)."""
    timeout_ms = timeout_s * 1000
    figures = SessionFigures(sessions=sessions)
    contexts = []
    with StreamlitServer(target.app, target.env, log_dir).start(timeout_s) as server:
        figures.rss_idle_mb = server.rss_mb()
        try:
            context, page = new_session(browser, server.url + target.pages[0], timeout_ms)
            contexts.append(context)
            for i, path in enumerate(target.pages):
                try:
                    if i:
                        open_page(page, path, timeout_ms)
                    figures.charts[path] = page.locator(".js-plotly-plot").count()
                    times, odd = change_filter_times(
                        page, target, changes, timeout_ms, page_budget_s
                    )
                except PlaywrightError as exc:  # one broken page must not lose the others
                    figures.notes.append(f"{target.name} {path}: failed: {exc.message[:300]}")
                    page.keyboard.press("Escape")
                    continue
                figures.interaction_ms[path] = times
                figures.notes += [f"{target.name} {path}: {o}" for o in odd]
            exceptions = page.locator("[data-testid=stException]").count()
            if exceptions:
                figures.notes.append(f"{target.name}: {exceptions} exception element(s) shown")
            figures.rss_1_mb = server.rss_mb()
            deadline = time.monotonic() + memory_budget_s
            extra = [
                _open_context(browser, server.url + target.pages[0]) for _ in range(sessions - 1)
            ]
            contexts += [context for context, _ in extra]
            for _, page in extra:
                page.wait_for_function(READY_DONE, timeout=timeout_ms, polling=100)
            visited = [target.pages[0]]
            for path in target.pages[1:]:
                if time.monotonic() > deadline:
                    break
                for _, page in extra:
                    _nav_link(page, path).click()
                for _, page in extra:
                    page.wait_for_url(f"**{path}*", timeout=timeout_ms)
                    _wait_idle(page, timeout_ms)
                visited.append(path)
            if len(visited) < len(target.pages):
                figures.notes.append(
                    f"{target.name}: the {sessions - 1} extra sessions visited "
                    f"{', '.join(visited)} before the memory budget was spent"
                )
            figures.rss_n_mb = server.rss_mb()
        finally:
            for context in contexts:
                context.close()
    return figures
