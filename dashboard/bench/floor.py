"""The same-shape floor: what Streamlit itself costs for a page of the dashboard.

A page is snapshotted under AppTest, once with no filter and once for each country the
benchmark types into the country filter, alone in it: its elements in order (texts, metrics,
notices, tables as Arrow bytes, charts as plotly JSON, widgets with their options, expanders,
popovers, tabs, columns, horizontal rows; with their tooltips and the tables' column
settings), its sidebar, and the app's navigation. `floor_app.py` replays the snapshot with
the same public Streamlit calls, from figures and frames loaded when the floor app starts:
the snapshot of the country its country filter holds, the unfiltered one when it is empty.
So a filter change there redraws exactly the charts and tables the dashboard redraws for it
(a page whose default already shows the first country redraws nothing for it, there as
here), but costs only Streamlit's own work for that shape of page.
The dashboard's time over the floor's is what our code costs.

Element kinds the replay does not know are left out and listed (`skipped_kinds`).
"""

from __future__ import annotations

import ast
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.bench.server import APP
from dashboard.ui.state import WIDGET_KEYS

FLOOR_APP = Path(__file__).resolve().with_name("floor_app.py")
SNAPSHOT_ENV = "DASHBOARD_BENCH_FLOOR"  # the floor app reads its snapshot file from here

FORMS_SECTION = "Record"  # app.py's section of forms (recording meetings and follow-ups)
TEXT_KINDS = {"title", "header", "subheader", "markdown", "caption"}
ALERT_KINDS = {"success", "info", "warning", "error"}


@dataclass
class NavPage:
    section: str
    url_path: str  # "" for the default page
    page_file: str  # e.g. "views/country.py"
    title: str
    icon: str | None
    default: bool


@dataclass
class PageSnapshot:
    main: list[dict]
    sidebar: list[dict]


@dataclass
class Snapshot:
    """Everything the floor app needs; plain data, so it pickles."""

    navigation: list[NavPage]
    pages: dict[str, PageSnapshot] = field(default_factory=dict)  # by url_path, no filter
    # by the country's name as the filter shows it, then by url_path: that country alone
    filtered: dict[str, dict[str, PageSnapshot]] = field(default_factory=dict)
    countries: tuple[str, ...] = ()
    country_key: str = WIDGET_KEYS["country"]  # the sidebar's country filter

    def skipped_kinds(self) -> set[str]:
        skipped: set[str] = set()

        def walk(nodes: list[dict]) -> None:
            for node in nodes:
                if node["kind"].startswith("skipped:"):
                    skipped.add(node["kind"].removeprefix("skipped:"))
                walk(node.get("children", []))

        for page in self.every_page():
            walk(page.main)
            walk(page.sidebar)
        return skipped

    def every_page(self) -> list[PageSnapshot]:
        return [*self.pages.values(), *(p for c in self.filtered.values() for p in c.values())]

    def shown(self, chosen: list[str] | None) -> dict[str, PageSnapshot]:
        """The pages as they were with the filter holding `chosen` (names as it shows them)."""
        if not chosen:
            return self.pages
        return self.filtered.get(chosen[0]) or next(iter(self.filtered.values()))


def _constant(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def filtered_pages(app: Path = APP) -> list[NavPage]:
    """The pages that answer to the filters, which the benchmark measures: all but the forms
    of the Record section."""
    return [page for page in navigation(app) if page.section != FORMS_SECTION]


def navigation(app: Path = APP) -> list[NavPage]:
    """The sections and pages of app.py's ``PAGES = {"Section": [st.Page(...), ...]}``."""
    tree = ast.parse(app.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "PAGES" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            break
    else:
        raise ValueError(f"no PAGES dict in {app}")
    pages: list[NavPage] = []
    for section, entries in zip(node.value.keys, node.value.values, strict=True):
        for call in entries.elts:
            files = [
                c.value
                for c in ast.walk(call.args[0])
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            ]
            keywords = {k.arg: _constant(k.value) for k in call.keywords}
            default = keywords.get("default") is True
            pages.append(
                NavPage(
                    section=str(_constant(section)),
                    url_path="" if default else Path(files[-1]).stem,
                    page_file=files[-1],
                    title=str(keywords.get("title")),
                    icon=keywords.get("icon"),
                    default=default,
                )
            )
    return pages


def _widget_key(node) -> str | None:
    key = getattr(node, "key", None)
    return key if isinstance(key, str) and key else None


def _node(node) -> dict:
    """One element or block of an AppTest tree as plain data."""
    kind = getattr(node, "type", None) or type(node).__name__
    proto = getattr(node, "proto", None)
    children = [_node(c) for c in getattr(node, "children", {}).values()]
    key = _widget_key(node)
    if kind in TEXT_KINDS:
        return {"kind": kind, "body": proto.body}
    if kind in ALERT_KINDS:
        return {"kind": kind, "body": proto.body, "icon": proto.icon or None}
    if kind == "metric":
        return {
            "kind": kind,
            "label": proto.label,
            "body": proto.body,
            "delta": proto.delta,
            "help": proto.help or None,
        }
    if kind == "divider":
        return {"kind": kind}
    if kind == "html":  # e.g. the small script that closes the phone menu
        return {"kind": kind, "body": proto.body, "javascript": proto.unsafe_allow_javascript}
    if kind == "dataframe":  # with its column settings (e.g. a pinned first column)
        return {
            "kind": kind,
            "arrow": bytes(proto.arrow_data.data),
            "columns": proto.columns,
            "key": key,
        }
    if kind == "plotly_chart":
        return {
            "kind": kind,
            "spec": proto.spec,
            "config": proto.config,
            "key": key,
            "selectable": bool(len(proto.selection_mode)),
        }
    if kind in {"selectbox", "multiselect"}:
        return {
            "kind": kind,
            "label": proto.label,
            "options": list(proto.options),
            "default": list(proto.default) if kind == "multiselect" else proto.default,
            "placeholder": proto.placeholder,
            "help": proto.help or None,
            "key": key,
        }
    if kind == "date_input":
        return {
            "kind": kind,
            "label": proto.label,
            "key": key,
            "format": proto.format,
            "help": proto.help or None,
        }
    if kind in {"button", "download_button"}:
        return {
            "kind": kind,
            "label": proto.label,
            "type": proto.type or "secondary",
            "icon": proto.icon or None,
            "help": proto.help or None,
            "disabled": proto.disabled,
            "key": key,
        }
    if kind == "page_link":
        return {
            "kind": kind,
            "label": proto.label,
            "page": proto.page,
            "icon": proto.icon,
            "help": proto.help or None,
        }
    if kind == "expander":
        return {"kind": kind, "label": proto.label, "key": key, "children": children}
    if kind == "popover":
        return {"kind": kind, "label": proto.popover.label, "children": children}
    if kind == "tab_container":  # lazy tabs (they track state) hold only the open tab's content
        widget_id = proto.tab_container.id  # "$$ID-<hash>-<key>" for tabs with a key
        parts = widget_id.split("-", 2)
        return {
            "kind": "tabs",
            "lazy": bool(widget_id),
            "key": parts[2] if len(parts) == 3 and parts[2] != "None" else None,
            "children": children,
        }
    if kind == "tab":
        return {"kind": kind, "label": proto.label, "children": children}
    if kind == "flex_container":
        if children and all(c["kind"] == "column" for c in children):
            return {"kind": "columns", "children": children}
        horizontal = proto.flex_container.direction == proto.flex_container.HORIZONTAL
        return {"kind": "row" if horizontal else "container", "children": children}
    if kind == "column":
        return {"kind": kind, "weight": proto.weight, "children": children}
    return {"kind": f"skipped:{kind}", "children": children}


def snapshot_page(at: AppTest) -> PageSnapshot:
    """The page AppTest last ran, as the floor app replays it."""
    return PageSnapshot(
        main=[_node(c) for c in at.main.children.values()],
        sidebar=[_node(c) for c in at.sidebar.children.values()],
    )


def take_snapshot(
    app: Path = APP, timeout_s: float = 120, countries: tuple[str, ...] = ("ROU",)
) -> Snapshot:
    """Run every page of `app` under AppTest (in the current environment) and snapshot it,
    with no filter and with each of `countries` alone in the country filter."""
    snap = Snapshot(navigation(app), countries=countries)
    at = AppTest.from_file(str(app), default_timeout=timeout_s)
    at.run()
    for chosen in ((), *((code,) for code in countries)):
        at.session_state[snap.country_key] = list(chosen)
        kept: dict[str, PageSnapshot] = {}
        for page in snap.navigation:
            at.switch_page(page.page_file)
            at.run()
            kept[page.url_path] = snapshot_page(at)
        if chosen:
            snap.filtered[_chosen_name(at, snap.country_key)] = kept
        else:
            snap.pages = kept
    return snap


def _chosen_name(at: AppTest, key: str) -> str:
    """The name the country filter shows for the one country it holds."""
    widget = at.sidebar.multiselect(key=key)
    return str(widget.format_func(widget.value[0]))


def write_snapshot(snapshot: Snapshot, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(snapshot))
    return path


def read_snapshot(path: Path) -> Snapshot:
    """Only ever a file this benchmark wrote itself (pickle runs code from the file)."""
    return pickle.loads(Path(path).read_bytes())


def switch_floor_page(at: AppTest, url_path: str) -> AppTest:
    """Open the floor app's page `url_path` in `at` (after a first run). AppTest.switch_page
    takes only page files, and the floor's pages are functions, so this picks the page from
    the registry AppTest keeps of what st.navigation registered."""
    for page_hash, info in at._registered_pages.items():
        if info.get("url_pathname") == url_path:
            at._page_hash = page_hash
            return at
    raise ValueError(f"the floor app has no page {url_path!r}")
