"""The "Download calendar (.ics)" button: what a page's filters show, as events to import into
a calendar (`dashboard.export.calendar`); the file is built only when the button is pressed."""

from __future__ import annotations

import logging
from functools import cache

import pandas as pd
import streamlit as st

from dashboard.export.calendar import build_calendar
from dashboard.export.links import AppLinks, PublicUrlError

logger = logging.getLogger(__name__)
LABEL = "Download calendar (.ics)"


@cache
def _links() -> AppLinks | None:
    """Events link to the app when DASHBOARD_PUBLIC_URL is set (a bad value: no links, and
    the server log says why, once)."""
    try:
        return AppLinks.from_env()
    except PublicUrlError as exc:
        logger.warning("calendar downloads carry no links: %s", exc)
        return None


def calendar_download(
    name: str,
    *,
    key: str,
    file_stem: str,
    meetings: pd.DataFrame | None = None,
    followups: pd.DataFrame | None = None,
) -> None:
    """The download of `meetings` (as events on their dates) and `followups`' due dates (as
    all-day events), named `name` in the calendar."""
    due = 0 if followups is None else int(followups["due"].notna().sum())
    shown = [
        f"{len(meetings)} meeting(s)" if meetings is not None else "",
        f"{due} due date(s) of the follow-ups shown" if followups is not None else "",
    ]
    st.download_button(
        LABEL,
        data=lambda: build_calendar(name, meetings, followups, _links()),
        file_name=f"{file_stem}.ics",
        mime="text/calendar",
        icon=":material/calendar_month:",
        key=key,
        help=" and ".join(part for part in shown if part)
        + " as all-day events. Importing a newer file updates the events instead of adding "
        "them again.",
    )
