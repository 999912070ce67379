"""The same-shape floor app: every page of the dashboard replayed from a snapshot.

Same navigation, same sidebar widgets, and per page the same elements in the same layout —
charts, tables, texts, widgets, expanders, tabs, columns — whose figures and frames were built
once when this app started (loaded, not computed): the page as it was with the country the
filter holds, as it was with no filter when it is empty. A filter change here writes the
filter to the URL, reruns the page and redraws it, as the dashboard does, but computes
nothing: its time is what Streamlit itself costs for that page. Started by the benchmark with
DASHBOARD_BENCH_FLOOR naming the snapshot file (see floor.py); never shown to users.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import plotly.io as pio
import pyarrow as pa
import streamlit as st

from dashboard.bench.floor import SNAPSHOT_ENV, read_snapshot

st.set_page_config(page_title="Same-shape floor", layout="wide")


def _prepared(nodes: list[dict]) -> list[dict]:
    """Figures and frames built from the snapshot's JSON and Arrow bytes, once."""
    for node in nodes:
        if node["kind"] == "plotly_chart":
            node["figure"] = pio.from_json(node["spec"], skip_invalid=True)
            node["plotly_config"] = json.loads(node["config"]) if node["config"] else {}
        elif node["kind"] == "dataframe":
            node["frame"] = pa.ipc.open_stream(node["arrow"]).read_all().to_pandas()
            columns = json.loads(node["columns"]) if node["columns"] else {}
            node["column_config"] = {k: v for k, v in columns.items() if k != "_index"}
        _prepared(node.get("children", []))
    return nodes


@st.cache_resource
def _snapshot(path: str):
    snap = read_snapshot(Path(path))
    for page in snap.every_page():
        _prepared(page.main)
        _prepared(page.sidebar)
    return snap


SNAP = _snapshot(os.environ[SNAPSHOT_ENV])


def _no_file() -> bytes:
    return b""


def _render(nodes: list[dict], pages: dict[str, st.Page]) -> None:
    for node in nodes:
        _render_one(node, pages)


def _render_one(node: dict, pages: dict[str, st.Page]) -> None:
    kind = node["kind"]
    key = node.get("key")
    if kind in {"title", "header", "subheader", "markdown", "caption"}:
        getattr(st, kind)(node["body"])
    elif kind in {"success", "info", "warning", "error"}:
        getattr(st, kind)(node["body"], icon=node["icon"])
    elif kind == "metric":
        st.metric(node["label"], node["body"], node["delta"] or None, help=node["help"])
    elif kind == "divider":
        st.divider()
    elif kind == "html":
        st.html(node["body"], unsafe_allow_javascript=node["javascript"])
    elif kind == "dataframe":
        st.dataframe(node["frame"], hide_index=True, column_config=node["column_config"], key=key)
    elif kind == "plotly_chart":
        st.plotly_chart(
            node["figure"],
            key=key,
            theme=None,
            config=node["plotly_config"],
            on_select="rerun" if node["selectable"] else "ignore",
        )
    elif kind == "selectbox":
        st.selectbox(
            node["label"], node["options"], index=node["default"], key=key, help=node["help"]
        )
    elif kind == "multiselect":
        options = node["options"]
        st.multiselect(
            node["label"],
            options,
            default=[options[i] for i in node["default"]],
            key=key,
            placeholder=node["placeholder"] or None,
            help=node["help"],
        )
    elif kind == "date_input":
        st.date_input(
            node["label"],
            value=None,
            key=key,
            min_value=date(1960, 1, 1),
            max_value=date(2100, 12, 31),
            format=node["format"] or "YYYY/MM/DD",
            help=node["help"],
        )
    elif kind == "button":
        st.button(
            node["label"],
            key=key,
            type=node["type"],
            icon=node["icon"],
            help=node["help"],
            disabled=node["disabled"],
        )
    elif kind == "download_button":
        st.download_button(
            node["label"],
            data=_no_file,
            key=key,
            type=node["type"],
            icon=node["icon"],
            on_click="ignore",
            help=node["help"],
            disabled=node["disabled"],
        )
    elif kind == "page_link":
        target = pages.get(node["page"])
        if target is not None:
            st.page_link(target, label=node["label"], icon=node["icon"] or None, help=node["help"])
    elif kind == "expander":
        with st.expander(node["label"], key=key, on_change="rerun" if key else "ignore"):
            _render(node["children"], pages)
    elif kind == "popover":
        with st.popover(node["label"], type="tertiary"):
            _render(node["children"], pages)
    elif kind == "tabs":
        labels = [tab["label"] for tab in node["children"]]
        tabs = st.tabs(labels, key=node.get("key"), on_change="rerun" if node["lazy"] else "ignore")
        for tab, child in zip(tabs, node["children"], strict=True):
            with tab:
                _render(child["children"], pages)
    elif kind == "columns":
        columns = st.columns([c["weight"] or 1 for c in node["children"]])
        for column, child in zip(columns, node["children"], strict=True):
            with column:
                _render(child["children"], pages)
    elif kind in {"row", "container"}:
        with st.container(horizontal=kind == "row"):
            _render(node["children"], pages)
    else:  # a kind the snapshot left out ("skipped:…"): its children still count
        _render(node.get("children", []), pages)


def _page_runner(url_path: str) -> Callable[[], None]:
    def run() -> None:
        _render(SNAP.shown(st.session_state.get(SNAP.country_key))[url_path].main, PAGES)

    run.__name__ = f"floor_{url_path or 'default'}"
    return run


sections: dict[str, list[st.Page]] = {}
PAGES: dict[str, st.Page] = {}
for nav in SNAP.navigation:
    page = st.Page(
        _page_runner(nav.url_path),
        title=nav.title,
        icon=nav.icon,
        url_path=nav.url_path or None,
        default=nav.default,
    )
    sections.setdefault(nav.section, []).append(page)
    PAGES[nav.url_path] = page


def _filter_to_url() -> None:
    """The dashboard keeps the filter in the URL, so a link shares the view, and writes it
    before the page runs; so does the floor, with the same call, so whatever a URL change
    costs Streamlit is in both."""
    wanted = ",".join(st.session_state.get(SNAP.country_key) or [])
    if wanted and st.query_params.get_all("country") != [wanted]:
        st.query_params["country"] = wanted
    elif not wanted and "country" in st.query_params:
        del st.query_params["country"]


current = st.navigation(sections, position="hidden")
with st.sidebar:
    _render(SNAP.pages[current.url_path].sidebar, PAGES)
_filter_to_url()
current.run()
