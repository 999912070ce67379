"""Update a follow-up: its new status, the date it took effect and the source or note behind
it; with the follow-up's status history and change history. `action=<id>` opens one."""

from __future__ import annotations

import streamlit as st

from dashboard.datasets import clock
from dashboard.datasets.labels import code_labels
from dashboard.records import NotFound
from dashboard.ui.account import current_identity
from dashboard.ui.options import source_picker_labels
from dashboard.ui.page import page_setup
from dashboard.ui.records import (
    DATE_LIMITS,
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
    show_status_history,
    words,
    writer,
)
from dashboard.ui.text import plain

ACTION_PARAM = "action"
PICK_KEY = "uf_action"


def _update(form: Form, action_id: str, description: str, status_words: dict[str, str]) -> Saved:
    status = form.value("status")
    effective = form.value("effective")
    store = current_store()
    store.update_followup(
        current_identity(),
        action_id,
        status=status,
        effective=effective.isoformat() if effective else None,
        source_id=form.value("source"),
        note=form.text("note"),
        expected_version=st.session_state[form.key("version")],
        status_basis=form.value("basis") or "reported",
    )
    meeting_id = store.followup(action_id)["meeting_id"]
    return Saved(
        f"“{description}” is now {status_words.get(status, status)}.",
        "Open its meeting on the timeline",
        TIMELINE_PAGE,
        {"event": meeting_id},
    )


ctx = page_setup(
    "Update a follow-up",
    needs=["followups", "sources"],
    caption=(
        "Record that a follow-up moved on: its new status, the date it took effect, and the "
        "source or a note saying how it is known. Done and dropped close it."
    ),
)
package = ctx.package
store = current_store()
identity = writer()
labels = code_labels(package)
outcome(own="followups")
followups = package.table("followups")
picker_labels = dict(
    zip(
        followups["action_id"],
        followups["iso3"].map(ctx.country_name).fillna("")
        + " · "
        + followups["description"].fillna(""),
        strict=True,
    )
)
action_id = pick_record(
    "Follow-up",
    list(picker_labels),
    picker_labels,
    key=PICK_KEY,
    param=ACTION_PARAM,
    placeholder="Type to search by partner or action",
    unknown="Ignored the follow-up from the link: no follow-up has that id.",
)
if action_id is None:
    st.stop()
try:
    followup = store.followup(action_id)
except NotFound:
    st.info("This follow-up is no longer recorded (its meeting was withdrawn).")
    st.stop()

statuses = labels.of("followups", "status")
status_now = statuses.get(followup["status"], followup["status"])
st.markdown(
    f"**{plain(followup['description'])}** — now **{plain(status_now)}** as of "
    f"{followup['status_as_of']:%Y-%m-%d}; raised {followup['raised']:%Y-%m-%d}."
)
signed_in = not current_identity().anonymous
st.markdown("**Status history**")
sources = source_picker_labels(package)
show_status_history(store.status_history(action_id), signed_in, labels, sources)

if identity is not None:
    form = Form(f"update_followup_{action_id}")
    st.session_state.setdefault(form.key("version"), followup["version"])
    bases = labels.of("followups", "status_basis")
    with st.form(f"update_followup_{action_id}", enter_to_submit=False):
        st.selectbox(
            words("followups", "status"),
            list(statuses),
            index=list(statuses).index(followup["status"]) if followup["status"] in statuses else 0,
            key=form.key("status"),
            format_func=lambda s: statuses.get(s, s),
        )
        field_error("followups", "status")
        st.date_input(
            words("followups", "status_as_of"),
            value=clock.today(),
            key=form.key("effective"),
            format="YYYY-MM-DD",
            **DATE_LIMITS,
        )
        field_error("followups", "status_as_of")
        st.radio(
            words("followups", "status_basis"),
            list(bases),
            key=form.key("basis"),
            horizontal=True,
            format_func=lambda b: bases.get(b, b),
            help=labels.help("followups", "status_basis"),
        )
        field_error("followups", "status_basis")
        st.selectbox(
            words("followups", "status_source_id"),
            list(sources),
            index=None,
            key=form.key("source"),
            format_func=lambda s: sources.get(s, s),
            filter_mode="contains",
            placeholder="Type to search by publisher, title or date (YYYY-MM-DD)",
            help="The source that states the new status.",
        )
        field_error("followups", "status_source_id")
        st.text_area(
            words("followups", "note"),
            key=form.key("note"),
            help="Or say how the status is known.",
        )
        field_error("followups", "note", text=form.value("note"))
        st.form_submit_button(
            "Save",
            type="primary",
            key=form.key("save"),
            on_click=save,
            args=(
                form,
                form.generation,
                lambda: _update(form, action_id, followup["description"], statuses),
            ),
        )
    other_errors(own="followups")

if signed_in:
    with st.expander("History", icon=":material/history:"):
        show_history(store.history("followups", action_id))
