"""Sources: every dataset, its publisher, licence, as-of date, rows, validation status, download."""

import pandas as pd
import streamlit as st

from dashboard.datasets.citations import resource_as_of, source_line
from dashboard.datasets.loader import UNAVAILABLE
from dashboard.ui.display import download_buttons, table_height
from dashboard.ui.page import page_setup
from dashboard.ui.text import plain, source_link
from dashboard.ui.view import record_table

ctx = page_setup(
    "Sources",
    caption="Every table behind the dashboard: who published it, under which licence, how recent "
    "it is (“Published”: the newest publication date among the sources its rows cite; "
    "“Checked”: when one of them was last read), and whether it passed validation.",
)
package = ctx.package
PREVIEW_ROWS = 200
STATUS_WORDS = {
    "ok": "✅ valid",
    "warnings": "⚠️ valid, with warnings",
    "errors": "❌ problems — affected rows left out",
    UNAVAILABLE: "❌ not loaded",
}

rows = []
for res in package.spec.resources:
    status = package.status(res.name)
    dates = resource_as_of(package, res.name)
    rows.append(
        {
            "Dataset": res.title,
            "File": res.path,
            # A table citing no source (labels.csv) is the package's own wording.
            "Publisher": res.publisher or "This data package (its own wording)",
            "Licence": res.licence,
            "Published": dates.published,
            "Checked": dates.checked,
            "Rows": None if status == UNAVAILABLE else len(package.table(res.name)),
            "Validation": STATUS_WORDS[status],
            "Problems": len(package.problems_for(res.path)),
        }
    )
overview = pd.DataFrame(rows)
PACKAGE_SOURCE = "The data package's description (datapackage.json) and the loader's checks"
record_table("Datasets", overview, PACKAGE_SOURCE)
st.dataframe(
    overview,
    hide_index=True,
    height=table_height(overview),
    key="sources_overview",
    column_config={"Rows": st.column_config.NumberColumn(format="%d")},
)

if package.problems:
    st.subheader("Problems found in the data")
    problems = pd.DataFrame(
        [
            {
                "Severity": p.severity,
                "File": p.file,
                "Line": p.line,
                "Column": p.column or "",
                "Value": "" if p.value is None else str(p.value)[:80],
                "Rule": p.rule,
                "What is wrong": p.message,
            }
            for p in package.problems
        ]
    )
    record_table("Problems found in the data", problems, PACKAGE_SOURCE)
    st.dataframe(problems, hide_index=True, height=table_height(problems), key="sources_problems")
else:
    st.success("Every table passed validation.", icon=":material/verified:")

st.subheader("Download a dataset")
choice = st.selectbox(
    "Dataset",
    [r.name for r in package.spec.resources if package.has(r.name)],
    format_func=lambda n: package.resource(n).title,
)
if choice:
    res = package.resource(choice)
    table = package.table(choice)
    st.caption(plain(res.description))
    ids = table["source_id"].dropna().unique().tolist() if "source_id" in table else []
    preview = table.head(PREVIEW_ROWS)
    dates = resource_as_of(package, choice)
    record_table(res.title, table, source_line(package, ids, dates), ids)
    st.dataframe(preview, hide_index=True, height=table_height(preview), key=f"preview_{choice}")
    if len(table) > PREVIEW_ROWS:
        st.caption(
            f"Showing the first {PREVIEW_ROWS} of {len(table):,} rows; the download has all."
        )
    download_buttons(
        table,
        key=f"dl_{choice}",
        file_stem=choice,
        package=package,
        source_ids=ids,
        as_of=dates,
    )

st.subheader("Cited sources")
sources = package.table("sources")
record_table("Cited sources", sources, "The sources table", sources["source_id"])
st.dataframe(
    # Only an http(s) address becomes a link; anything else is left out of the column.
    sources.assign(url=sources["url"].map(source_link)),
    hide_index=True,
    height=table_height(sources),
    key="sources_list",
    # What a reader looks for first leads, so a phone shows it without scrolling sideways.
    column_order=[
        "publisher",
        "title",
        "published",
        *(c for c in sources.columns if c not in {"publisher", "title", "published"}),
    ],
    column_config={"url": st.column_config.LinkColumn("url")},
)
