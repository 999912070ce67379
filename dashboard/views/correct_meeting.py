"""Correct a meeting (made on the version you opened: a stale edit is refused), withdraw or
restore one (administrators), and read its history. `meeting=<id>` opens one. The form is the
Record page's, filled in with the meeting as it is."""

from __future__ import annotations

import streamlit as st

from dashboard.datasets import clock
from dashboard.records import NotFound, Role
from dashboard.ui.account import current_identity
from dashboard.ui.meeting_form import (
    given_sources,
    meeting_choices,
    meeting_fields,
    meeting_values,
    source_fields,
)
from dashboard.ui.page import page_setup
from dashboard.ui.records import (
    CORRECT_PAGE,
    TIMELINE_PAGE,
    Form,
    Saved,
    current_store,
    field_error,
    other_errors,
    outcome,
    pick_record,
    save,
    show_history,
    words,
    writer,
)
from dashboard.ui.text import plain

MEETING_PARAM = "meeting"
PICK_KEY = "cm_meeting"


def _forms(meeting_id: str) -> tuple[Form, Form]:
    """The correction form and the withdraw / restore form of one meeting."""
    return Form(f"correct_{meeting_id}"), Form(f"withdraw_{meeting_id}")


def _correct(meeting_id: str) -> Saved:
    form, other = _forms(meeting_id)
    source_ids, new_sources, new_is_main = given_sources(form, clock.today())
    changes = meeting_values(form)
    current_store().correct_meeting(
        current_identity(),
        meeting_id,
        changes,
        area_ids=form.value("areas") or [],
        source_ids=source_ids,
        expected_version=st.session_state[form.key("version")],
        new_sources=new_sources,
        new_source_is_main=new_is_main,
    )
    other.renew()  # the withdraw form's version is the old one
    return Saved(
        f"Corrected “{changes['title']}”.",
        "Open it on the meetings timeline",
        TIMELINE_PAGE,
        {"event": meeting_id},
    )


def _withdraw(meeting_id: str, title: str, withdraw: bool) -> Saved:
    correction, form = _forms(meeting_id)
    store = current_store()
    reason = form.value("reason") or ""
    expected = st.session_state[form.key("version")]
    if withdraw:
        store.withdraw_meeting(current_identity(), meeting_id, reason, expected)
    else:
        store.restore_meeting(current_identity(), meeting_id, reason, expected)
    correction.renew()
    if withdraw:
        # Gone from every page but this one: administrators find it here, with its history.
        return Saved(
            f"Withdrawn “{title}”: it no longer shows on any page. Administrators still find "
            "it here, with its history.",
            "See the withdrawn meeting and its history",
            CORRECT_PAGE,
            {MEETING_PARAM: meeting_id},
        )
    return Saved(
        f"Restored “{title}”: it shows on every page again.",
        "Open it on the meetings timeline",
        TIMELINE_PAGE,
        {"event": meeting_id},
    )


ctx = page_setup(
    "Correct a meeting",
    needs=["meetings", "countries", "cooperation_areas", "sources"],
    caption=(
        "Correct what was recorded about a meeting. If someone else saves it while you edit, "
        "your save is refused and you see what they changed; nothing is overwritten."
    ),
)
package = ctx.package
store = current_store()
editor = writer()
outcome()
meetings = package.table("meetings")
labels = dict(
    zip(
        meetings["meeting_id"],
        meetings["date"].dt.strftime("%Y-%m-%d")
        + " · "
        + meetings["partner_iso3"].map(ctx.country_name).fillna("")
        + " · "
        + meetings["title"].fillna(""),
        strict=True,
    )
)
identity = current_identity()
if identity.may(Role.ADMIN):
    for withdrawn_id in store.withdrawn_meeting_ids():
        if withdrawn_id not in labels:
            gone = store.meeting(withdrawn_id)
            labels[withdrawn_id] = (
                f"{gone['date']:%Y-%m-%d} · {ctx.country_name(gone['partner_iso3'])} · "
                f"{gone['title'] or ''} (withdrawn)"
            )
meeting_id = pick_record(
    "Meeting",
    sorted(labels, key=labels.get, reverse=True),
    labels,
    key=PICK_KEY,
    param=MEETING_PARAM,
    placeholder="Type to search by date, partner or title",
    unknown="Ignored the meeting from the link: no meeting has that id.",
)
if meeting_id is None:
    st.stop()
try:
    meeting = store.meeting(meeting_id)
except NotFound:
    st.info("This meeting is not recorded.")
    st.stop()
title = meeting["title"] or labels.get(meeting_id, "")
withdrawn = meeting["withdrawn_at"] is not None
if withdrawn:
    st.warning(
        f"Withdrawn on {meeting['withdrawn_at']:%Y-%m-%d} by {plain(meeting['withdrawn_by'])}: "
        f"{plain(meeting['withdrawn_reason'])}",
        icon=":material/delete:",
    )
correction, withdrawal = _forms(meeting_id)

if editor is not None and not withdrawn:
    st.session_state.setdefault(correction.key("version"), meeting["version"])
    choices = meeting_choices(package)
    with st.form(f"correct_meeting_{meeting_id}", enter_to_submit=False):
        meeting_fields(correction, choices, meeting)
        source_fields(correction, choices, meeting)
        st.form_submit_button(
            "Save",
            type="primary",
            key=correction.key("save"),
            on_click=save,
            args=(correction, correction.generation, lambda: _correct(meeting_id)),
        )
    other_errors()

if identity.may(Role.ADMIN):
    st.session_state.setdefault(withdrawal.key("version"), meeting["version"])
    verb = "Restore" if withdrawn else "Withdraw"
    with st.form(f"withdraw_meeting_{meeting_id}", enter_to_submit=False):
        st.markdown(
            f"**{verb} this meeting**"
            + (
                ": it shows on every page again."
                if withdrawn
                else ": it disappears from every page and stays in its history."
            )
        )
        st.text_input(
            words("meetings", "withdrawn_reason"),
            key=withdrawal.key("reason"),
            required=True,
            placeholder="e.g. recorded twice" if not withdrawn else "e.g. withdrawn by mistake",
        )
        field_error("meetings", "withdrawn_reason")
        st.form_submit_button(
            verb,
            key=withdrawal.key("save"),
            on_click=save,
            args=(
                withdrawal,
                withdrawal.generation,
                lambda: _withdraw(meeting_id, title, not withdrawn),
            ),
        )

if not identity.anonymous:
    with st.expander("History", icon=":material/history:", expanded=withdrawn):
        show_history(store.history("meetings", meeting_id))
