"""Compare indicators: any indicator, any countries, any years — trend and ranking, the
values by year in the trend's Table tab.

The indicator travels in the URL as ``indicator=<code>`` next to the shared filters; clicking
a ranking bar sets the country filter, so the charts filter each other. Its charts and tables
are kept per process (`compare_page_parts`): a filter change back to a view seen before only
redraws them.
"""

import pandas as pd
import streamlit as st

from dashboard.charts.compare import latest_ranking, trend_lines
from dashboard.datasets.compare import (
    build_comparison,
    comparison_table,
    data_years,
    default_countries,
    indicator_codes,
    reference_groups,
)
from dashboard.datasets.filters import parse_page_code, year_range
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.ui.display import show_chart
from dashboard.ui.page import as_of_for, page_setup
from dashboard.ui.selection import selection_values
from dashboard.ui.sidebar import set_filter
from dashboard.ui.text import plain

INDICATOR_KEY = "cmp_indicator"
# The widget's own state is dropped when another page runs; this copy survives page switches.
INDICATOR_KEPT = "_cmp_indicator_kept"
# What this page last wrote to the URL: a different value there comes from a link.
INDICATOR_IN_URL = "_cmp_indicator_in_url"
REFERENCES_KEY = "cmp_references"
RANKING_KEY = "cmp_ranking"
SERIES_COLUMNS = {
    "country": "Country",
    "iso3": "ISO3",
    "year": "Year",
    "value": "Value",
    "unit": "Unit",
    "source": "Source",
}

ctx = page_setup(
    "Compare indicators",
    needs=["countries", "indicators", "indicator_catalogue"],
    caption="Any indicator, any countries, any years. Countries come from the sidebar's country "
    "filter, years from its period. Click a bar of the ranking to compare that country alone.",
)
package, filters = ctx.package, ctx.filters
names = ctx.country_names
catalogue = package.table("indicator_catalogue")
indicator_names = dict(zip(catalogue["indicator_code"], catalogue["name"], strict=False))
codes = indicator_codes(package)

if not codes:
    st.info("No indicators are recorded in the indicator catalogue.")
    st.stop()


def _indicator_from_url() -> list[str]:
    """Take ``indicator=`` from the URL when it is new (a link was opened, not our own write);
    notices for what had to be dropped."""
    from_url = st.query_params.get_all("indicator")
    if not from_url or from_url == [st.session_state.get(INDICATOR_IN_URL)]:
        return []
    code, notices = parse_page_code("indicator", from_url, codes)
    if code:
        st.session_state[INDICATOR_KEY] = code
    return notices


for notice in _indicator_from_url():
    st.info(plain(notice), icon=":material/link_off:")
if INDICATOR_KEY not in st.session_state and st.session_state.get(INDICATOR_KEPT) in codes:
    st.session_state[INDICATOR_KEY] = st.session_state[INDICATOR_KEPT]
if st.session_state.get(INDICATOR_KEY) not in codes:
    st.session_state[INDICATOR_KEY] = codes[0]

col_indicator, col_references = st.columns([3, 2])
indicator = col_indicator.selectbox(
    "Indicator",
    codes,
    key=INDICATOR_KEY,
    format_func=lambda code: indicator_names.get(code, code),
)
st.session_state[INDICATOR_KEPT] = indicator
if st.query_params.get_all("indicator") != [indicator]:
    st.query_params["indicator"] = indicator
st.session_state[INDICATOR_IN_URL] = indicator

groups = reference_groups(package, indicator)
st.session_state[REFERENCES_KEY] = [
    g for g in st.session_state.get(REFERENCES_KEY, []) if g in groups
]
references = col_references.multiselect(
    "Reference groups",
    groups,
    key=REFERENCES_KEY,
    format_func=lambda code: names.get(code, code),
    placeholder="e.g. World",
    help="Aggregates such as the World or an income group, drawn as dashed reference lines.",
)

compared = list(filters.countries) or default_countries(package, indicator)
years = year_range(filters, data_years(package, indicator, compared) or (1960, 2030))


# A page script runs as "__main__": this name is unique among the pages, so its entries in the
# per-package memo are too.
@per_package
def compare_page_parts(
    package: LoadedPackage,
    indicator: str,
    countries: tuple[str, ...],
    years: tuple[int, int],
    references: tuple[str, ...],
) -> dict[str, object]:
    """The comparison, its charts and the frames shown beside them, built once per process."""
    comparison = build_comparison(package, indicator, countries, years, references)
    parts: dict[str, object] = {"comparison": comparison}
    if comparison.series.empty:
        return parts
    title_years = f"{comparison.years[0]}–{comparison.years[1]}" if comparison.years else ""
    series_shown = comparison.series[list(SERIES_COLUMNS)].rename(columns=SERIES_COLUMNS)
    if not comparison.references.empty:
        references_shown = comparison.references[list(SERIES_COLUMNS)].rename(
            columns=SERIES_COLUMNS
        )
        series_shown = pd.concat([series_shown, references_shown], ignore_index=True)
    parts["trend"] = trend_lines(
        comparison.series,
        comparison.references,
        title=f"{comparison.indicator}, {title_years}",
        unit=comparison.unit,
        highlighted=countries,
    )
    parts["trend_data"] = series_shown
    ranking_columns = {"rank": "Rank", **SERIES_COLUMNS}
    parts["ranking"] = latest_ranking(
        comparison.latest,
        title=f"Latest value per country: {comparison.indicator}",
        unit=comparison.unit,
    )
    parts["ranking_data"] = comparison.latest[list(ranking_columns)].rename(columns=ranking_columns)
    # Reference groups are drawn as lines too, so they are rows of the table.
    parts["table"] = comparison_table(
        pd.concat([comparison.series, comparison.references], ignore_index=True)
        if not comparison.references.empty
        else comparison.series
    )
    return parts


parts = compare_page_parts(package, indicator, filters.countries, years, tuple(references))
comparison = parts["comparison"]

if comparison.defaulted:
    st.caption(
        f"No country chosen in the filter: showing Pakistan and the {len(compared) - 1} partner "
        "countries that have values for this indicator."
    )
if comparison.series.empty:
    who = ", ".join(names.get(c, c) for c in compared)
    period = f" between {years[0]} and {years[1]}" if filters.start or filters.end else ""
    st.info(plain(f"No values of {comparison.indicator} recorded for {who}{period}."))
    st.stop()
if comparison.without_data:
    st.caption(
        plain(
            f"No values of {comparison.indicator} in {years[0]}–{years[1]} for: "
            + ", ".join(names.get(c, c) for c in comparison.without_data)
            + "."
        )
    )
if filters.countries:
    st.caption(
        "The countries in the filter are drawn in colour and named at their line's end; "
        "Pakistan, when chosen, with the thick green line and green bar."
    )
else:
    st.caption(
        "Pakistan is drawn with the thick green line and green bar, the other partners in grey: "
        "hover over a year to see every country's value, or choose countries in the sidebar "
        "filter to draw them in colour, named at their line's end."
    )

as_of = as_of_for(package, "indicators", "indicator_catalogue")
# The trend's Table tab holds the values by year (every line drawn, one column per year),
# built only when opened: a filter change draws the two charts and no table.
show_chart(
    parts["trend"],
    parts["trend_data"],
    key="cmp_trend",
    file_stem="compare_trend",
    package=package,
    source_ids=comparison.source_ids,
    as_of=as_of,
    table=parts["table"],
    table_title="Values by year",
    table_note=f"{comparison.indicator} ({comparison.unit}); one row per country"
    + (" or reference group" if not comparison.references.empty else "")
    + ", one column per year.",
)


def _select_country() -> None:
    """A clicked ranking bar becomes the country filter."""
    chosen = selection_values(RANKING_KEY, "customdata")
    if chosen:
        set_filter("country", chosen)


show_chart(
    parts["ranking"],
    parts["ranking_data"],
    key=RANKING_KEY,
    file_stem="compare_latest",
    package=package,
    source_ids=comparison.source_ids,
    as_of=as_of,
    on_select=_select_country,
)
