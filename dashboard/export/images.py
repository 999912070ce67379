"""Plotly figures as PNG images, rendered by kaleido 1.x through a local Chromium.

One Chromium is started per process on first use and kept (a cold start costs seconds; a warm
render well under one). It runs on its own event loop in a daemon thread, so every call can be
given a timeout and a browser that fails to start is reported instead of blocking the caller —
kaleido's own sync server waits without a timeout. When no image can be made, `render_png`
returns ``None`` and the reason, and the exporters print that reason instead of the chart.

The browser is ``$CHROMIUM_PATH`` (default ``/usr/bin/chromium``; Debian package ``chromium``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import plotly.graph_objects as go

CHROMIUM_ENV = "CHROMIUM_PATH"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT_S = 60.0
RENDER_TIMEOUT_S = 60.0
# Maps are drawn with the world outline the app serves itself, never one from a CDN.
TOPOJSON_DIR = Path(__file__).resolve().parents[1] / "static"
INSTALL_HINT = "install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH"


def chromium_path() -> Path:
    return Path(os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM)


class _Renderer:
    """A kaleido browser on a private event loop, shared by every thread of the process."""

    def __init__(self, browser: Path) -> None:
        import kaleido  # imported late: only needed when a chart is rendered

        self.browser = browser
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="kaleido-loop", daemon=True
        )
        self.thread.start()

        async def open_browser() -> kaleido.Kaleido:
            # mathjax=False: kaleido would otherwise fetch MathJax from a CDN.
            instance = kaleido.Kaleido(
                path=str(browser), n=1, timeout=RENDER_TIMEOUT_S, mathjax=False
            )
            await instance.open()
            return instance

        try:
            self.kaleido = self._run(open_browser(), START_TIMEOUT_S)
        except BaseException:
            self.loop.call_soon_threadsafe(self.loop.stop)
            raise

    def _run(self, coroutine, timeout: float):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def png(self, fig: go.Figure, width: int, height: int, scale: float) -> bytes:
        opts = {"format": "png", "width": width, "height": height, "scale": scale}
        topojson = TOPOJSON_DIR.as_uri() + "/"
        return self._run(self.kaleido.calc_fig(fig, opts=opts, topojson=topojson), RENDER_TIMEOUT_S)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing at exit: nothing left to report to
            self._run(self.kaleido.close(), 20)
        self.loop.call_soon_threadsafe(self.loop.stop)


_lock = threading.Lock()
_renderer: _Renderer | None = None
_start_failures: dict[Path, str] = {}


def _close_renderer() -> None:
    global _renderer
    if _renderer is not None:
        _renderer.close()
        _renderer = None


atexit.register(_close_renderer)


def _get_renderer() -> tuple[_Renderer | None, str]:
    """The running renderer for the configured browser, or None and why there is none."""
    global _renderer
    browser = chromium_path()
    if not (browser.is_file() and os.access(browser, os.X_OK)):
        return None, f"no Chromium browser at {browser} ({INSTALL_HINT})"
    with _lock:
        if _renderer is not None and _renderer.browser == browser:
            return _renderer, ""
        if browser in _start_failures:
            return None, _start_failures[browser]
        _close_renderer()
        try:
            _renderer = _Renderer(browser)
        except Exception as error:  # reported to the reader
            detail = error.args[0] if error.args and isinstance(error.args[0], str) else error
            reason = f"Chromium at {browser} could not be started for kaleido ({detail})"
            _start_failures[browser] = reason
            return None, reason
        return _renderer, ""


def render_png(
    fig: go.Figure, *, width: int = 900, height: int = 500, scale: float = 2.0
) -> tuple[bytes | None, str]:
    """The figure as PNG bytes and ``""``, or ``None`` and a reason a reader can act on."""
    renderer, reason = _get_renderer()
    if renderer is None:
        return None, reason
    try:
        return renderer.png(fig, width, height, scale), ""
    except FutureTimeout:
        return None, f"rendering the chart took longer than {RENDER_TIMEOUT_S:.0f} s"
    except Exception as error:  # any kaleido failure becomes a stated reason
        return None, f"kaleido could not render the chart ({type(error).__name__}: {error})"


def charts_missing_note(reason: str) -> str:
    """The sentence an export prints where its charts would be."""
    return f"Charts are not included: {reason}."
