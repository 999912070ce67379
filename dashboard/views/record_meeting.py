"""Record a meeting: the meeting, its sources and the follow-up actions it produced, saved all
at once (or nothing, with each problem next to its field). After a save the form is empty
again and the confirmation, at the top of the page, links to the meeting."""

from __future__ import annotations

import streamlit as st

from dashboard.datasets import clock
from dashboard.records import ValidationFailed
from dashboard.ui.account import current_identity
from dashboard.ui.meeting_form import (
    FOLLOWUP_SLOTS,
    MeetingChoices,
    duplicate_confirmation,
    followup_fields,
    followup_values,
    given_sources,
    in_slots,
    meeting_choices,
    meeting_fields,
    meeting_values,
    source_fields,
)
from dashboard.ui.page import page_setup
from dashboard.ui.records import (
    TIMELINE_PAGE,
    Form,
    Saved,
    current_store,
    other_errors,
    outcome,
    save,
    writer,
)

FORM = Form("record_meeting")


def _record(choices: MeetingChoices) -> Saved:
    meeting = meeting_values(FORM)
    source_ids, new_sources, new_is_main = given_sources(FORM, clock.today())
    followups, slots = followup_values(FORM)
    confirmed = FORM.value("twins") if FORM.value("distinct") else []
    try:
        meeting_id = current_store().record_meeting(
            current_identity(),
            meeting,
            area_ids=FORM.value("areas") or [],
            source_ids=source_ids,
            new_sources=new_sources,
            followups=followups,
            new_source_is_main=new_is_main,
            distinct_from=confirmed or [],
        )
    except ValidationFailed as failed:
        raise ValidationFailed(in_slots(failed.problems, slots)) from None
    partner = choices.partners.get(meeting["partner_iso3"], meeting["partner_iso3"])
    actions = f", with {len(followups)} follow-up action(s)" if followups else ""
    return Saved(
        f"Recorded “{meeting['title']}” with {partner} on {meeting['date']}{actions}.",
        "Open it on the meetings timeline",
        TIMELINE_PAGE,
        {"event": meeting_id},
    )


ctx = page_setup(
    "Record a meeting",
    needs=["countries", "cooperation_areas", "sources"],
    caption=(
        "A meeting, visit, MoU or forum with its sources, and the follow-up actions it "
        "produced. Fields marked (required) must be filled in. Nothing is saved until Save; "
        "then everything is saved at once, or nothing."
    ),
)
if writer() is None:
    st.stop()
current_store()  # stops the page, saying why, while the database awaits its upgrade
choices = meeting_choices(ctx.package)

outcome()
with st.form("record_meeting", enter_to_submit=False):
    meeting_fields(FORM, choices)
    source_fields(FORM, choices)
    st.subheader("Follow-up actions")
    st.caption("What the meeting proposed or promised. Leave them empty if it produced none.")
    for n in range(1, FOLLOWUP_SLOTS + 1):
        followup_fields(FORM, n, choices)
    duplicate_confirmation(FORM, ctx.package, choices)
    st.form_submit_button(
        "Save",
        type="primary",
        key=FORM.key("save"),
        on_click=save,
        args=(FORM, FORM.generation, lambda: _record(choices)),
    )
other_errors()
