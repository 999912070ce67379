"""The one escaping path: text from data, a URL or a form reaches the page as text."""

from __future__ import annotations

import re

import pandas as pd

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")


def plain(value: object) -> str:
    """Data text made safe for st.markdown: every markdown or HTML character is taken
    literally, so markup inside data is shown, never interpreted. Missing values become ""."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))
