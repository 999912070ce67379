"""Correct a meeting (made on the version you opened: a stale edit is refused), withdraw or
restore one (administrators), and read its history. `meeting=<id>` opens one."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.records import NotFound, Role
from dashboard.ui.account import current_identity
from dashboard.ui.options import filter_options, source_picker_labels
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
    writer,
)
from dashboard.ui.text import plain

MEETING_PARAM = "meeting"
PICK_KEY = "cm_meeting"
KEY = "cm_"  # the form's widgets, per meeting: cm_<field>_<meeting id>
TEXT_FIELDS = {
    "title": "Title",
    "pakistan_lead": "Pakistan side (who led)",
    "partner_lead": "Partner side (who led)",
    "location": "Place",
}
LONG_FIELDS = {"outcomes": "Outcomes", "caveats": "Caveats"}
CHOICE_FIELDS = {"date_precision": "Date precision", "event_type": "Type", "lead_scope": "Led at"}
DATE_LIMITS = {"min_value": date(1900, 1, 1), "max_value": date(2100, 12, 31)}


def _key(field: str, meeting_id: str) -> str:
    return f"{KEY}{field}_{meeting_id}"


def _value(field: str, meeting_id: str) -> object:
    value = st.session_state.get(_key(field, meeting_id))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _correct(meeting_id: str) -> tuple[str, str, dict[str, str]]:
    fields = [*TEXT_FIELDS, *LONG_FIELDS, *CHOICE_FIELDS, "partner_iso3", "date", "end_date"]
    version = current_store().correct_meeting(
        current_identity(),
        meeting_id,
        {field: _value(field, meeting_id) for field in fields},
        area_ids=st.session_state.get(_key("areas", meeting_id), []),
        source_ids=st.session_state.get(_key("sources", meeting_id), []),
        expected_version=st.session_state[_key("version", meeting_id)],
    )
    forget_form(KEY, meeting_id)
    return (
        f"Meeting {meeting_id} corrected (version {version}).",
        TIMELINE_PAGE,
        {"event": meeting_id},
    )


def _withdraw(meeting_id: str, withdraw: bool) -> tuple[str, str, dict[str, str]]:
    store = current_store()
    reason = st.session_state.get(_key("reason", meeting_id)) or ""
    expected = st.session_state[_key("version", meeting_id)]
    if withdraw:
        store.withdraw_meeting(current_identity(), meeting_id, reason, expected)
    else:
        store.restore_meeting(current_identity(), meeting_id, reason, expected)
    forget_form(KEY, meeting_id)
    done = "withdrawn: it no longer shows on any page" if withdraw else "restored"
    return (f"Meeting {meeting_id} {done}.", TIMELINE_PAGE, {"event": meeting_id})


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
    for withdrawn in store.withdrawn_meeting_ids():
        labels.setdefault(withdrawn, f"{withdrawn} (withdrawn)")
meeting_id = pick_record(
    "Meeting",
    sorted(labels, key=labels.get, reverse=True),
    labels,
    key=PICK_KEY,
    param=MEETING_PARAM,
    placeholder="Choose a meeting",
    unknown="Ignored the meeting from the link: no meeting has that id.",
)
outcome()
if meeting_id is None:
    st.stop()
try:
    meeting = store.meeting(meeting_id)
except NotFound:
    st.info("This meeting is not recorded.")
    st.stop()
withdrawn = meeting["withdrawn_at"] is not None
if withdrawn:
    st.warning(
        f"Withdrawn on {meeting['withdrawn_at']:%Y-%m-%d} by {plain(meeting['withdrawn_by'])}: "
        f"{plain(meeting['withdrawn_reason'])}",
        icon=":material/delete:",
    )

if editor is not None and not withdrawn:
    st.session_state.setdefault(_key("version", meeting_id), meeting["version"])
    resource = store.spec.resource("meetings")
    names = ctx.country_names
    area_names = filter_options(package).area_names
    source_labels = source_picker_labels(package)
    with st.form(f"correct_meeting_{meeting_id}", enter_to_submit=False):
        left, right = st.columns(2)
        with left:
            partners = sorted(names, key=names.get)
            st.selectbox(
                "Partner",
                partners,
                index=partners.index(meeting["partner_iso3"])
                if meeting["partner_iso3"] in partners
                else None,
                key=_key("partner_iso3", meeting_id),
                format_func=lambda c: names.get(c, c),
            )
            field_error("meetings", "partner_iso3")
            st.date_input(
                "Date",
                value=meeting["date"],
                key=_key("date", meeting_id),
                format="YYYY-MM-DD",
                **DATE_LIMITS,
            )
            field_error("meetings", "date")
            st.date_input(
                "Last day (for a range)",
                value=meeting["end_date"],
                key=_key("end_date", meeting_id),
                format="YYYY-MM-DD",
                **DATE_LIMITS,
            )
            field_error("meetings", "end_date")
            for field, label in CHOICE_FIELDS.items():
                options = list(resource.field(field).constraints.get("enum", []))
                st.selectbox(
                    label,
                    options,
                    index=options.index(meeting[field]) if meeting[field] in options else None,
                    key=_key(field, meeting_id),
                )
                field_error("meetings", field)
        with right:
            for field, label in TEXT_FIELDS.items():
                st.text_input(label, value=meeting[field] or "", key=_key(field, meeting_id))
                field_error("meetings", field)
        st.multiselect(
            "Cooperation areas",
            sorted(area_names, key=area_names.get),
            default=[a for a in meeting["area_ids"] if a in area_names],
            key=_key("areas", meeting_id),
            format_func=lambda a: area_names.get(a, a),
        )
        field_error("meetings", "area_ids")
        for field, label in LONG_FIELDS.items():
            st.text_area(label, value=meeting[field] or "", key=_key(field, meeting_id))
            field_error("meetings", field)
        st.multiselect(
            "Sources (the first is the main source)",
            list(source_labels),
            default=[s for s in meeting["source_ids"] if s in source_labels],
            key=_key("sources", meeting_id),
            format_func=lambda s: source_labels.get(s, s),
        )
        field_error("meetings", "source_id")
        st.form_submit_button(
            "Save",
            type="primary",
            on_click=save,
            args=(lambda: _correct(meeting_id), lambda _conflict: forget_form(KEY, meeting_id)),
        )
    other_errors()

if identity.may(Role.ADMIN):
    with st.form(f"withdraw_meeting_{meeting_id}", enter_to_submit=False):
        st.session_state.setdefault(_key("version", meeting_id), meeting["version"])
        verb = "Restore" if withdrawn else "Withdraw"
        st.markdown(
            f"**{verb} this meeting**"
            + ("" if withdrawn else ": it disappears from every page and stays in its history.")
        )
        st.text_input("Reason", key=_key("reason", meeting_id))
        field_error("meetings", "withdrawn_reason")
        st.form_submit_button(
            verb,
            on_click=save,
            args=(
                lambda: _withdraw(meeting_id, not withdrawn),
                lambda _c: forget_form(KEY, meeting_id),
            ),
        )

if not identity.anonymous:
    with st.expander("History", icon=":material/history:"):
        show_history(store.history("meetings", meeting_id))
