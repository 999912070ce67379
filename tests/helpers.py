"""Small helpers for tests that break data files on purpose or drive the app, and the people
and records the records tests write as."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.records import Identity, Role
from dashboard.ui.display import TABLE_TAB, panel_tab_key
from dashboard.ui.text import WORD_JOINER
from tests.conftest import APP

# Who the records tests write as (roles as the store checks them).
EDITOR = Identity("editor@most.gov.pk", Role.EDITOR)
OTHER_EDITOR = Identity("colleague@most.gov.pk", Role.EDITOR)
ADMIN = Identity("it.admin@most.gov.pk", Role.ADMIN)
VIEWER = Identity("reader@most.gov.pk", Role.VIEWER)
ANONYMOUS = Identity(None)
# The Romania meeting of 2025-08-09 (PID PR No. 100), its main source and the MoU proposed there.
ROMANIA_MEETING = "2025-08-09-ROU"
ROMANIA_SOURCE = "pid-2025-08-09-romania"
ROMANIA_MOU = "2025-08-09-rou-mou"


def rewrite_cell(path: Path, line: int, column: str, value: str) -> str:
    """Set one cell (by physical line, header = 1) and return the value it replaced."""
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    col = rows[0].index(column)
    old = rows[line - 1][col]
    rows[line - 1][col] = value
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return old


def read_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def run_app(page: str | None = None, query: dict[str, str] | None = None) -> AppTest:
    """Run the real app script (optionally on another page / with query params) under AppTest."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def open_chart_data(at: AppTest, chart_key: str) -> AppTest:
    """Open the "Table" tab of chart `chart_key`'s panel, as a click on it does."""
    at.session_state[panel_tab_key(chart_key)] = TABLE_TAB
    return at.run()


def open_every_chart_table(at: AppTest) -> AppTest:
    """Open the "Table" tab of every chart panel the page shows now."""
    suffix = panel_tab_key("")
    for key in [str(k) for k in at.session_state if str(k).endswith(suffix)]:
        at.session_state[key] = TABLE_TAB
    return at.run()


def page_text(at: AppTest) -> str:
    """All visible text of markdown, captions, titles, alerts and metrics, joined, as read."""
    parts: list[str] = []
    for group in (
        at.title,
        at.header,
        at.subheader,
        at.markdown,
        at.caption,
        at.info,
        at.warning,
        at.error,
        at.success,
    ):
        parts.extend(str(el.value) for el in group)
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    return as_read("\n".join(parts))


def as_read(markdown: str) -> str:
    """Markdown source as the reader sees it: data text is shown with every special character
    backslash-escaped and invisible word joiners (which stop bare addresses becoming links)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")
