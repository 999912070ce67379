"""Recent changes: who recorded or changed what, and when, newest first, with a CSV download
(administrators download the full change log)."""

from __future__ import annotations

import streamlit as st

from dashboard.export.tables import to_csv_bytes
from dashboard.records import Role
from dashboard.ui.account import current_identity
from dashboard.ui.page import page_setup
from dashboard.ui.records import current_store, writer

SHOWN = 200

page_setup(
    "Recent changes",
    caption="Every change to the records, newest first: who, when, which record, what changed.",
)
if writer() is None:
    st.stop()
store = current_store()
changes = store.recent_changes(limit=SHOWN)
if changes.empty:
    st.info("No changes recorded yet.")
    st.stop()
st.dataframe(
    changes[["at", "by", "table", "record", "action", "changed"]].assign(
        at=changes["at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    ),
    hide_index=True,
    key="recent_changes",
    column_config={"at": "When (UTC)", "by": "Who", "changed": "Fields changed"},
)
everything = current_identity().may(Role.ADMIN)


def _csv() -> bytes:
    """Built only when the button is pressed; administrators get the whole log."""
    log = store.recent_changes(limit=None) if everything else changes
    return to_csv_bytes(log)


st.download_button(
    "Download the full change log (CSV)" if everything else "Download these changes (CSV)",
    data=_csv,
    file_name="change-log.csv",
    mime="text/csv",
    icon=":material/download:",
    key="recent_changes_csv",
)
