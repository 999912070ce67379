"""EU programmes: budget structure, Pakistan's eligibility and route, areas each programme funds.

Clicking a box of the budget treemap sets the programme filter. The programme, area and
period filters limit the programmes shown; the country filter adds the chosen partners'
Horizon Europe status.
"""

from dataclasses import replace

import pandas as pd
import streamlit as st

from dashboard.charts.programmes import budget_text, budget_treemap
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.programme_tree import (
    budget_layout,
    eligibility_view,
    programme_areas_view,
    programmes_view,
    top_levels,
)
from dashboard.ui.display import show_chart, show_table, sources_note
from dashboard.ui.page import as_of_for, page_setup
from dashboard.ui.selection import selection_values
from dashboard.ui.sidebar import set_filter
from dashboard.ui.text import plain

TREEMAP_KEY = "prog_treemap"
MAX_TREEMAP_BOXES = 150
MAX_ELIGIBILITY_LINES = 10  # the table below has every programme
HORIZON_STATUS_WORDS = {
    "member": "EU member state: full participant in Horizon Europe",
    "associated": "associated to Horizon Europe",
    "eligible_third_country": "eligible third country (automatically eligible for funding)",
    "not_automatically_eligible": "not automatically eligible for Horizon Europe funding",
    "not_eligible": "not eligible to take part in Horizon Europe in any capacity",
}
TREE_COLUMNS = {
    "name": "Programme part",
    "level_name": "Level",
    "parent_id": "Part of",
    "budget_eur_m": "Budget (EUR m)",
    "budget_comparator": "Budget given as",
    "period": "Period",
    "source": "Source",
    "programme_id": "Programme id",
}
ctx = page_setup(
    "EU programmes",
    needs=["programmes", "programme_areas", "cooperation_areas", "sources"],
    caption="Budgets and structure of the EU programmes, what Pakistan is eligible for and "
    "through which route, and the cooperation areas each programme funds. Click a box of the "
    "treemap to filter on that programme.",
)
package, filters = ctx.package, ctx.filters


# A page script runs as "__main__": this name is unique among the pages, so its entries in the
# per-package memo are too.
@per_package
def programmes_page_data(package: LoadedPackage, filters: Filters) -> dict[str, object]:
    """The programmes, treemap, eligibility and areas for `filters`, built once per process.
    The country filter does not change them: call it with the countries left out."""
    tree = programmes_view(package, filters)
    boxes = top_levels(tree, MAX_TREEMAP_BOXES)
    drawn, branchvalues, mismatches = budget_layout(boxes)
    notes = {
        m.programme_id: (
            f"Its parts add up to {budget_text(m.parts_eur_m)}, "
            f"more than its budget of {budget_text(m.budget_eur_m)}."
        )
        for m in mismatches
    }
    areas = programme_areas_view(package, tree["programme_id"])
    if filters.areas:
        areas = areas[areas["area_id"].isin(filters.areas).to_numpy()]
    return {
        "tree": tree,
        "boxes": boxes,
        "mismatches": mismatches,
        "treemap": budget_treemap(
            boxes,
            drawn,
            branchvalues,
            title="EU programme budgets, 2021–2027 (current prices)",
            notes=notes,
        ),
        "treemap_data": boxes[list(TREE_COLUMNS)].rename(columns=TREE_COLUMNS),
        "eligibility": eligibility_view(package, tree),
        "areas": areas,
    }


page_data = programmes_page_data(package, replace(filters, countries=()))
tree = page_data["tree"]
programme_sources = tree["source_id"].dropna().tolist()
as_of = as_of_for(package, "programmes", "programme_areas")

if tree.empty:
    st.info(
        "No EU programme in the data matches the filters "
        f"({plain(filters.describe(ctx.country_names))}). Clear the programme, area or period "
        "filter to see them all."
    )
    st.stop()

boxes, mismatches = page_data["boxes"], page_data["mismatches"]


def _select_programme() -> None:
    """A clicked treemap box becomes the programme filter."""
    chosen = selection_values(TREEMAP_KEY, "id")
    if chosen:
        set_filter("programme", chosen)


show_chart(
    page_data["treemap"],
    page_data["treemap_data"],
    key=TREEMAP_KEY,
    file_stem="eu_programme_budgets",
    package=package,
    source_ids=programme_sources,
    as_of=as_of,
    on_select=_select_programme,
)
if len(boxes) < len(tree):
    st.caption(
        f"The treemap shows the top levels: {len(boxes):,} of {len(tree):,} programmes and "
        "parts. Click a box, or choose programmes in the sidebar, to see its parts."
    )
if mismatches:
    st.caption(
        "Box sizes follow the recorded budgets of the parts. "
        + " ".join(
            f"The parts of {plain(m.name)} add up to {budget_text(m.parts_eur_m)}, more than its "
            f"recorded budget of {budget_text(m.budget_eur_m)}: the parts are approximate "
            "allocations, so its box is drawn as large as its parts."
            for m in mismatches
        )
    )
else:
    st.caption("Each programme's parts add up to at most its budget; box sizes are the budgets.")

st.subheader("Pakistan's eligibility and route")
eligibility = page_data["eligibility"]
if eligibility.empty:
    st.info("The programmes in the filter are parts of a programme; its eligibility applies.")
for programme, words, route in zip(
    eligibility["Programme"].head(MAX_ELIGIBILITY_LINES),
    eligibility["Pakistan's eligibility"].head(MAX_ELIGIBILITY_LINES),
    eligibility["Route"].head(MAX_ELIGIBILITY_LINES),
    strict=True,
):
    st.markdown(f"**{plain(programme)}**: {plain(words)}. Route: {plain(route)}")
if len(eligibility) > MAX_ELIGIBILITY_LINES:
    st.caption(f"… and {len(eligibility) - MAX_ELIGIBILITY_LINES:,} more programmes in the table.")
show_table(
    eligibility.drop(columns="source_id"),
    key="prog_eligibility",
    file_stem="pakistan_eligibility",
    package=package,
    source_ids=eligibility["source_id"].dropna().tolist(),
    as_of=as_of_for(package, "programmes"),
    title="Pakistan's eligibility",
)

if filters.countries:
    st.subheader("Chosen partners' Horizon Europe status")
    countries = package.table("countries").set_index("iso3")
    partner_sources = []
    for iso3 in filters.countries:
        name = ctx.country_name(iso3)
        status = countries["horizon_status"].get(iso3)
        if pd.isna(status):
            st.markdown(f"{plain(name)}: Horizon Europe status not recorded.")
            continue
        basis = countries["horizon_basis"].get(iso3)
        words = HORIZON_STATUS_WORDS.get(status, status)
        st.markdown(
            f"**{plain(name)}**: {plain(words)}"
            + (f" — {plain(basis)}" if isinstance(basis, str) and basis else "")
        )
        partner_sources.append(countries["horizon_source_id"].get(iso3))
    if partner_sources:
        sources_note(
            package, partner_sources, as_of_for(package, "countries"), key="partner_routes"
        )

st.subheader("Cooperation areas each programme funds")
st.caption(
    "“Named in the source”: a source names the area for the programme. “Named together with "
    "other programmes”: the source lists several programmes and several areas in one sentence "
    "(the founding release on Horizon Europe, Erasmus+ and Digital Europe) without saying which "
    "programme covers which area, so it does not say this programme funds the area. “By the "
    "programme part's title”: matched by the title of the programme part only, not a "
    "statement of the source."
)
areas = page_data["areas"]
if areas.empty:
    st.info("No cooperation area is recorded for the programmes shown.")
else:
    show_table(
        areas.drop(columns=["source_id", "programme_id", "area_id"]),
        key="prog_areas",
        file_stem="programme_areas",
        package=package,
        source_ids=areas["source_id"].dropna().tolist(),
        as_of=as_of_for(package, "programme_areas"),
        title="Areas each programme funds",
    )
