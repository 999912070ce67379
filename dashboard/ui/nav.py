"""The sidebar menu, drawn with `st.page_link` from the same page list `st.navigation` gets.

Streamlit's own sectioned menu renders list items outside a list (axe-core: `list`,
`listitem`), which screen readers announce wrongly. `st.navigation(..., position="hidden")`
keeps the page objects, their URLs and page switching; this menu is plain links under
section headings, so a page added to the list appears here by itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st


def sidebar_menu(sections: Mapping[str, Sequence[st.Page]]) -> None:
    """One heading per section and one link per page, at the top of the sidebar."""
    with st.sidebar.container(key="page_menu"):
        for section, pages in sections.items():
            st.markdown(f"**{section}**")
            for page in pages:
                st.page_link(page, label=page.title, icon=page.icon, width="stretch")
