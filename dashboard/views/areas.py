"""Cooperation areas: partner countries × cooperation areas — partner strength, our priority,
the programmes that fund each area. Selecting a cell sets the country and area filters and
leads to the country profile and the EU programmes. The matrix, its chart and its data for
a set of filters are built once per process (`areas_page_data`).
"""

import pandas as pd
import streamlit as st

from dashboard.charts.areas import area_matrix
from dashboard.datasets.citations import distinct_source_ids, source_line
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.matrix import (
    MAX_MATRIX_AREAS,
    MAX_MATRIX_PARTNERS,
    SCORING,
    area_columns,
    area_funding,
    area_programmes,
    matrix_source_ids,
    partner_area_matrix,
    partner_rows,
)
from dashboard.datasets.programme_tree import BASIS_WORDS
from dashboard.ui.display import show_chart, show_table
from dashboard.ui.page import as_of_for, page_setup
from dashboard.ui.sidebar import set_filter
from dashboard.ui.text import plain

MATRIX_KEY = "areas_matrix"
MATRIX_COLUMNS = {
    "country": "Country",
    "area": "Cooperation area",
    "score": "Partner strength",
    "expertise": "Expertise named by a source",
    "meetings": "Meetings that discussed it",
    "latest_meeting": "Latest meeting",
    "in_founding_release": "Our priority (release of 2025-08-09)",
    "programmes": "Programmes funding the area",
    "source": "Sources",
}
ctx = page_setup(
    "Cooperation areas",
    needs=["countries", "cooperation_areas", "country_areas", "meetings", "meeting_areas"],
    caption="Where to cooperate, with whom, with whose money: partner countries against "
    f"cooperation areas. {SCORING} ★ marks our priority areas, named in the founding release "
    "of 2025-08-09; the row below counts the EU programmes (or programme parts) recorded as "
    "funding each area. Click a cell to filter on that country and area.",
)
package, filters = ctx.package, ctx.filters
names = ctx.country_names


# A page script runs as "__main__": this name is unique among the pages, so its entries in the
# per-package memo are too.
@per_package
def areas_page_data(package: LoadedPackage, filters: Filters) -> dict[str, object]:
    """The partners, the matrix, its chart and its data for `filters`, built once per process."""
    data: dict[str, object] = {"partners": partner_rows(package, filters)}
    if data["partners"].empty:
        return data
    matrix = partner_area_matrix(
        package, filters, max_partners=MAX_MATRIX_PARTNERS, max_areas=MAX_MATRIX_AREAS
    )
    areas_in_filters = area_columns(package, filters)
    areas = areas_in_filters[areas_in_filters["area_id"].isin(set(matrix["area_id"])).to_numpy()]
    releases = package.table("cooperation_areas")
    release_source = releases.loc[
        releases["in_founding_release"].fillna(False).astype(bool), "source_id"
    ]
    data |= {
        "matrix": matrix,
        "areas_in_filters": areas_in_filters,
        "areas": areas,
        "source_ids": distinct_source_ids(matrix_source_ids(package, matrix)),
        "figure": area_matrix(
            matrix,
            area_funding(package, areas),
            title="Partner strength by cooperation area",
            priority_source=source_line(
                package, release_source.head(1), None, limit=1
            ).removeprefix("Source: "),
        ),
        "table": matrix[list(MATRIX_COLUMNS)].rename(columns=MATRIX_COLUMNS),
    }
    return data


page_data = areas_page_data(package, filters)
partners = page_data["partners"]
not_partners = [c for c in filters.countries if c not in set(partners["iso3"])]
if not_partners:
    st.info(
        "Not tracked as partner countries, so not in the matrix: "
        + ", ".join(plain(names.get(c, c)) for c in not_partners)
        + "."
    )
if partners.empty:
    st.info("No partner country in the country filter. Clear it to see every partner.")
    st.stop()

matrix, areas = page_data["matrix"], page_data["areas"]
areas_in_filters = page_data["areas_in_filters"]
as_of = as_of_for(package, "country_areas", "meetings", "meeting_areas", "programme_areas")


def _select_cell() -> None:
    """A clicked cell sets the country and area filters; a priority or programme mark only
    the area."""
    state = st.session_state.get(MATRIX_KEY)
    points = (state or {}).get("selection", {}).get("points", [])
    data = [p.get("customdata") for p in points if isinstance(p.get("customdata"), list)]
    countries = list(dict.fromkeys(d[0] for d in data if len(d) > 1 and d[0]))
    chosen_areas = list(dict.fromkeys(d[1] for d in data if len(d) > 1 and d[1]))
    if countries:
        set_filter("country", countries)
    if chosen_areas:
        set_filter("area", chosen_areas)


cut = []
if len(partners) > MAX_MATRIX_PARTNERS:
    cut.append(f"the {MAX_MATRIX_PARTNERS} strongest of {len(partners)} partners")
if len(areas_in_filters) > MAX_MATRIX_AREAS:
    cut.append(
        f"{MAX_MATRIX_AREAS} of {len(areas_in_filters)} cooperation areas (our priority areas, "
        "then those where the partners are strongest)"
    )
if cut:
    st.info(
        "Showing " + " and ".join(cut) + ", by total partner strength. Choose countries or "
        "areas in the sidebar to see others.",
        icon=":material/filter_alt:",
    )
if matrix["score"].sum() == 0:
    st.caption(
        "No expertise named by a source and no meeting on these areas recorded for the "
        "countries and period chosen."
    )
elif matrix["meetings"].sum() == 0 and (filters.start or filters.end):
    st.caption("No meeting in the period chosen: the strengths shown are named expertise only.")
show_chart(
    page_data["figure"],
    page_data["table"],
    key=MATRIX_KEY,
    file_stem="cooperation_matrix",
    package=package,
    source_ids=page_data["source_ids"],
    as_of=as_of,
    on_select=_select_cell,
)

single_country = partners["iso3"].iloc[0] if len(partners) == 1 else None
single_area = areas.iloc[0] if len(areas) == 1 else None
if single_country or single_area is not None:
    st.subheader("Selected")
    if single_country and single_area is not None:
        cell = matrix.iloc[0]
        st.markdown(
            f"**{plain(cell['country'])} × {plain(cell['area'])}**: partner strength "
            f"{int(cell['score'])}; expertise named by a source: "
            f"{'yes' if cell['expertise'] else 'no'}; meetings that discussed it: "
            f"{int(cell['meetings'])}."
        )
    links = st.columns(2)
    if single_country:
        links[0].page_link(
            "views/country.py",
            label=f"Country profile: {plain(names.get(single_country, single_country))}",
            icon=":material/flag:",
        )
    if single_area is not None:
        links[1].page_link(
            "views/programmes.py",
            label=f"EU programmes funding {plain(single_area['name'])}",
            icon=":material/euro:",
        )
        funders = area_programmes(package, [single_area["area_id"]])
        if funders.empty:
            st.info(f"No EU programme is recorded as funding {plain(single_area['name'])}.")
        else:
            show_table(
                pd.DataFrame(
                    {
                        "Programme": funders["programme"],
                        "Basis": funders["basis"].map(BASIS_WORDS).fillna(funders["basis"]),
                    }
                ),
                key="areas_funders",
                file_stem="programmes_funding_area",
                package=package,
                source_ids=funders["source_id"].dropna().tolist(),
                as_of=as_of_for(package, "programme_areas"),
                title="Programmes funding the area",
            )
