"""What every page does first: title, data banner, URL notices, its filters, its tables."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import streamlit as st

from dashboard.charts.country_page import warm_partner_pages
from dashboard.datasets import clock
from dashboard.datasets.citations import SourceDates, resource_as_of
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage
from dashboard.export.model import View
from dashboard.ui.data import get_package, served_last
from dashboard.ui.options import filter_options
from dashboard.ui.state import (
    FILTERS_STATE,
    RUN_PACKAGE_STATE,
    URL_NOTICES_STATE,
    VIEW_PARTS_STATE,
    VIEW_STATE,
)
from dashboard.ui.text import plain
from dashboard.ui.view import PageParts

SOURCES_PAGE = "views/sources.py"


@contextmanager
def one_package_per_run() -> Iterator[None]:
    """The entrypoint's run: the package is read once, and the sidebar, the page and its
    exports all show that one (the same records, even if one is saved meanwhile), with one
    revision query instead of one per caller. Let go at the end of the run, so an idle session
    does not hold an old package."""
    st.session_state[RUN_PACKAGE_STATE] = get_package()
    try:
        yield
    finally:
        st.session_state.pop(RUN_PACKAGE_STATE, None)


def package_for_this_run() -> LoadedPackage:
    """The package this run shows (`one_package_per_run`); read afresh outside such a run."""
    package = st.session_state.get(RUN_PACKAGE_STATE)
    return package if package is not None else get_package()


@dataclass(frozen=True)
class PageContext:
    package: LoadedPackage
    filters: Filters
    today: date

    @functools.cached_property
    def country_names(self) -> dict[str, str]:
        return filter_options(self.package).country_names

    def country_name(self, iso3: str) -> str:
        return self.country_names.get(iso3, iso3)

    def nothing_found(self, what: str, in_period: str = "in this period") -> str:
        """A plain sentence for an empty view that names the filters that emptied it, e.g.
        "No meetings recorded for Tuvalu in this period." """
        filters = self.filters
        text = f"No {what}"
        if filters.countries:
            text += " recorded for " + ", ".join(self.country_name(c) for c in filters.countries)
        if filters.start or filters.end:
            text += f" {in_period}"
        if filters.areas:
            text += " in the chosen cooperation areas"
        return text


def data_problem_banner(package: LoadedPackage) -> None:
    """A plain-words notice when the data has problems; details live on the Sources page."""
    errors = package.errors
    unavailable = sorted(package.unavailable)
    if not errors and not unavailable:
        return
    text = f"The data has {len(errors)} problem(s)"
    if unavailable:
        text += "; these tables could not be loaded: " + ", ".join(unavailable)
    text += ". Affected rows are left out; everything else is shown. Details on the Sources page."
    st.warning(plain(text), icon=":material/warning:")


def _today_or_stop(title: str) -> date:
    """The ministry's date; a malformed clock setting stops the page with its message."""
    try:
        return clock.today()
    except clock.ClockSettingError as exc:
        st.title(title)
        st.error(plain(f"The server's clock setting cannot be read: {exc}."))
        st.stop()
        raise  # st.stop() does not return


def page_setup(title: str, needs: Iterable[str] = (), caption: str | None = None) -> PageContext:
    """Everything a page does first: title, banner, URL notices, its filters, required tables.

    Stops the page with a clear message when a table it needs could not be loaded; the
    sidebar and the other pages keep working.
    """
    package = package_for_this_run()
    if package.spec is None:
        st.title(title)
        problem = package.problems[0]
        st.error(plain(f"The data package cannot be read — {problem.describe()}."))
        st.stop()
    today = _today_or_stop(title)
    filters = st.session_state.get(FILTERS_STATE, Filters())
    names = filter_options(package).country_names
    st.session_state[VIEW_STATE] = View(title, filters.describe(names), today.isoformat())
    st.session_state[VIEW_PARTS_STATE] = PageParts()
    st.title(title)
    if caption:
        st.caption(caption)
    data_problem_banner(package)
    for notice in st.session_state.pop(URL_NOTICES_STATE, []):
        st.info(plain(notice), icon=":material/link_off:")
    missing = [name for name in needs if not package.has(name)]
    if missing:
        st.error(
            "This page needs the table(s) "
            + ", ".join(f"'{m}'" for m in missing)
            + ", which could not be loaded. See the Sources page for what is wrong."
        )
        st.page_link(SOURCES_PAGE, label="Open the Sources page", icon=":material/dataset:")
        st.stop()
    return PageContext(package, filters, today)


def as_of_for(package: LoadedPackage, *tables: str) -> SourceDates:
    """The published and checked dates of the tables a chart or table shows."""
    return resource_as_of(package, *tables)


COUNTRY_PAGE_TABLES = ("countries", "indicators", "indicator_catalogue", "meetings", "followups")


def build_ahead() -> None:
    """After a page has been drawn: build every partner's country profile in the background,
    once per package and day, so picking a partner later is a lookup, not a computation. Not
    for a package a newer one has replaced (the run read it before a save)."""
    package = package_for_this_run()
    if package.spec is None or not all(package.has(name) for name in COUNTRY_PAGE_TABLES):
        return
    if not served_last(package):
        return
    try:
        today = clock.today()
    except clock.ClockSettingError:
        return  # the page has already said what is wrong with the setting
    warm_partner_pages(package, today)
