"""Recent changes: who recorded or changed what, and when, newest first, with a CSV download
(administrators download the full change log)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.export.tables import to_csv_bytes
from dashboard.records import Role
from dashboard.records.changelog import change_rows
from dashboard.ui.account import current_identity
from dashboard.ui.display import table_height
from dashboard.ui.page import page_setup
from dashboard.ui.records import current_store, words, writer

SHOWN = 200
TABLE_WORDS = {
    "meetings": "Meeting",
    "followups": "Follow-up",
    "sources": "Source",
    "meeting_areas": "Meeting's area",
    "meeting_sources": "Meeting's source",
}
ACTION_WORDS = {
    "insert": "recorded",
    "update": "changed",
    "withdraw": "withdrawn",
    "restore": "restored",
    "import": "imported",
    "seed": "loaded from data/",
}

page_setup(
    "Recent changes",
    caption=(
        "Every change to the records, newest first: who, when, which record, what changed. "
        "The download has one row per changed field, with its value before and after."
    ),
)
if writer() is None:
    st.stop()
store = current_store()
changes = store.recent_changes(limit=SHOWN)
if changes.empty:
    st.info("No changes recorded yet.")
    st.stop()
shown = pd.DataFrame(
    {
        "When (UTC)": changes["at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        "Who": changes["by"],
        "What": changes["table"].map(TABLE_WORDS).fillna(changes["table"]),
        "Record": changes["record"],
        "Change": changes["action"].map(ACTION_WORDS).fillna(changes["action"]),
        "Fields changed": [
            ", ".join(words(table, f) for f in str(changed).split(", ") if f)
            for table, changed in zip(changes["table"], changes["changed"], strict=True)
        ],
    }
)
st.dataframe(shown, hide_index=True, height=table_height(shown), key="recent_changes")
everything = current_identity().may(Role.ADMIN)


def _csv() -> bytes:
    """Built only when the button is pressed; administrators get the whole log. One row per
    changed field, times in full with their UTC offset."""
    log = store.recent_changes(limit=None) if everything else changes
    return to_csv_bytes(change_rows(log))


st.download_button(
    "Download the full change log (CSV)" if everything else "Download these changes (CSV)",
    data=_csv,
    file_name="change-log.csv",
    mime="text/csv",
    icon=":material/download:",
    key="recent_changes_csv",
)
