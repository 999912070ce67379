"""Record a meeting: partner, date, type, people, areas, outcomes, sources and the follow-up
actions it produced, saved all at once (or nothing, with the problems next to each field)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.datasets import clock
from dashboard.datasets.package import Resource
from dashboard.ui.account import current_identity
from dashboard.ui.options import filter_options, source_picker_labels
from dashboard.ui.page import page_setup
from dashboard.ui.records import (
    TIMELINE_PAGE,
    current_store,
    field_error,
    other_errors,
    outcome,
    save,
    writer,
)

KEY = "rm_"  # every widget of this form; cleared after a save
FOLLOWUP_SLOTS = "record_followup_slots"
DATE_LIMITS = {"min_value": date(1900, 1, 1), "max_value": date(2100, 12, 31)}


def _text(name: str) -> str | None:
    value = st.session_state.get(KEY + name)
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def _day(name: str) -> str | None:
    value = st.session_state.get(KEY + name)
    return value.isoformat() if isinstance(value, date) else None


def _record() -> tuple[str, str, dict[str, str]]:
    meeting = {
        field: _text(field)
        for field in (
            "partner_iso3",
            "date_precision",
            "event_type",
            "title",
            "pakistan_lead",
            "partner_lead",
            "location",
            "lead_scope",
            "outcomes",
            "caveats",
        )
    }
    meeting["date"] = _day("date")
    meeting["end_date"] = _day("end_date")
    new_sources = []
    if any(_text(f) for f in ("src_publisher", "src_title", "src_url")):
        new_sources.append(
            {
                "publisher": _text("src_publisher"),
                "title": _text("src_title"),
                "url": _text("src_url"),
                "published": _day("src_published"),
                "accessed": clock.today().isoformat(),
                "licence": _text("src_licence"),
            }
        )
    followups = []
    for n in range(1, st.session_state.get(FOLLOWUP_SLOTS, 1) + 1):
        if not _text(f"fu{n}_description"):
            continue
        followup = {
            "description": _text(f"fu{n}_description"),
            "action_type": _text(f"fu{n}_action_type"),
            "owner": _text(f"fu{n}_owner"),
            "due": _day(f"fu{n}_due"),
        }
        followups.append({k: v for k, v in followup.items() if v is not None})
    meeting_id = current_store().record_meeting(
        current_identity(),
        meeting,
        area_ids=st.session_state.get(KEY + "areas", []),
        source_ids=st.session_state.get(KEY + "sources", []),
        new_sources=new_sources,
        followups=followups,
    )
    for key in [k for k in st.session_state if str(k).startswith(KEY)]:
        del st.session_state[key]
    actions = f" with {len(followups)} follow-up action(s)" if followups else ""
    return (f"Meeting {meeting_id} recorded{actions}.", TIMELINE_PAGE, {"event": meeting_id})


def _enum(resource: Resource, field: str) -> list[str]:
    return list(resource.field(field).constraints.get("enum", []))


ctx = page_setup(
    "Record a meeting",
    needs=["countries", "cooperation_areas", "sources"],
    caption=(
        "A meeting, visit, MoU or forum with its source, and the follow-up actions it produced. "
        "Nothing is saved until Save; then everything is saved at once, or nothing."
    ),
)
identity = writer()
if identity is None:
    st.stop()

store = current_store()
meetings_spec = store.spec.resource("meetings")
followups_spec = store.spec.resource("followups")

package = ctx.package
names = ctx.country_names
area_names = filter_options(package).area_names
source_labels = source_picker_labels(package)

outcome()
st.number_input(
    "Follow-up actions to enter with this meeting",
    min_value=0,
    max_value=10,
    value=1,
    key=FOLLOWUP_SLOTS,
)
with st.form("record_meeting", enter_to_submit=False):
    st.subheader("The meeting")
    left, right = st.columns(2)
    with left:
        st.selectbox(
            "Partner",
            sorted(names, key=names.get),
            index=None,
            key=KEY + "partner_iso3",
            format_func=lambda c: names.get(c, c),
            placeholder="Choose a country",
        )
        field_error("meetings", "partner_iso3")
        st.date_input("Date", value=None, key=KEY + "date", format="YYYY-MM-DD", **DATE_LIMITS)
        field_error("meetings", "date")
        st.selectbox(
            "Date precision",
            _enum(meetings_spec, "date_precision"),
            key=KEY + "date_precision",
            help="day: the date is stated; reported: from a dateline or publication; "
            "approximate; range: give the last day too.",
        )
        field_error("meetings", "date_precision")
        st.date_input(
            "Last day (for a range)",
            value=None,
            key=KEY + "end_date",
            format="YYYY-MM-DD",
            **DATE_LIMITS,
        )
        field_error("meetings", "end_date")
        st.selectbox("Type", _enum(meetings_spec, "event_type"), index=None, key=KEY + "event_type")
        field_error("meetings", "event_type")
    with right:
        st.text_input("Title", key=KEY + "title", placeholder="What the event was")
        field_error("meetings", "title")
        st.text_input("Pakistan side (who led)", key=KEY + "pakistan_lead")
        field_error("meetings", "pakistan_lead")
        st.text_input("Partner side (who led)", key=KEY + "partner_lead")
        field_error("meetings", "partner_lead")
        st.text_input("Place", key=KEY + "location")
        field_error("meetings", "location")
        st.selectbox(
            "Led at", _enum(meetings_spec, "lead_scope"), index=None, key=KEY + "lead_scope"
        )
        field_error("meetings", "lead_scope")
    st.multiselect(
        "Cooperation areas",
        sorted(area_names, key=area_names.get),
        key=KEY + "areas",
        format_func=lambda a: area_names.get(a, a),
    )
    field_error("meetings", "area_ids")
    st.text_area("Outcomes", key=KEY + "outcomes", help="As the source states them.")
    field_error("meetings", "outcomes")
    st.text_area("Caveats", key=KEY + "caveats", help="Uncertainties.")
    field_error("meetings", "caveats")

    st.subheader("Source")
    st.multiselect(
        "Existing sources (the first is the main source)",
        list(source_labels),
        key=KEY + "sources",
        format_func=lambda s: source_labels.get(s, s),
    )
    field_error("meetings", "source_id")
    st.caption("Or add a new source:")
    src_left, src_right = st.columns(2)
    with src_left:
        st.text_input("Publisher", key=KEY + "src_publisher")
        field_error("sources", "publisher")
        st.text_input("Source title", key=KEY + "src_title")
        field_error("sources", "title")
        st.text_input("Licence or terms", key=KEY + "src_licence")
        field_error("sources", "licence")
    with src_right:
        st.text_input("URL", key=KEY + "src_url")
        field_error("sources", "url")
        st.date_input(
            "Published",
            value=None,
            key=KEY + "src_published",
            format="YYYY-MM-DD",
            **DATE_LIMITS,
        )
        field_error("sources", "published")

    for n in range(1, st.session_state.get(FOLLOWUP_SLOTS, 1) + 1):
        st.subheader(f"Follow-up action {n}")
        st.text_input(
            "Action", key=KEY + f"fu{n}_description", help="Leave empty to record no action."
        )
        field_error("followups", "description", n)
        fu_left, fu_mid, fu_right = st.columns(3)
        with fu_left:
            st.selectbox(
                "Kind of action",
                _enum(followups_spec, "action_type"),
                index=None,
                key=KEY + f"fu{n}_action_type",
            )
            field_error("followups", "action_type", n)
        with fu_mid:
            st.text_input("Owner", key=KEY + f"fu{n}_owner")
            field_error("followups", "owner", n)
        with fu_right:
            st.date_input(
                "Due", value=None, key=KEY + f"fu{n}_due", format="YYYY-MM-DD", **DATE_LIMITS
            )
            field_error("followups", "due", n)
        field_error("followups", "raised", n)
    st.form_submit_button("Save", type="primary", on_click=save, args=(_record,))
other_errors()
