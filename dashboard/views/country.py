"""Country profile: one country on one page, next to Pakistan and chosen peers.

Everything shown comes from `build_country_profile`, the same object the PDF brief uses.
The tables and charts built from it are kept per package (`charts.country_page`), and every
partner's are built in the background once the data is served: picking a partner only redraws.
"""

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.charts.country_page import (
    country_page_charts,
    country_page_hubs_map,
    country_page_tables,
)
from dashboard.datasets.citations import SourceDates, sources_table
from dashboard.datasets.filters import Filters, to_query
from dashboard.datasets.profile import HOME_ISO3, build_country_profile
from dashboard.export.brief import build_brief
from dashboard.ui.display import METRIC_PX, show_chart, show_table, sources_note
from dashboard.ui.options import filter_options
from dashboard.ui.page import COUNTRY_PAGE_TABLES, as_of_for, page_setup
from dashboard.ui.present import presenting
from dashboard.ui.sidebar import set_filter
from dashboard.ui.text import plain
from dashboard.ui.view import drawn, out_of_sight, page_part

DEFAULT_ISO3 = "ROU"
PICKER_KEY = "country_profile_pick"
DETAILS_TAB_KEY = "country_details_tab"
HEADLINE_WIDTH_PX = 290  # three a row on a desk, one on a phone; fits the longest label
ctx = page_setup(
    "Country profile",
    needs=COUNTRY_PAGE_TABLES,
    caption="One country on one page: its tech sector next to Pakistan's and chosen peers', "
    "its companies and hubs, EU programme access, meetings and open follow-ups.",
)
package, filters = ctx.package, ctx.filters
names = ctx.country_names

options = list(filter_options(package).countries)
iso3 = filters.countries[0] if filters.countries else DEFAULT_ISO3
peers = list(filters.countries[1:])
if iso3 not in options:
    options.insert(0, iso3)


def _pick_country() -> None:
    """The picked country leads the country filter; the others stay as peers."""
    picked = st.session_state[PICKER_KEY]
    set_filter("country", list(dict.fromkeys([picked, *peers])))


# The picker always shows the filter's country, also after the sidebar changed it.
st.session_state[PICKER_KEY] = iso3
st.selectbox(
    "Country",
    options,
    key=PICKER_KEY,
    format_func=lambda c: names.get(c, c),
    on_change=_pick_country,
    help="Other countries in the sidebar's country filter are shown as peers.",
)


# Only the period of the filters limits the profile: the country filter is already `iso3` and
# `peers`, so a page with a country in the filter and the default page share their profile.
period = Filters(start=filters.start, end=filters.end)
profile = build_country_profile(package, iso3, tuple(peers), ctx.today, period=period)
name = profile.name
country = profile.country
sources = sources_table(package, profile.source_ids)


def _yes_no(value: object) -> str:
    return "not recorded" if pd.isna(value) else ("yes" if bool(value) else "no")


page_key = (iso3, tuple(peers), ctx.today, period)
tables = country_page_tables(package, *page_key)


@page_part("country_indicators")
def indicator_charts(labels: dict[str, str], indicators_as_of: SourceDates) -> None:
    """One chart at a time: the picked indicator's trend, and picking another reruns this part
    only. Its latest values next to Pakistan's (a bar chart) are recorded for the view's deck
    and workbook, not drawn: the headline figures and the "Latest values side by side" table
    show them. A presentation steps through both charts of every indicator."""
    shown_codes = tables["shown_codes"]
    chosen = st.selectbox("Indicator", shown_codes, format_func=labels.get, key="country_indicator")
    for code in shown_codes if presenting() else [chosen]:
        charts = country_page_charts(package, *page_key, code)
        for part in ("trend", "latest"):
            with out_of_sight() if part == "latest" else nullcontext():
                show_chart(
                    charts[part],
                    charts[f"{part}_data"],
                    key=f"country_{part}_{code}",
                    file_stem=f"{iso3.lower()}-{code}-{part}",
                    package=package,
                    source_ids=charts["ids"],
                    as_of=indicators_as_of,
                )


def headline_figures(indicators_as_of: SourceDates) -> None:
    """The country's latest value of each key indicator, Pakistan's in its tooltip; the
    figures are built once per profile (`country_page_tables`), a rerun only shows them. Each
    has a fixed size that fits the longest label, so the row wraps the same way before and
    after the browser has loaded the script that draws metrics (nothing jumps): three a row on
    a desk, one on a phone."""
    with st.container(horizontal=True):
        for headline in tables["headlines"]:
            st.metric(
                plain(headline.label),
                headline.value,
                help=plain(headline.help),
                border=True,
                width=HEADLINE_WIDTH_PX,
                height=METRIC_PX,
            )
    sources_note(package, tables["headline_ids"], indicators_as_of, key="country_headlines")


st.header(plain(name))
facts_line = [
    ("Region", country.get("region")),
    ("Income group", country.get("income_group")),
    ("EU member", _yes_no(country.get("eu_member"))),
]
st.markdown(
    " · ".join(
        f"**{label}:** {plain(value if not pd.isna(value) else 'not recorded')}"
        for label, value in facts_line
    )
)
basis = country.get("horizon_basis")
st.markdown(
    f"**Horizon Europe:** {plain(profile.horizon_status_words)}"
    + (f" (basis: {plain(basis)})" if isinstance(basis, str) and basis else "")
)
sources_note(
    package,
    [country.get("source_id"), country.get("horizon_source_id")],
    as_of_for(package, "countries"),
    key="country_status",
)
st.download_button(
    "Country brief (PDF)",
    data=lambda: build_brief(profile, ctx.today, sources),
    file_name=f"country-brief-{iso3}-{ctx.today.isoformat()}.pdf",
    mime="application/pdf",
    key="country_brief_pdf",
    on_click="ignore",
    type="primary",
    icon=":material/picture_as_pdf:",
    help="One or two A4 pages for a minister: headline facts, indicators next to Pakistan's, "
    "programme access, meetings, open follow-ups and sources. Built when clicked; the button "
    "shows a spinner while the charts are drawn.",
)
if peers:
    st.caption(
        "Compared with Pakistan and " + ", ".join(plain(names.get(p, p)) for p in peers) + "."
    )
elif iso3 != HOME_ISO3:
    st.caption("Compared with Pakistan. Add countries in the sidebar filter to compare more.")

indicators_as_of = as_of_for(package, "indicators", "indicator_catalogue")
if tables["headlines"]:
    headline_figures(indicators_as_of)

st.subheader("Indicators next to Pakistan" + (" and peers" if peers else ""))
indicators = tables["indicators"]
if indicators.empty:
    st.info(f"No indicator values recorded for {plain(name)} or Pakistan.")
else:
    if not (indicators["iso3"] == iso3).any():
        st.info(f"No indicator values recorded for {plain(name)}; Pakistan's are shown.")
    indicator_charts(tables["labels"], indicators_as_of)


def show_hubs() -> None:
    hubs = tables["hubs"]
    hub_ids = list(hubs["source_id"].dropna()) + list(hubs["coord_source_id"].dropna())
    if drawn():
        st.caption("Hubs: " + ", ".join(plain(city) for city in hubs["city"]))
    show_chart(
        country_page_hubs_map(package, *page_key),
        tables["hubs_data"],
        key="country_hubs_map",
        file_stem=f"{iso3.lower()}-tech-hubs",
        package=package,
        source_ids=hub_ids,
        as_of=as_of_for(package, "tech_hubs"),
    )


@dataclass(frozen=True)
class Section:
    """One of the profile's lower sections: a table (or `show`, for the hubs map)."""

    heading: str
    part: str  # the profile's part (`CountryProfile.is_empty`), and its frame in `tables`
    nothing_recorded: str  # markdown shown instead when the part is empty
    key: str = ""  # the table's widget key
    file_stem: str = ""  # the downloads' file name, after the country's code
    as_of: tuple[str, ...] = ()  # the tables whose date the source line gives
    show: Callable[[], None] | None = None
    frame: str = ""  # the table's frame in `tables`, when not named as `part`

    def draw(self) -> None:
        if self.show is not None:
            self.show()
            return
        show_table(
            tables[self.frame or self.part],
            key=self.key,
            file_stem=f"{iso3.lower()}-{self.file_stem}",
            package=package,
            source_ids=getattr(profile, self.part)["source_id"].dropna(),
            as_of=as_of_for(package, *self.as_of),
        )


# The profile's lower sections, by tab; sections of a side-by-side tab share a row. The first
# tab is open at first: a change of country draws its two tables, not all eight.
DETAIL_TABS: dict[str, tuple[bool, list[Section]]] = {
    "Meetings and follow-ups": (
        True,
        [
            Section(
                "Meetings",
                "meetings",
                f"No meetings recorded with {plain(name)}.",
                "country_meetings",
                "meetings",
                ("meetings",),
            ),
            Section(
                "Open follow-ups",
                "open_followups",
                f"No open follow-ups recorded for {plain(name)}.",
                "country_followups",
                "open-followups",
                ("followups",),
            ),
        ],
    ),
    "Facts and indicators": (
        False,
        [
            Section(
                "Tech-sector facts",
                "facts",
                f"No tech-sector facts recorded for {plain(name)}.",
                "country_facts",
                "sector-facts",
                ("sector_facts",),
            ),
            Section(
                "Latest values side by side",
                "latest",
                f"No indicator values recorded for {plain(name)} or Pakistan.",
                "country_latest_table",
                "latest-values",
                ("indicators", "indicator_catalogue"),
                frame="latest_values",
            ),
        ],
    ),
    "Companies and hubs": (
        True,
        [
            Section(
                "Companies",
                "companies",
                f"No companies recorded for {plain(name)}.",
                "country_companies",
                "companies",
                ("companies",),
            ),
            Section(
                "Tech hubs", "hubs", f"No tech hubs recorded for {plain(name)}.", show=show_hubs
            ),
        ],
    ),
    "Expertise and EU programmes": (
        False,
        [
            Section(
                "Areas of expertise",
                "expertise",
                f"No areas of expertise recorded for {plain(name)}, "
                "and none discussed at meetings.",
                "country_expertise",
                "areas",
                ("country_areas", "meeting_areas"),
            ),
            Section(
                "EU programme access",
                "programme_access",
                f"No EU programmes recorded for {plain(name)}.",
                "country_programmes",
                "programme-access",
                ("programmes", "countries"),
            ),
        ],
    ),
}


@page_part("country_details")
def details() -> None:
    """The lower sections in tabs that build on open: a change of country redraws one tab's
    two sections, not all eight. Tabs not open still record their tables and map, so the view's
    workbook and deck hold the whole profile; a presentation builds every tab."""
    tabs = st.tabs(
        list(DETAIL_TABS),
        key=DETAILS_TAB_KEY,
        on_change="ignore" if presenting() else "rerun",
    )
    for tab, (side_by_side, sections) in zip(tabs, DETAIL_TABS.values(), strict=True):
        if tab.open is False:
            with out_of_sight():
                for section in sections:
                    if not profile.is_empty(section.part):
                        section.draw()
            continue
        with tab:
            places = st.columns(len(sections)) if side_by_side else [st.container()] * len(sections)
            for place, section in zip(places, sections, strict=True):
                with place:
                    st.subheader(section.heading)
                    if profile.is_empty(section.part):
                        st.info(section.nothing_recorded)
                    else:
                        section.draw()


details()

this_country_only = to_query(filters.with_countries([iso3]))
link_timeline, link_followups = st.columns(2)
link_timeline.page_link(
    "views/timeline.py",
    label=f"All meetings with {plain(name)} on the timeline",
    icon=":material/event:",
    query_params=this_country_only,
)
link_followups.page_link(
    "views/followups.py",
    label=f"All follow-ups with {plain(name)}",
    icon=":material/checklist:",
    query_params=this_country_only,
)
