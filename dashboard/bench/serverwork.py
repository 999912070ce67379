"""Server work per rerun, under streamlit.testing.v1.AppTest (in this process, no browser).

For each page: the script time of a rerun (median of `reruns`, after a first run that fills
the process caches), and the bytes the rerun sends for its charts (the plotly figure JSON in
each PlotlyChart element's ``spec``) and for its tables (the Arrow bytes of each dataframe;
a chart panel's table is built only while its "Table" tab is open, so not counted).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from streamlit.testing.v1 import AppTest


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    """Set environment variables for the duration (the loader reads them on every call)."""
    previous = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _timed_run(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    return (time.perf_counter() - start) * 1000


PageChoice = str | Callable[[AppTest], object] | None


def measure_page(
    app: Path, page: PageChoice, reruns: int, timeout_s: float, budget_s: float = 60
) -> dict:
    """Figures for one page: `page` is a page file like "views/country.py", a function that
    switches the AppTest to the page (for pages that are functions), or None (the default).

    Reruns stop early (after at least one) once `budget_s` is spent.
    """
    at = AppTest.from_file(str(app), default_timeout=timeout_s)
    if page:
        at.run()
        if callable(page):
            page(at)
        else:
            at.switch_page(page)
    deadline = time.monotonic() + budget_s
    first_ms = _timed_run(at)
    rerun_ms: list[float] = []
    while len(rerun_ms) < reruns and (not rerun_ms or time.monotonic() < deadline):
        rerun_ms.append(_timed_run(at))
    charts = at.get("plotly_chart")
    tables = [*at.dataframe, *at.table]
    return {
        "first_ms": first_ms,
        "rerun_ms": statistics.median(rerun_ms) if rerun_ms else first_ms,
        "charts": len(charts),
        "chart_bytes": sum(len(el.proto.spec.encode()) for el in charts),
        "table_bytes": sum(len(el.proto.arrow_data.data) for el in tables),
        "reruns": len(rerun_ms),
        "exceptions": len(at.exception),
        # the message shown is redacted (client.showErrorDetails); the trace's last line is not
        "exception_messages": [
            (e.stack_trace[-1] if e.stack_trace else str(e.message)) for e in at.exception
        ],
    }


def measure_pages(
    app: Path,
    pages: dict[str, PageChoice],
    env: dict[str, str],
    reruns: int,
    timeout_s: float,
    budget_s: float = 60,
) -> dict[str, dict]:
    """`pages` maps URL path to its page (see `measure_page`)."""
    with environment(env):
        return {
            path: measure_page(app, page, reruns, timeout_s, budget_s)
            for path, page in pages.items()
        }
