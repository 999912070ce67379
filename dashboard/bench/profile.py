"""Where a page's rerun spends its time: one page under AppTest, profiled with pyinstrument.

python -m dashboard.bench profile /timeline [--data-dir DIR] [--html FILE]

Needs the ``bench`` extra (``pip install -e ".[bench]"``). The first run fills the process
caches; the profile is of the rerun after it, the one a filter change costs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from dashboard.bench.server import APP
from dashboard.bench.serverwork import environment


@contextmanager
def _profiled_script_thread(profiler) -> Iterator[None]:
    """AppTest runs the page in its own thread; profile that thread, not the waiting one."""
    original = script_runner.exec_func_with_error_handling

    def profiled(func, ctx):
        with profiler:
            return original(func, ctx)

    script_runner.exec_func_with_error_handling = profiled
    try:
        yield
    finally:
        script_runner.exec_func_with_error_handling = original


def profile_page(
    path: str, data_dir: Path | None = None, html: Path | None = None, timeout_s: float = 300
) -> str:
    """Profile the rerun of the page at URL `path`; returns pyinstrument's text report."""
    from pyinstrument import Profiler

    from dashboard.bench.run import app_pages

    page_file = app_pages()[path]
    env = {"DASHBOARD_DATA_DIR": str(data_dir)} if data_dir else {}
    with environment(env):
        at = AppTest.from_file(str(APP), default_timeout=timeout_s)
        at.run()
        if path != "/":
            at.switch_page(page_file)
            at.run()
        profiler = Profiler(async_mode="disabled")
        with _profiled_script_thread(profiler):
            at.run()
    if html:
        html.write_text(profiler.output_html(), encoding="utf-8")
    return profiler.output_text(unicode=True, color=False, show_all=False)
