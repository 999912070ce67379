"""Pure chart functions: DataFrame in, themed plotly Figure out. No Streamlit here."""
