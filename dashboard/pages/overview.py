"""Overview: headline figures, partner map, latest meetings, oldest open follow-ups."""

import pandas as pd
import streamlit as st

from dashboard.ui import page_setup

ctx = page_setup(
    "S&T Partnerships Dashboard",
    caption="Pakistan's international science and technology partnerships.",
)
package = ctx.package

st.subheader("Datasets loaded")
rows = [
    {
        "Dataset": res.title,
        "Rows": len(package.table(res.name)),
        "As of": res.as_of,
        "Status": package.status(res.name),
    }
    for res in package.spec.resources
]
st.dataframe(pd.DataFrame(rows), hide_index=True, key="overview_datasets")
