"""Server entrypoint: `streamlit run dashboard/serve.py` serves the pages of `app.py`.

It is `app.py` behind Streamlit's own server (`st.App`), plus one thing at start: while the
first browser is still loading Streamlit's scripts (about a second), a background thread
imports what the entrypoint and the Overview need (pandas, SQLAlchemy, plotly and our
modules) and reads the data package and the records into the process caches the pages use.
The first visitor's first run then finds them ready and sends the first chart about as soon
as a bare one-chart app does. The server answers at once; a visit that comes before the
warm-up is done waits for it inside the same caches, so nothing is read twice.

`streamlit run dashboard/app.py` still works; it only skips the warm-up.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import streamlit as st

logger = logging.getLogger(__name__)

# What app.py and the default page (views/overview.py) import that takes time to import.
FIRST_VIEW_MODULES = (
    "dashboard.presentation",
    "dashboard.ui.account",
    "dashboard.ui.browser",
    "dashboard.ui.page",
    "dashboard.ui.sidebar",
    "dashboard.ui.display",
    "dashboard.charts.overview_page",
)


def warm_first_view() -> None:
    """Import the first view's modules, read the package with its records, and build the
    Overview's unfiltered figures, into the caches the pages read. A failure is only logged:
    the first visit then does the same work and shows what is wrong."""
    try:
        for module in FIRST_VIEW_MODULES:
            importlib.import_module(module)
        from dashboard.charts.overview_page import warm_overview
        from dashboard.ui.data import get_package

        warm_overview(get_package())
    except Exception:
        logger.exception("warming the first view failed; the first visit will do the work")


@asynccontextmanager
async def _warm_at_start(_app: st.App) -> AsyncIterator[None]:
    threading.Thread(target=warm_first_view, name="warm-first-view", daemon=True).start()
    yield


app = st.App("app.py", lifespan=_warm_at_start)
