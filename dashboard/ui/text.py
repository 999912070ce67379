"""The one escaping path: text from data, a URL or a form reaches the page as text.

Streamlit renders markdown in bodies, captions, alerts, titles and widget labels and help
tooltips; `plain()` makes any string literal there. The only links the app draws come from
`source_link()`, which accepts nothing but an http(s) address (the sources table's `url`).
"""

from __future__ import annotations

import re

import pandas as pd

# Every ASCII punctuation character markdown, GFM autolinks, HTML or LaTeX ($…$) could act on.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=@%^\"'/])")
# Streamlit's markdown (remark-gfm) turns bare addresses into links *after* parsing, so
# escapes cannot stop it; an invisible word joiner after "http" and "www" and before "@"
# breaks every pattern it looks for while the text reads the same.
_AUTOLINK_TRIGGER = re.compile(r"(?i)(?<=http)(?=s?:)|(?<=www)(?=\.)|(?=@)")
WORD_JOINER = "\u2060"
_SOURCE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")


def plain(value: object) -> str:
    """Data text made safe for st.markdown: every markdown or HTML character is taken
    literally, so markup inside data is shown, never interpreted. Missing values become ""."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = _AUTOLINK_TRIGGER.sub(WORD_JOINER, str(value))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def source_link(url: object) -> str | None:
    """`url` if it is an http(s) address that may be drawn as a link, else None."""
    if isinstance(url, str) and _SOURCE_URL.match(url.strip()):
        return url.strip()
    return None
