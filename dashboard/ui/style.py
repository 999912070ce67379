"""The few style rules the app adds to Streamlit's theme, sent once per run by the entrypoint."""

from __future__ import annotations

import streamlit as st

# Streamlit draws captions in the text colour at 60 % opacity: #767977 on white, 4.4:1, under
# the 4.5:1 that WCAG AA asks of small text. Opaque, in the theme's source-line grey, they
# read 7.6:1 on white and 6.9:1 on the sidebar's grey.
READABLE_CSS = """
<style>
[data-testid="stCaptionContainer"] { opacity: 1; color: #4a545e; }
/* The container of the page's script (ui/browser.py) draws nothing and takes no room. */
.st-key-page_scripts { display: none; }
</style>
"""


def readable_style() -> None:
    st.html(READABLE_CSS)
