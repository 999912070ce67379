"""Overview: headline figures, partner map, latest meetings, oldest open follow-ups.

What it shows for a set of filters is built once per package (`charts.overview_page`): a
filter change back to a view seen before only redraws it.
"""

import pandas as pd
import streamlit as st

from dashboard.charts.overview import NOT_ON_MAP
from dashboard.charts.overview_page import OVERVIEW_TABLES, overview_page_data, period_words
from dashboard.charts.theme import format_value
from dashboard.ui.display import METRIC_PX, show_chart, show_table, sources_note, table_height
from dashboard.ui.page import as_of_for, page_setup
from dashboard.ui.selection import selection_values
from dashboard.ui.sidebar import set_filter
from dashboard.ui.text import plain
from dashboard.ui.view import record_table

MAP_KEY = "overview_partner_map"

ctx = page_setup(
    "S&T Partnerships Dashboard",
    needs=OVERVIEW_TABLES,
    caption="Pakistan's international science and technology partnerships.",
)
package, filters = ctx.package, ctx.filters
names = ctx.country_names


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
    height=METRIC_PX,
)
col_meetings.metric(
    "Meetings in the period",
    f"{len(meetings):,}",
    help=f"Meetings, visits, MoUs and forums in the meetings table, {period}.",
    border=True,
    height=METRIC_PX,
)
col_followups.metric(
    "Open follow-ups",
    f"{len(open_followups):,}",
    help=f"Follow-up actions (followups table) proposed, agreed or in progress, raised {period}.",
    border=True,
    height=METRIC_PX,
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
    height=METRIC_PX,
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
st.dataframe(datasets, hide_index=True, height=table_height(datasets), key="overview_datasets")
