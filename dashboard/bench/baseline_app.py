"""The floor for this stack: a bare Streamlit app with one selectbox and one plotly chart.

The benchmark runs it exactly like the dashboard (same server settings, same browser) so every
figure of the dashboard can be read as a ratio to what Streamlit + plotly cost on their own.
The values are arbitrary (a seeded random walk per option); this app is never shown to users.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

OPTIONS = [f"Series {n}" for n in range(1, 11)]
YEARS = list(range(1960, 2025))

choice = st.selectbox("Series", OPTIONS, key="series")
walk = np.random.default_rng(OPTIONS.index(choice)).normal(size=len(YEARS)).cumsum()
fig = go.Figure(go.Scatter(x=YEARS, y=walk, mode="lines", name=choice))
fig.update_layout(title=choice, height=400)
st.plotly_chart(fig, key="chart", theme=None)
