"""Overview: headline figures, partner map, latest meetings, oldest open follow-ups.

What it shows for a set of filters is built once per process (`overview_page_data`): a
filter change back to a view seen before only redraws it.
"""

from dataclasses import replace
from datetime import date

import pandas as pd
import streamlit as st

from dashboard.charts.overview import NOT_ON_MAP, partner_map, partner_meeting_counts
from dashboard.charts.theme import format_value
from dashboard.datasets.citations import source_line
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.queries import (
    followups_view,
    meetings_view,
    partners_view,
    reachable_programmes,
    status_text,
)
from dashboard.ui.display import show_chart, show_table, sources_note
from dashboard.ui.page import as_of_for, page_setup
from dashboard.ui.selection import selection_values
from dashboard.ui.sidebar import set_filter
from dashboard.ui.text import plain
from dashboard.ui.view import record_table

MAP_KEY = "overview_partner_map"
TOP_ROWS = 8

ctx = page_setup(
    "S&T Partnerships Dashboard",
    needs=["countries", "meetings", "meeting_areas", "followups", "programmes"],
    caption="Pakistan's international science and technology partnerships.",
)
package, filters = ctx.package, ctx.filters
names = ctx.country_names


def period_words(filters: Filters) -> str:
    if filters.start or filters.end:
        return f"{filters.start or 'the first record'} to {filters.end or 'today'}"
    return "all recorded dates"


# A page script runs as "__main__": this name is unique among the pages, so its entries in the
# per-package memo are too.
@per_package
def overview_page_data(package: LoadedPackage, filters: Filters, today: date) -> dict[str, object]:
    """The frames and figures this page shows for `filters`, built once per process."""
    data: dict[str, object] = {
        "partners": partners_view(package, filters),
        "meetings": meetings_view(package, filters),
        "programmes": reachable_programmes(package, filters),
    }
    followups = followups_view(package, filters, today)
    data["open_followups"] = followups[followups["is_open"]]
    all_partners = partners_view(package, replace(filters, countries=()))
    period_meetings = meetings_view(package, replace(filters, countries=()))
    data["all_partners"] = all_partners
    data["map_data"] = partner_meeting_counts(all_partners, period_meetings)
    data["map_sources"] = list(period_meetings["source_id"].dropna()) + list(
        all_partners["source_id"].dropna()
    )
    data["map"] = partner_map(
        data["map_data"],
        title=f"Meetings with partner countries, {period_words(filters)}",
        source=source_line(
            package, data["map_sources"], as_of_for(package, "countries", "meetings")
        ),
    )
    data["map_table"] = data["map_data"].rename(
        columns={
            "iso3": "ISO3",
            "country": "Country",
            "meetings": "Meetings",
            "latest_meeting": "Latest meeting",
        }
    )
    latest = data["meetings"].head(TOP_ROWS)
    data["latest"] = latest
    data["latest_table"] = pd.DataFrame(
        {
            "Date": latest["date"].dt.date,
            "Partner": latest["partner"],
            "Meeting": latest["title"],
            "Type": latest["event_type_detail"],
            "Pakistan lead": latest["pakistan_lead"],
        }
    )
    oldest = data["open_followups"].sort_values("age_days", ascending=False).head(TOP_ROWS)
    data["oldest"] = oldest
    data["oldest_table"] = pd.DataFrame(
        {
            "Raised": oldest["raised"].dt.date,
            "Partner": oldest["partner"],
            "Action": oldest["description"],
            "Status": status_text(oldest),
            "Age (days)": oldest["age_days"],
            "Overdue": oldest["overdue"],
        }
    )
    return data


page_data = overview_page_data(package, filters, ctx.today)
partners, meetings = page_data["partners"], page_data["meetings"]
open_followups, programmes = page_data["open_followups"], page_data["programmes"]
period = period_words(filters)

st.caption(plain(f"Showing: {filters.describe(names)}."))
col_partners, col_meetings, col_followups, col_budget = st.columns(4)
col_partners.metric(
    "Partners tracked",
    f"{len(partners):,}",
    help="Countries (and the EU) marked as partners in the countries table"
    + (", limited to the country filter." if filters.countries else "."),
    border=True,
)
col_meetings.metric(
    "Meetings in the period",
    f"{len(meetings):,}",
    help=f"Meetings, visits, MoUs and forums in the meetings table, {period}.",
    border=True,
)
col_followups.metric(
    "Open follow-ups",
    f"{len(open_followups):,}",
    help=f"Follow-up actions (followups table) proposed, agreed or in progress, raised {period}.",
    border=True,
)
budget_help = (
    "Sum of the budgets (programmes table, current prices) of the EU programmes Pakistan can "
    "reach: "
    + "; ".join(
        plain(f"{row.name} ({format_value(row.budget_eur_m, 'EUR m')}) — {row.eligibility_route}")
        for row in programmes.itertuples()
    )
    if not programmes.empty
    else "No EU programme within the filters is reachable for Pakistan."
)
col_budget.metric(
    "EU budget reachable",
    format_value(float(programmes["budget_eur_m"].sum()), "EUR m"),
    help=budget_help,
    border=True,
)
sources_note(
    package,
    list(programmes["source_id"].dropna()) + list(meetings["source_id"].dropna()),
    as_of_for(package, "countries", "meetings", "followups", "programmes"),
    key="overview_figures",
)


def _select_country_on_map() -> None:
    """A country clicked on the map becomes the country filter, so every chart follows it."""
    picked = [c for c in selection_values(MAP_KEY, "location") if c in names]
    if picked:
        set_filter("country", picked)


st.subheader("Partner countries")
# The map keeps every partner so another one can be picked; the country filter is the pick.
all_partners = page_data["all_partners"]
show_chart(
    page_data["map"],
    page_data["map_table"],
    key=MAP_KEY,
    file_stem="partner-countries",
    package=package,
    source_ids=page_data["map_sources"],
    as_of=as_of_for(package, "countries", "meetings"),
    on_select=_select_country_on_map,
)
eu_left_out = ", ".join(
    plain(names.get(c, c)) for c in NOT_ON_MAP if c in set(all_partners["iso3"])
)
st.caption(
    "Click a country to filter every page to it (clear it in the sidebar)."
    + (f" {eu_left_out} is a partner too but not a country on the map." if eu_left_out else "")
)

col_latest, col_oldest = st.columns(2)
with col_latest:
    st.subheader("Latest meetings")
    latest = page_data["latest"]
    if latest.empty:
        st.info("No meetings recorded in this period.")
    else:
        show_table(
            page_data["latest_table"],
            key="overview_latest_meetings",
            file_stem="latest-meetings",
            package=package,
            source_ids=latest["source_id"].dropna(),
            as_of=as_of_for(package, "meetings"),
        )
with col_oldest:
    st.subheader("Oldest open follow-ups")
    oldest = page_data["oldest"]
    if oldest.empty:
        st.info("No open follow-ups recorded in this period.")
    else:
        show_table(
            page_data["oldest_table"],
            key="overview_oldest_followups",
            file_stem="oldest-open-followups",
            package=package,
            source_ids=oldest["source_id"].dropna(),
            as_of=as_of_for(package, "followups"),
        )

st.subheader("Datasets loaded")
rows = []
for res in package.spec.resources:
    dates = as_of_for(package, res.name)
    rows.append(
        {
            "Dataset": res.title,
            "Rows": len(package.table(res.name)),
            "Published": dates.published,
            "Checked": dates.checked,
            "Status": package.status(res.name),
        }
    )
datasets = pd.DataFrame(rows)
record_table("Datasets loaded", datasets, "The data package's tables (Sources page)")
st.dataframe(datasets, hide_index=True, key="overview_datasets")
