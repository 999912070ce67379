"""Update a follow-up: its new status, the date it took effect and the source or note behind
it; with the follow-up's status history and change history. `action=<id>` opens one."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.datasets import clock
from dashboard.datasets.queries import STATUS_LABELS
from dashboard.records import NotFound
from dashboard.ui.account import current_identity
from dashboard.ui.options import source_picker_labels
from dashboard.ui.page import page_setup
from dashboard.ui.records import (
    TIMELINE_PAGE,
    current_store,
    field_error,
    forget_form,
    other_errors,
    outcome,
    pick_record,
    save,
    show_history,
    show_status_history,
    writer,
)
from dashboard.ui.text import plain

ACTION_PARAM = "action"
PICK_KEY = "uf_action"
KEY = "uf_"  # the form's widgets, per follow-up: uf_<field>_<action id>


def _key(field: str, action_id: str) -> str:
    return f"{KEY}{field}_{action_id}"


def _update(action_id: str) -> tuple[str, str, dict[str, str]]:
    status = st.session_state.get(_key("status", action_id))
    effective = st.session_state.get(_key("effective", action_id))
    store = current_store()
    store.update_followup(
        current_identity(),
        action_id,
        status=status,
        effective=effective.isoformat() if effective else None,
        source_id=st.session_state.get(_key("source", action_id)),
        note=st.session_state.get(_key("note", action_id)),
        expected_version=st.session_state[_key("version", action_id)],
        status_basis=st.session_state.get(_key("basis", action_id)) or "reported",
    )
    forget_form(KEY, action_id)
    label = STATUS_LABELS.get(status, status)
    meeting_id = store.followup(action_id)["meeting_id"]
    return (f"Follow-up {action_id} is now {label}.", TIMELINE_PAGE, {"event": meeting_id})


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
followups = package.table("followups")
labels = dict(
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
    list(labels),
    labels,
    key=PICK_KEY,
    param=ACTION_PARAM,
    placeholder="Choose a follow-up action",
    unknown="Ignored the follow-up from the link: no follow-up has that id.",
)
outcome()
if action_id is None:
    st.stop()
try:
    followup = store.followup(action_id)
except NotFound:
    st.info("This follow-up is no longer recorded (its meeting was withdrawn).")
    st.stop()

status_now = STATUS_LABELS.get(followup["status"], followup["status"])
st.markdown(
    f"**{plain(followup['description'])}** — now **{plain(status_now)}** as of "
    f"{followup['status_as_of']:%Y-%m-%d}; raised {followup['raised']:%Y-%m-%d}."
)
signed_in = not current_identity().anonymous
st.markdown("**Status history**")
show_status_history(store.status_history(action_id), with_who=signed_in)

if identity is not None:
    st.session_state.setdefault(_key("version", action_id), followup["version"])
    resource = store.spec.resource("followups")
    statuses = list(resource.field("status").constraints.get("enum", []))
    bases = list(resource.field("status_basis").constraints.get("enum", []))
    source_labels = source_picker_labels(package)
    with st.form(f"update_followup_{action_id}", enter_to_submit=False):
        st.selectbox(
            "New status",
            statuses,
            index=statuses.index(followup["status"]) if followup["status"] in statuses else 0,
            key=_key("status", action_id),
            format_func=lambda s: STATUS_LABELS.get(s, s),
        )
        field_error("followups", "status")
        st.date_input(
            "Took effect on",
            value=clock.today(),
            key=_key("effective", action_id),
            format="YYYY-MM-DD",
            min_value=date(1900, 1, 1),
            max_value=date(2100, 12, 31),
        )
        field_error("followups", "status_as_of")
        st.radio(
            "How it is known",
            bases,
            key=_key("basis", action_id),
            horizontal=True,
            help="reported: a source states it; inferred: concluded from other facts.",
        )
        field_error("followups", "status_basis")
        st.selectbox(
            "Source",
            list(source_labels),
            index=None,
            key=_key("source", action_id),
            format_func=lambda s: source_labels.get(s, s),
            placeholder="The source that states the new status",
        )
        field_error("followups", "status_source_id")
        st.text_area("Note", key=_key("note", action_id), help="Or say how the status is known.")
        field_error("followups", "note")
        st.form_submit_button(
            "Save",
            type="primary",
            on_click=save,
            args=(lambda: _update(action_id), lambda _conflict: forget_form(KEY, action_id)),
        )
    other_errors()

if signed_in:
    with st.expander("History", icon=":material/history:"):
        show_history(store.history("followups", action_id))
