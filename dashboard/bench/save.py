"""Save → visible: how soon a meeting saved through the records store shows on a Meetings
timeline open in a browser, and what the first rerun after a save costs next to an ordinary one.

python -m dashboard.bench save [--quick] [--saves N] [--no-synthetic] ...

Per data set: a fresh records database (an SQLite file in the benchmark's work folder, seeded
from the data folder before the server starts, so no real records are touched), a real
`streamlit run` on it and one Chromium session on the timeline. Each round, on a server that
has finished its background work (`StreamlitServer.wait_until_idle`: the partner pages built
ahead, for both kinds of rerun alike):

- an ordinary rerun: the "r" key, timed from the key press to the paint after the server's last
  message (as a filter change is, `browser.timed`);
- a save the page shows: a meeting (with a cooperation area, a source and a follow-up) recorded
  through `RecordsStore`, as the Record page does, then the same rerun. "save → visible" runs
  from the start of the write to that paint, in which the page must count one event more; the
  rerun alone is "rerun after a save";
- a save the page does not show: that follow-up's status updated (the timeline draws meetings),
  then the same rerun: what a save costs a page beyond redrawing what changed.

Beside each rerun's time, the CPU time the server used meanwhile (every thread): on a shared
machine it varies much less than the time, which waits for whatever else runs.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from dashboard.bench import browser as bb
from dashboard.bench.server import APP, StreamlitServer
from dashboard.records.access import Identity, Role
from dashboard.records.store import RecordsStore

PAGE = "/timeline"
EDITOR = Identity("benchmark@most.gov.pk", Role.EDITOR)
PARTNER = "ROU"  # a partner in today's data and in the synthetic package (real rows first)
SOURCE = "pid-2025-08-09-romania"
EVENTS = re.compile(r"([\d,]+) event\(s\)")
PAINTED_AT = "performance.timeOrigin + window.__benchMessages.paintedAfterLast"
MAIN = "[data-testid=stMain]"


@dataclass
class SaveFigures:
    """Milliseconds per round; `notes` says what did not go as planned."""

    write_ms: list[float] = field(default_factory=list)
    visible_ms: list[float] = field(default_factory=list)
    after_save_ms: list[float] = field(default_factory=list)
    after_unshown_save_ms: list[float] = field(default_factory=list)
    ordinary_ms: list[float] = field(default_factory=list)
    # The server's CPU time during each rerun (ms).
    after_save_cpu_ms: list[float] = field(default_factory=list)
    after_unshown_save_cpu_ms: list[float] = field(default_factory=list)
    ordinary_cpu_ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        def median(values: list[float]) -> float | None:
            return statistics.median(values) if values else None

        return {
            "page": PAGE,
            "saves": len(self.write_ms),
            "write_ms": median(self.write_ms),
            "save_visible_ms": median(self.visible_ms),
            "rerun_after_save_ms": median(self.after_save_ms),
            "rerun_after_unshown_save_ms": median(self.after_unshown_save_ms),
            "ordinary_rerun_ms": median(self.ordinary_ms),
            "rerun_after_save_cpu_ms": median(self.after_save_cpu_ms),
            "rerun_after_unshown_save_cpu_ms": median(self.after_unshown_save_cpu_ms),
            "ordinary_rerun_cpu_ms": median(self.ordinary_cpu_ms),
            "save_visible_all_ms": self.visible_ms,
            "rerun_after_save_all_ms": self.after_save_ms,
            "rerun_after_unshown_save_all_ms": self.after_unshown_save_ms,
            "ordinary_rerun_all_ms": self.ordinary_ms,
            "rerun_after_save_cpu_all_ms": self.after_save_cpu_ms,
            "rerun_after_unshown_save_cpu_all_ms": self.after_unshown_save_cpu_ms,
            "ordinary_rerun_cpu_all_ms": self.ordinary_cpu_ms,
        }


def _events_shown(page) -> int | None:
    found = EVENTS.search(page.locator(MAIN).inner_text())
    return int(found.group(1).replace(",", "")) if found else None


def _rerun(page, server: StreamlitServer, timeout_ms: float, cpu_ms: list[float]) -> float:
    """The "r" key's rerun, key press to paint (ms); the server's CPU time meanwhile goes to
    `cpu_ms`."""
    before = server.cpu_s()
    elapsed = bb.timed(page, lambda: page.keyboard.press("r"), timeout_ms)
    cpu_ms.append((server.cpu_s() - before) * 1000)
    return elapsed


def _meeting(n: int) -> dict:
    return {
        "date": date.today().isoformat(),
        "date_precision": "day",
        "partner_iso3": PARTNER,
        "event_type": "meeting",
        "title": f"Benchmark meeting {n}",
        "pakistan_lead": "Secretary, MoST",
        "location": "Islamabad",
        "lead_scope": "MoST",
        "outcomes": "Recorded by the save → visible benchmark.",
    }


def measure_save(
    browser,
    data_dir: Path,
    env: dict[str, str],
    database: Path,
    log_dir: Path,
    saves: int,
    timeout_s: float,
) -> SaveFigures:
    """`saves` rounds of an ordinary rerun and a save on the timeline of the dashboard on
    `data_dir`, with its records in the new SQLite file `database`."""
    url = f"sqlite:///{database}"
    store = RecordsStore(url, data_dir)
    store.upgrade()  # seeded here, so the server's start does not include it
    area = sorted(store.curated()["cooperation_areas"])[0]
    figures = SaveFigures()
    timeout_ms = timeout_s * 1000
    server_env = {**env, "DASHBOARD_DATABASE_URL": url}
    try:
        with StreamlitServer(APP, server_env, log_dir).start(timeout_s) as server:
            context, page = bb.new_session(browser, server.url + PAGE, timeout_ms)
            try:
                for n in range(1, saves + 1):
                    if not server.wait_until_idle(timeout_s=timeout_s):
                        figures.notes.append(f"round {n}: the server was still busy")
                    figures.ordinary_ms.append(
                        _rerun(page, server, timeout_ms, figures.ordinary_cpu_ms)
                    )
                    server.wait_until_idle(timeout_s=timeout_s)
                    shown = _events_shown(page)
                    start = time.time()
                    action = f"benchmark-work-plan-{n}"  # the database is new for each run
                    followup = {
                        "action_id": action,
                        "description": "Draft a work plan",
                        "action_type": "other",
                    }
                    store.record_meeting(
                        EDITOR, _meeting(n), [area], [SOURCE], followups=[followup]
                    )
                    figures.write_ms.append((time.time() - start) * 1000)
                    figures.after_save_ms.append(
                        _rerun(page, server, timeout_ms, figures.after_save_cpu_ms)
                    )
                    if shown is not None and _events_shown(page) == shown + 1:
                        painted = float(page.evaluate(PAINTED_AT))
                        figures.visible_ms.append(painted - start * 1000)
                    else:
                        figures.notes.append(
                            f"round {n}: the rerun after the save showed {_events_shown(page)} "
                            f"events, not {None if shown is None else shown + 1}"
                        )
                    server.wait_until_idle(timeout_s=timeout_s)
                    store.update_followup(EDITOR, action, "agreed", date.today(), SOURCE, None, 1)
                    figures.after_unshown_save_ms.append(
                        _rerun(page, server, timeout_ms, figures.after_unshown_save_cpu_ms)
                    )
            finally:
                context.close()
    finally:
        store.close()
    return figures
