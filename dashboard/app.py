"""The pages' script, served by `streamlit run dashboard/serve.py`. Only sets up the page and the
navigation."""

from pathlib import Path

import streamlit as st

from dashboard.presentation import run
from dashboard.ui.account import (
    account_settings,
    account_sidebar,
    sign_in_gate,
    signed_out_notice,
)
from dashboard.ui.browser import browser_behaviour
from dashboard.ui.nav import sidebar_menu
from dashboard.ui.page import build_ahead, one_package_per_run
from dashboard.ui.present import presenting
from dashboard.ui.reconnect import lost_session_notice
from dashboard.ui.sidebar import filter_sidebar
from dashboard.ui.style import readable_style
from dashboard.ui.unsubscribe import unsubscribe_gate

HERE = Path(__file__).parent

st.set_page_config(
    page_title="S&T Partnerships Dashboard",
    page_icon=str(HERE / "static" / "favicon.png"),
    layout="wide",
    menu_items={
        "About": "S&T Partnerships Dashboard — partner countries, EU programmes, meetings."
    },
)

readable_style()
lost_session_notice()
# An unsubscribe link from the digest works without sign-in, and shows nothing else.
unsubscribe_gate()
# Before anything that reads data: with public_read = false a signed-out visitor gets only
# a sign-in page, and the page receives nothing else.
settings = account_settings()
signed_out_notice(settings)
sign_in_gate(settings)

PAGES = {
    "Briefing": [
        st.Page(
            HERE / "views/overview.py", title="Overview", icon=":material/dashboard:", default=True
        ),
        st.Page(HERE / "views/country.py", title="Country profile", icon=":material/flag:"),
    ],
    "Analysis": [
        st.Page(
            HERE / "views/compare.py", title="Compare indicators", icon=":material/monitoring:"
        ),
        st.Page(HERE / "views/programmes.py", title="EU programmes", icon=":material/euro:"),
        st.Page(HERE / "views/areas.py", title="Cooperation areas", icon=":material/hub:"),
    ],
    "Meetings": [
        st.Page(HERE / "views/timeline.py", title="Meetings timeline", icon=":material/event:"),
        st.Page(HERE / "views/followups.py", title="Follow-ups", icon=":material/checklist:"),
    ],
    "Record": [
        st.Page(
            HERE / "views/record_meeting.py", title="Record a meeting", icon=":material/add_circle:"
        ),
        st.Page(
            HERE / "views/update_followup.py", title="Update a follow-up", icon=":material/update:"
        ),
        st.Page(
            HERE / "views/correct_meeting.py", title="Correct a meeting", icon=":material/edit:"
        ),
        st.Page(HERE / "views/changes.py", title="Recent changes", icon=":material/history:"),
        st.Page(
            HERE / "views/subscriptions.py", title="Digest subscriptions", icon=":material/mail:"
        ),
    ],
    "Data": [
        st.Page(HERE / "views/sources.py", title="Sources", icon=":material/dataset:"),
    ],
}
RECORD_PAGES = {p.url_path for p in PAGES["Record"]}

page = st.navigation(PAGES, position="hidden")
if not presenting():
    sidebar_menu(PAGES)
account_sidebar(settings)
browser_behaviour()
with one_package_per_run():
    # The Record pages take no filters: the sidebar keeps them for the pages that do.
    filter_sidebar(page.url_path, shown=page.url_path not in RECORD_PAGES)
    run(page)
    build_ahead()
