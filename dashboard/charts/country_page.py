"""The country page's tables and figures for one profile, built once per package.

Picking a country is the page's main interaction, and a profile seen for the first time costs
a few hundred milliseconds of pandas and plotly work. So the pieces are kept per package
(`per_package`), and `warm_partner_pages` builds them (and the Overview with that partner in
the filter) in a background thread for every partner country once a package is served, each
one when no page has run for a moment (`PAGE_RUNS`): by the time someone picks a partner, its
page is a lookup. A newer package (after a save) stops the building for the older one and
builds its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.country import hubs_map, indicator_trend, latest_comparison
from dashboard.charts.overview_page import warm_overview
from dashboard.charts.theme import for_screen, format_value
from dashboard.datasets.citations import resource_as_of, source_line, sources_table
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.profile import HOME_ISO3, KEY_INDICATORS, build_country_profile
from dashboard.datasets.programme_tree import ELIGIBILITY_WORDS
from dashboard.datasets.queries import status_text

logger = logging.getLogger(__name__)

INDICATOR_TABLE_COLUMNS = {
    "country": "Country",
    "year": "Year",
    "value": "Value",
    "unit": "Unit",
    "source_id": "Source",
}
NO_PERIOD = Filters()
# The headline figures' labels, short enough for a metric on a phone; an indicator not listed
# is labelled with its name in the catalogue.
HEADLINE_LABELS = {
    "GB.XPD.RSDV.GD.ZS": "R&D spend (% of GDP)",
    "SP.POP.SCIE.RD.P6": "Researchers per million",
    "BX.GSR.CCIS.CD": "ICT service exports",
    "BX.GSR.CCIS.ZS": "ICT share of service exports",
    "TX.VAL.TECH.MF.ZS": "High-tech export share",
    "IT.NET.USER.ZS": "Internet users",
}
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Headline:
    """One headline figure: the country's latest value of an indicator (plain text; the page
    escapes it), with Pakistan's beside it in `help`."""

    code: str
    label: str  # short name and the value's year
    value: str  # formatted, or "not recorded"
    help: str  # the indicator's full name, the country's value and Pakistan's, with years,
    # one a paragraph


def _with_source(frame: pd.DataFrame, source_names: dict[str, str]) -> pd.DataFrame:
    """Add the publisher's name beside each source id, for hover text."""
    return frame.assign(source=frame["source_id"].map(source_names).fillna(frame["source_id"]))


def _fact_value(value: float, unit: str, comparator: object, unverified: object) -> str:
    """A fact's number as stated, e.g. "over 6.00%", marked "(unverified)" when it could not be
    checked against its primary source; empty when the fact has no number."""
    if pd.isna(value):
        return ""
    number = format_value(value, unit)
    text = f"{comparator} {number}" if isinstance(comparator, str) and comparator else number
    return f"{text} (unverified)" if pd.notna(unverified) and bool(unverified) else text


def _latest_words(rows: pd.DataFrame, code: str, iso3: str) -> tuple[str, object]:
    """`iso3`'s latest value of `code` as shown ("0.52%") and its year; "not recorded" and
    None when there is none."""
    row = rows[(rows["indicator_code"] == code) & (rows["iso3"] == iso3)]
    if row.empty or pd.isna(row["value"].iloc[0]):
        return NOT_RECORDED, None
    unit, year = row["unit"].iloc[0], row["year"].iloc[0]
    shown = format_value(float(row["value"].iloc[0]), unit if isinstance(unit, str) else "")
    return shown, None if pd.isna(year) else int(year)


def _with_year(value: str, year: object) -> str:
    return value if year is None else f"{value} ({year})"


def _headlines(
    latest: pd.DataFrame,
    iso3: str,
    name: str,
    codes: list[str],
    labels: dict[str, str],
) -> list[Headline]:
    """The country's latest value of each indicator shown, next to Pakistan's (in the help):
    values from the data only, no difference worked out."""
    headlines = []
    for code in codes:
        value, year = _latest_words(latest, code, iso3)
        short = HEADLINE_LABELS.get(code, labels.get(code, code))
        said = [labels.get(code, code), f"{name}: {_with_year(value, year)}"]
        if iso3 != HOME_ISO3:
            said.append(f"Pakistan: {_with_year(*_latest_words(latest, code, HOME_ISO3))}")
        label = short if year is None else f"{short}, {year}"
        headlines.append(Headline(code, label, value, "\n\n".join(said)))
    return headlines


@per_package
def country_page_tables(
    package: LoadedPackage, iso3: str, peers: tuple[str, ...], today: date, period: Filters
) -> dict[str, object]:
    """The frames the page shows for one profile (shared: callers must not change them)."""
    profile = build_country_profile(package, iso3, peers, today, period=period)
    sources = sources_table(package, profile.source_ids)
    source_names = dict(zip(sources["source_id"], sources["publisher"], strict=False))
    tables: dict[str, object] = {"name": profile.name}
    facts = profile.facts
    tables["facts"] = pd.DataFrame(
        {
            "Topic": facts["topic"],
            "Statement": facts["statement"],
            "Value": [
                _fact_value(value, unit, comparator, unverified)
                for value, unit, comparator, unverified in zip(
                    facts["value"],
                    facts["unit"].fillna(""),
                    facts["comparator"],
                    facts["unverified"],
                    strict=True,
                )
            ],
            "Unit": facts["unit"].fillna(""),
            "Period": facts["period"].fillna(""),
            "As of": facts["as_of"].dt.date,
            "Source": facts["source_id"].map(source_names).fillna(facts["source_id"]),
        }
    )
    indicators = _with_source(profile.indicators, source_names)
    latest = _with_source(profile.latest, source_names)
    shown_codes = [c for c in KEY_INDICATORS if (indicators["indicator_code"] == c).any()]
    tables["indicators"], tables["latest"], tables["shown_codes"] = indicators, latest, shown_codes
    tables["labels"] = dict(
        zip(indicators["indicator_code"], indicators["indicator"].astype(str), strict=True)
    )
    comparison = latest.assign(
        shown=[
            f"{format_value(v, u)} ({y})"
            for v, u, y in zip(
                latest["value"], latest["unit"].fillna(""), latest["year"], strict=True
            )
        ]
    ).pivot_table(
        index=["indicator_code", "indicator"], columns="country", values="shown", aggfunc="first"
    )
    comparison = comparison.reindex(shown_codes, level=0).reset_index(level=0, drop=True)
    tables["latest_values"] = (
        comparison.reset_index().rename(columns={"indicator": "Indicator"}).fillna("no data")
    )
    tables["headlines"] = _headlines(latest, iso3, profile.name, shown_codes, tables["labels"])
    headline_rows = latest[
        latest["indicator_code"].isin(shown_codes) & latest["iso3"].isin([iso3, HOME_ISO3])
    ]
    tables["headline_ids"] = list(headline_rows["source_id"].dropna().unique())
    companies = profile.companies
    tables["companies"] = pd.DataFrame(
        {
            "Company": companies["name"],
            "Sector": companies["sector"],
            "Presence": companies["presence"],
            "Description": companies["description"],
            "Source": companies["source_id"].map(source_names),
        }
    )
    hubs = tables["hubs"] = _with_source(profile.hubs, source_names)
    tables["hubs_data"] = hubs[["city", "kind", "lat", "lon", "source"]].rename(
        columns={"city": "City", "kind": "Kind", "source": "Source"}
    )
    expertise = profile.expertise
    tables["expertise"] = pd.DataFrame(
        {
            "Area": expertise["area"],
            "How we know": expertise["relation"],
            "Meetings": expertise["meetings"],
            "Source": expertise["source_id"].map(source_names),
        }
    )
    access = profile.programme_access
    tables["programme_access"] = pd.DataFrame(
        {
            "Programme": access["name"],
            "Budget": [format_value(v, "EUR m") for v in access["budget_eur_m"]],
            "Pakistan's eligibility": access["pakistan_eligibility"].map(
                lambda e: ELIGIBILITY_WORDS.get(e, e) if isinstance(e, str) else "not recorded"
            ),
            "Pakistan's route": access["eligibility_route"],
            f"{profile.name}'s status": access["partner_status"],
        }
    )
    meetings = profile.meetings
    tables["meetings"] = pd.DataFrame(
        {
            "Date": meetings["date"].dt.date,
            "Meeting": meetings["title"],
            "Type": meetings["event_type_detail"],
            "Pakistan lead": meetings["pakistan_lead"],
            f"{profile.name} lead": meetings["partner_lead"],
        }
    )
    followups = profile.open_followups
    tables["open_followups"] = pd.DataFrame(
        {
            "Raised": followups["raised"].dt.date,
            "Action": followups["description"],
            "Status": status_text(followups),
            "Age (days)": followups["age_days"],
            "Due": followups["due"].dt.date,
            "Overdue": followups["overdue"],
        }
    )
    return tables


@per_package
def country_page_charts(
    package: LoadedPackage,
    iso3: str,
    peers: tuple[str, ...],
    today: date,
    period: Filters,
    code: str,
) -> dict[str, object]:
    """The two charts of indicator `code`, their data and sources."""
    tables = country_page_tables(package, iso3, peers, today, period)
    indicators, latest = tables["indicators"], tables["latest"]
    rows = indicators[indicators["indicator_code"] == code]
    ids = list(rows["source_id"].dropna().unique())
    line = source_line(package, ids, resource_as_of(package, "indicators", "indicator_catalogue"))
    columns = list(INDICATOR_TABLE_COLUMNS)
    return {
        "ids": ids,
        "trend": indicator_trend(indicators, code, HOME_ISO3, source=line),
        "trend_data": rows[columns].rename(columns=INDICATOR_TABLE_COLUMNS),
        "latest": latest_comparison(latest, code, HOME_ISO3, source=line),
        "latest_data": latest[latest["indicator_code"] == code][columns].rename(
            columns=INDICATOR_TABLE_COLUMNS
        ),
    }


@per_package
def country_page_hubs_map(
    package: LoadedPackage, iso3: str, peers: tuple[str, ...], today: date, period: Filters
) -> go.Figure:
    """The map of the country's tech hubs."""
    tables = country_page_tables(package, iso3, peers, today, period)
    hubs = tables["hubs"]
    hub_ids = list(hubs["source_id"].dropna()) + list(hubs["coord_source_id"].dropna())
    return hubs_map(
        hubs,
        title=f"Tech hubs in {tables['name']}",
        source=source_line(package, hub_ids, resource_as_of(package, "tech_hubs")),
    )


def build_country_page(package: LoadedPackage, iso3: str, today: date) -> None:
    """Everything the page draws first for `iso3` with no peers and no period: its tables, the
    first indicator's charts (the trend as the screen shows it; the latest values are only
    recorded for the view's exports) and the hubs map."""
    key = (iso3, (), today, NO_PERIOD)
    tables = country_page_tables(package, *key)
    shown = tables["shown_codes"]
    if shown:
        for_screen(country_page_charts(package, *key, shown[0])["trend"])
    if not tables["hubs"].empty:
        for_screen(country_page_hubs_map(package, *key))


def partner_countries(package: LoadedPackage) -> list[str]:
    """The partner countries, as the country filter lists them."""
    countries = package.table("countries")
    return sorted(countries.loc[countries["is_partner"].fillna(False).astype(bool), "iso3"])


class _PageRuns:
    """Page runs in this process: the background building waits, before each partner, until
    none has been in progress for a moment, so it takes the processor (and Python's lock) only
    while no one waits for a page, nor for what a page just sent (the browser then fetches
    plotly's script and the map's outline from this server, and draws)."""

    def __init__(self) -> None:
        self._count = 0
        self._last_end = 0.0  # time.monotonic() when the last page run ended
        self._changed = threading.Condition()

    @contextmanager
    def running(self) -> Iterator[None]:
        with self._changed:
            self._count += 1
        try:
            yield
        finally:
            with self._changed:
                self._count -= 1
                self._last_end = time.monotonic()
                self._changed.notify_all()

    def wait_until_quiet(
        self, settle_s: float, timeout_s: float, stop: threading.Event | None = None
    ) -> None:
        """Until no page run has been in progress for `settle_s`, `timeout_s` has passed, or
        `stop` is set (and `wake` called)."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while (now := time.monotonic()) < deadline and not (stop and stop.is_set()):
                if self._count:
                    self._changed.wait(deadline - now)
                    continue
                quiet_for = now - self._last_end
                if quiet_for >= settle_s:
                    return
                self._changed.wait(min(settle_s - quiet_for, deadline - now))

    def wake(self) -> None:
        """Wake whoever waits, to look again at what they wait for."""
        with self._changed:
            self._changed.notify_all()


PAGE_RUNS = _PageRuns()
SETTLE_S = 2.0  # quiet time after a page run before the next partner is built
QUIET_WAIT_S = 30  # at most this long per partner: a busy server still gets them built


@dataclass(frozen=True)
class _Build:
    """The building of the partner pages of one package and day, in `thread`."""

    package: LoadedPackage
    today: date
    stop: threading.Event
    thread: threading.Thread


# The build under way (or done) per data folder: a newer package (a saved record, an edited
# file) or day replaces it, and the build for the older one, which no page shows any more,
# stops before its next partner.
_builds: dict[Path, _Build] = {}
_builds_lock = threading.Lock()


def warm_partner_pages(package: LoadedPackage, today: date) -> threading.Thread:
    """Build every partner's country page in a background thread, once per package and day,
    and stop the building for an older package or day of the same data folder (the caller
    passes the newest package served: `ui.page.build_ahead`). Returns the building thread."""
    with _builds_lock:
        build = _builds.get(package.data_dir)
        if build is not None and build.package is package and build.today == today:
            return build.thread
        if build is not None:
            build.stop.set()
            PAGE_RUNS.wake()
        stop = threading.Event()
        thread = threading.Thread(
            target=_build_all, args=(package, today, stop), name="warm-country-pages", daemon=True
        )
        _builds[package.data_dir] = _Build(package, today, stop, thread)
        thread.start()
        return thread


def _build_all(package: LoadedPackage, today: date, stop: threading.Event) -> None:
    for iso3 in partner_countries(package):
        PAGE_RUNS.wait_until_quiet(SETTLE_S, QUIET_WAIT_S, stop)
        if stop.is_set():
            return
        try:
            build_country_page(package, iso3, today)
            # And the Overview with this partner alone in the filter, as picking it gives.
            warm_overview(package, Filters(countries=(iso3,)), today)
        except Exception:  # the page itself then shows what is wrong, when it is opened
            logger.exception("building the country page of %s in advance failed", iso3)
