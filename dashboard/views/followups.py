"""Follow-ups: the commitments meetings produced, their status and age; each opens its meeting."""

import re
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from dashboard.charts.followups import (
    LONG_PENDING_FLAG,
    OVERDUE_FLAG,
    actions_table,
    by_country_figure,
    by_status_figure,
    counts_by_country,
)
from dashboard.datasets.citations import distinct_source_ids, source_line
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, per_package
from dashboard.datasets.queries import (
    LONG_PENDING_DAYS,
    STATUS_LABELS,
    STATUS_ORDER,
    followups_view,
    status_counts,
)
from dashboard.records import Role
from dashboard.ui.account import current_identity
from dashboard.ui.calendar import calendar_download
from dashboard.ui.display import METRIC_PX, download_buttons, show_chart, sources_note, table_height
from dashboard.ui.page import as_of_for, page_setup
from dashboard.ui.records import FOLLOWUP_PAGE
from dashboard.ui.selection import selection_values
from dashboard.ui.sidebar import set_filter
from dashboard.ui.text import plain
from dashboard.ui.view import record_table

STATUS_PARAM = "status"
STATUS_KEY = "followups_status"
ACTION_KEY = "followups_action"
COUNTRY_CHART_KEY = "followups_by_country"
TIMELINE_PAGE = "views/timeline.py"
MAX_ROWS_SHOWN = 500
_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


def statuses_from_url() -> list[str]:
    """The statuses named by `status=` in the URL; anything else is dropped with a notice."""
    kept: list[str] = []
    dropped = 0
    for value in st.query_params.get_all(STATUS_PARAM):
        for part in (p.strip().lower() for p in value.split(",")):
            if part in STATUS_ORDER:
                if part not in kept:
                    kept.append(part)
            elif part:
                dropped += 1
                shown = f"'{part}'" if _SAFE_TOKEN.match(part) else "a value"
                st.info(
                    f"Ignored the status {shown} from the link: it is not one of "
                    + ", ".join(STATUS_ORDER)
                    + ".",
                    icon=":material/link_off:",
                )
    if dropped:
        _write_statuses(kept)
    return kept


def _write_statuses(statuses: list[str]) -> None:
    if statuses:
        st.query_params[STATUS_PARAM] = ",".join(statuses)
    elif STATUS_PARAM in st.query_params:
        del st.query_params[STATUS_PARAM]


def _on_status_change() -> None:
    _write_statuses(list(st.session_state.get(STATUS_KEY, [])))


def _on_country_click() -> None:
    clicked = selection_values(COUNTRY_CHART_KEY, "customdata")
    if clicked:
        set_filter("country", clicked[:1])


ctx = page_setup(
    "Follow-ups",
    needs=["followups", "meetings", "sources", "cooperation_areas"],
    caption=(
        "The commitments meetings produced (MoU proposed, forum proposed, visit invited…). "
        "Status, in the order work moves: Proposed = raised by one side, not yet accepted by "
        "the other; Agreed = accepted by both sides, work not yet visibly started; In progress "
        "= work under way (drafts exchanged, first steps reported); Done = delivered (MoU "
        "signed, forum held, visit made); Dropped = abandoned or overtaken. Each status is the "
        "latest one a public source reports, with its date."
    ),
)
package = ctx.package
statuses = statuses_from_url()
st.session_state[STATUS_KEY] = statuses
st.multiselect(
    "Status",
    list(STATUS_ORDER),
    key=STATUS_KEY,
    format_func=STATUS_LABELS.get,
    on_change=_on_status_change,
    placeholder="All statuses",
)
st.caption(
    f"Ages count days from the meeting that raised an action to its closing, or to "
    f"{ctx.today:%Y-%m-%d} while it is open. {OVERDUE_FLAG}: open past its due date. Long "
    f"pending: open more than {LONG_PENDING_DAYS} days."
)


# A page script runs as "__main__": this name is unique among the pages, so its entries in the
# per-package memo are too.
@per_package
def followups_page_data(
    package: LoadedPackage, filters: Filters, today: date, statuses: tuple[str, ...]
) -> dict[str, object]:
    """The actions, their table, counts and charts for the filters, built once per process."""
    actions = followups_view(package, filters, today)
    if statuses:
        actions = actions[actions["status"].isin(statuses)].reset_index(drop=True)
    if actions.empty:
        return {"actions": actions}
    counts = status_counts(actions)
    per_country = counts_by_country(actions)
    listed = actions.head(MAX_ROWS_SHOWN)
    shown_rows = actions_table(listed)
    return {
        "actions": actions,
        "source_ids": distinct_source_ids(
            pd.concat([actions["source_id"], actions["status_source_id"]])
        ),
        # The browser gets the most urgent rows (open first, oldest first), flags as coloured
        # labels; the download has all, built only when asked for.
        "shown_table": shown_rows.assign(
            Flag=[flag.split("; ") if flag else [] for flag in shown_rows["Flag"]]
        ),
        # Every row, for the view's workbook (the page's own download builds it on click).
        "workbook_rows": (actions_table(actions) if len(actions) > len(listed) else shown_rows),
        "action_labels": dict(
            zip(
                listed["action_id"],
                listed["partner"].fillna("partner not recorded")
                + " · "
                + listed["description"].fillna(""),
                strict=True,
            )
        ),
        "by_status": by_status_figure(counts, title="Actions by status"),
        "by_status_data": counts.rename(columns={"label": "Status", "actions": "Actions"})[
            ["Status", "Actions"]
        ],
        "by_country": by_country_figure(per_country, title="Actions by partner and status"),
        "by_country_data": per_country.rename(
            columns={"partner": "Partner", "label": "Status", "actions": "Actions"}
        )[["Partner", "Status", "Actions"]],
    }


page_data = followups_page_data(package, ctx.filters, ctx.today, tuple(statuses))
actions = page_data["actions"]

if actions.empty:
    status_words = (
        " with status " + " or ".join(STATUS_LABELS[s] for s in statuses) if statuses else ""
    )
    st.info(
        plain(ctx.nothing_found("follow-up actions", "raised in this period") + status_words + ".")
    )
    st.stop()

source_ids = page_data["source_ids"]
as_of = as_of_for(package, "followups")

shown, open_, overdue, long_pending = st.columns(4)
for place, label, value in (
    (shown, "Actions shown", len(actions)),
    (open_, "Open", int(actions["is_open"].sum())),
    (overdue, "Overdue", int(actions["overdue"].sum())),
    (long_pending, f"Open > {LONG_PENDING_DAYS} days", int(actions["long_pending"].sum())),
):
    place.metric(label, value, border=True, height=METRIC_PX)

record_table(
    "Follow-up actions",
    page_data["workbook_rows"],
    source_line(package, source_ids, as_of),
    source_ids,
)
if len(actions) > MAX_ROWS_SHOWN:
    st.caption(
        f"Showing the {MAX_ROWS_SHOWN:,} most urgent of {len(actions):,} actions; "
        "narrow the filters to see others, or download them all below."
    )
st.dataframe(
    # Flags as coloured labels: they stand out without styling every cell on each rerun.
    page_data["shown_table"],
    hide_index=True,
    height=table_height(page_data["shown_table"]),
    key="followups_table",
    column_config={
        "Action": st.column_config.TextColumn(width="large"),
        "Flag": st.column_config.MultiselectColumn(
            options=[OVERDUE_FLAG, LONG_PENDING_FLAG],
            color=["red", "orange"],
            help=f"Overdue: open past its due date. Long pending: open > {LONG_PENDING_DAYS} days.",
        ),
        "Raised": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "Due": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "Status as of": st.column_config.DateColumn(format="YYYY-MM-DD"),
        "Age (days)": st.column_config.NumberColumn(format="%d"),
        "Meeting": st.column_config.TextColumn(help="The meeting that raised the action."),
    },
)
sources_note(package, source_ids, as_of, key="followups_list")
download_buttons(
    partial(actions_table, actions),
    key="followups",
    file_stem="followups",
    package=package,
    source_ids=source_ids,
    as_of=as_of,
)
calendar_download(
    f"S&T partnerships: follow-ups due ({ctx.filters.describe(ctx.country_names)})",
    followups=actions,
    key="followups_ics",
    file_stem="followups-due",
)

action_labels = page_data["action_labels"]
chosen = st.selectbox(
    "Open the meeting behind an action",
    list(action_labels),
    index=None,
    key=ACTION_KEY,
    format_func=action_labels.get,
    placeholder="Choose an action",
)
if st.button("Open meeting", icon=":material/event:", disabled=chosen is None):
    meeting_id = actions.loc[actions["action_id"] == chosen, "meeting_id"].iloc[0]
    st.switch_page(TIMELINE_PAGE, query_params={"event": meeting_id})
if chosen is not None and current_identity().may(Role.EDITOR):
    st.page_link(
        FOLLOWUP_PAGE,
        label="Update this follow-up's status",
        icon=":material/update:",
        query_params={"action": chosen},
    )

by_status, by_country = st.columns([1, 2])
with by_status:
    show_chart(
        page_data["by_status"],
        page_data["by_status_data"],
        key="followups_by_status",
        file_stem="followups-by-status",
        package=package,
        source_ids=source_ids,
        as_of=as_of,
    )
with by_country:
    show_chart(
        page_data["by_country"],
        page_data["by_country_data"],
        key=COUNTRY_CHART_KEY,
        file_stem="followups-by-country",
        package=package,
        source_ids=source_ids,
        as_of=as_of,
        on_select=_on_country_click,
    )
    st.caption("Click a partner's bar to show only that country.")
