"""The meeting form the Record and Correct pages share: one layout, the meeting's own fields
first, then its sources, then (when recording) its follow-up actions.

Every choice shows words, not codes (the package's labels table); required fields are marked
and checked in the browser before anything is sent, and again by the store. The values are
read back from the form's widgets by `meeting_values`, `given_sources` and `followup_values`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

from dashboard.datasets.labels import CodeLabels, code_labels
from dashboard.datasets.loader import LoadedPackage
from dashboard.datasets.validate import Problem
from dashboard.ui.options import filter_options, partner_choices, source_picker_labels
from dashboard.ui.records import (
    DATE_LIMITS,
    TIMELINE_PAGE,
    Form,
    duplicates,
    field_error,
    problems_at,
    words,
)

# The main source's choice that stands for the new source described in the form.
NEW_SOURCE = "__new_source__"
FOLLOWUP_SLOTS = 5
TEXT_FIELDS = ("title", "pakistan_lead", "partner_lead", "location", "outcomes", "caveats")
CHOICE_FIELDS = ("partner_iso3", "date_precision", "event_type", "lead_scope")
NEW_SOURCE_FIELDS = ("publisher", "title", "url", "published", "licence")
FOLLOWUP_FIELDS = ("description", "action_type", "owner", "due", "area_id")
SEARCH = "Type to search by publisher, title or date (YYYY-MM-DD)"


@dataclass(frozen=True)
class MeetingChoices:
    """What the form offers, each with the words shown for it."""

    partners: dict[str, str]
    areas: dict[str, str]
    sources: dict[str, str]
    labels: CodeLabels


def meeting_choices(package: LoadedPackage) -> MeetingChoices:
    return MeetingChoices(
        partners=partner_choices(package),
        areas=dict(sorted(filter_options(package).area_names.items(), key=lambda a: a[1])),
        sources=source_picker_labels(package),
        labels=code_labels(package),
    )


def _select(
    form: Form,
    key: str,
    place: tuple[str, str, int | None],
    options: Mapping[str, str],
    current: object = None,
    **kwargs: Any,
) -> None:
    """A choice among `options` (code → words), with its problems under it. A current value
    that is no longer offered stays choosable, so a correction does not lose it."""
    codes = list(options)
    if isinstance(current, str) and current not in options:
        codes.insert(0, current)
    table, field, line = place
    st.selectbox(
        words(table, field),
        codes,
        index=codes.index(current) if current in codes else None,
        key=form.key(key),
        format_func=lambda code: options.get(code, code),
        filter_mode="contains",
        **kwargs,
    )
    field_error(table, field, line)


def _text_area(form: Form, field: str, current: Mapping[str, Any], help: str) -> None:
    st.text_area(
        words("meetings", field), value=current.get(field) or "", key=form.key(field), help=help
    )
    field_error("meetings", field, text=form.value(field))


def meeting_fields(
    form: Form, choices: MeetingChoices, current: Mapping[str, Any] | None = None
) -> None:
    """The meeting's own fields, as both forms show them (`current`: the meeting corrected)."""
    now = current or {}
    labels = choices.labels
    st.subheader("The meeting")
    left, right = st.columns(2)
    with left:
        _select(
            form,
            "partner_iso3",
            ("meetings", "partner_iso3", None),
            choices.partners,
            now.get("partner_iso3"),
            required=True,
            placeholder="Choose a country or organisation",
        )
        st.date_input(
            words("meetings", "date"),
            value=now.get("date"),
            key=form.key("date"),
            format="YYYY-MM-DD",
            required=True,
            **DATE_LIMITS,
        )
        field_error("meetings", "date")
        _select(
            form,
            "date_precision",
            ("meetings", "date_precision", None),
            labels.of("meetings", "date_precision"),
            now.get("date_precision", "day"),
            help=labels.help("meetings", "date_precision"),
        )
        st.date_input(
            words("meetings", "end_date"),
            value=now.get("end_date"),
            key=form.key("end_date"),
            format="YYYY-MM-DD",
            help="Only for an event over several days.",
            **DATE_LIMITS,
        )
        field_error("meetings", "end_date")
        _select(
            form,
            "event_type",
            ("meetings", "event_type", None),
            labels.of("meetings", "event_type"),
            now.get("event_type"),
            required=True,
            placeholder="Choose the kind of event",
            help=labels.help("meetings", "event_type"),
        )
    with right:
        st.text_input(
            words("meetings", "title"),
            value=now.get("title") or "",
            key=form.key("title"),
            placeholder="What the event was, e.g. “Minister meets Romania's ambassador”",
            required=True,
        )
        field_error("meetings", "title", text=form.value("title"))
        for field in ("pakistan_lead", "partner_lead", "location"):
            st.text_input(words("meetings", field), value=now.get(field) or "", key=form.key(field))
            field_error("meetings", field, text=form.value(field))
        _select(
            form,
            "lead_scope",
            ("meetings", "lead_scope", None),
            labels.of("meetings", "lead_scope"),
            now.get("lead_scope"),
            placeholder="Who led the talks for Pakistan",
        )
    st.multiselect(
        words("meetings", "area_ids"),
        list(choices.areas),
        default=[a for a in now.get("area_ids", []) if a in choices.areas],
        key=form.key("areas"),
        format_func=lambda a: choices.areas.get(a, a),
        filter_mode="contains",
        select_all=False,
        placeholder="Choose the areas discussed",
    )
    field_error("meetings", "area_ids")
    _text_area(form, "outcomes", now, "What was agreed or said, as the source states it.")
    _text_area(form, "caveats", now, "What is uncertain about this record.")


def source_fields(
    form: Form, choices: MeetingChoices, current: Mapping[str, Any] | None = None
) -> None:
    """The main source, chosen on its own and shown as such; other sources; and a new source
    described in place."""
    cited = list((current or {}).get("source_ids", []))
    st.subheader("Sources")
    main_options = {NEW_SOURCE: "➕ A new source: describe it under “New source” below"}
    main_options.update(choices.sources)
    _select(
        form,
        "main_source",
        ("meetings", "source_id", None),
        main_options,
        cited[0] if cited else None,
        required=True,
        placeholder=SEARCH,
        help="The document the meeting is known from: its publisher, title and date.",
    )
    st.multiselect(
        words("meetings", "other_sources"),
        list(choices.sources),
        default=[s for s in cited[1:] if s in choices.sources],
        key=form.key("other_sources"),
        format_func=lambda s: choices.sources.get(s, s),
        filter_mode="contains",
        select_all=False,
        placeholder=SEARCH,
        help="Further reports of the same meeting (optional).",
    )
    st.markdown("**New source**")
    st.caption(
        "Only for a document not in the lists above. Choose “A new source” as the main "
        "source to make it the main one; otherwise it is added to the other sources."
    )
    left, right = st.columns(2)
    with left:
        for field in ("publisher", "title", "licence"):
            st.text_input(words("sources", field), key=form.key(f"source_{field}"))
            field_error("sources", field, 1, text=form.value(f"source_{field}"))
    with right:
        st.text_input(words("sources", "url"), key=form.key("source_url"), placeholder="https://…")
        field_error("sources", "url", 1)
        st.date_input(
            words("sources", "published"),
            value=None,
            key=form.key("source_published"),
            format="YYYY-MM-DD",
            help="Leave it empty when the source shows no date.",
            **DATE_LIMITS,
        )
        field_error("sources", "published", 1)
    field_error("sources", "source_id", 1)


def followup_fields(form: Form, n: int, choices: MeetingChoices) -> None:
    """The n-th follow-up action recorded with the meeting (all optional: an empty one is not
    recorded). Its area is the meeting's unless one is chosen."""
    filled = any(form.value(f"fu{n}_{f}") for f in FOLLOWUP_FIELDS)
    troubled = any(problems_at("followups", f, n) for f in (*FOLLOWUP_FIELDS, "raised"))
    with st.expander(f"Follow-up action {n}", expanded=n == 1 or filled or troubled):
        st.text_input(
            words("followups", "description"),
            key=form.key(f"fu{n}_description"),
            help="What was promised or proposed. Leave empty to record no action.",
        )
        field_error("followups", "description", n, text=form.value(f"fu{n}_description"))
        kind, owner, due, area = st.columns(4)
        with kind:
            _select(
                form,
                f"fu{n}_action_type",
                ("followups", "action_type", n),
                choices.labels.of("followups", "action_type"),
                placeholder="Choose",
            )
        with owner:
            st.text_input(words("followups", "owner"), key=form.key(f"fu{n}_owner"))
            field_error("followups", "owner", n)
        with due:
            st.date_input(
                words("followups", "due"),
                value=None,
                key=form.key(f"fu{n}_due"),
                format="YYYY-MM-DD",
                **DATE_LIMITS,
            )
            field_error("followups", "due", n)
        with area:
            _select(
                form,
                f"fu{n}_area_id",
                ("followups", "area_id", n),
                choices.areas,
                placeholder="Same as the meeting",
                help="Leave empty when the action concerns all the meeting's areas.",
            )
        field_error("followups", "raised", n)


def duplicate_confirmation(form: Form, package: LoadedPackage, choices: MeetingChoices) -> None:
    """After the store found this meeting recorded already: which one, with a link to it, and
    a box to tick when this is a different event after all."""
    twins = duplicates()
    if not twins:
        return
    meetings = package.table("meetings").set_index("meeting_id")
    meeting_labels = {
        m: f"{meetings.at[m, 'date']:%Y-%m-%d} · "
        f"{choices.partners.get(meetings.at[m, 'partner_iso3'], '')} · {meetings.at[m, 'title']}"
        for m in twins
        if m in meetings.index
    }
    st.warning(
        "A meeting with the same partner, date and title was recorded a few minutes ago. "
        "Open it to check. If yours is a different event, tick the box below and save again.",
        icon=":material/content_copy:",
    )
    for meeting_id in twins:
        st.page_link(
            TIMELINE_PAGE,
            label=meeting_labels.get(meeting_id, "The meeting recorded already"),
            icon=":material/open_in_new:",
            query_params={"event": meeting_id},
        )
    st.checkbox("It is a different event: record it as well", key=form.key("distinct"))
    st.session_state[form.key("twins")] = twins


def meeting_values(form: Form) -> dict[str, Any]:
    """The meeting's fields as the store takes them (blank text as None)."""
    values: dict[str, Any] = {field: form.text(field) for field in TEXT_FIELDS}
    values.update({field: form.value(field) for field in CHOICE_FIELDS})
    values["date"] = form.day("date")
    values["end_date"] = form.day("end_date")
    return values


def given_sources(form: Form, today: date) -> tuple[list[str], list[dict[str, Any]], bool]:
    """The sources the form names: existing ids (the main one first), the new source if one
    is described or chosen as main, and whether the new one is the main source. Without a
    main source chosen, none is given: the store then says a source is required."""
    main = form.value("main_source")
    new_is_main = main == NEW_SOURCE
    described = any(form.value(f"source_{f}") for f in NEW_SOURCE_FIELDS)
    new_sources: list[dict[str, Any]] = []
    if described or new_is_main:
        new_sources.append(
            {
                "publisher": form.text("source_publisher"),
                "title": form.text("source_title"),
                "url": form.text("source_url"),
                "published": form.day("source_published"),
                "accessed": today.isoformat(),
                "licence": form.text("source_licence"),
            }
        )
    if main is None:
        return [], [], False
    ids = [] if new_is_main else [main]
    ids += [s for s in form.value("other_sources") or [] if s not in ids]
    return ids, new_sources, new_is_main


def followup_values(form: Form) -> tuple[list[dict[str, Any]], list[int]]:
    """The follow-up actions filled in, and the slot each came from."""
    followups, slots = [], []
    for n in range(1, FOLLOWUP_SLOTS + 1):
        followup = {
            "description": form.text(f"fu{n}_description"),
            "action_type": form.value(f"fu{n}_action_type"),
            "owner": form.text(f"fu{n}_owner"),
            "due": form.day(f"fu{n}_due"),
            "area_id": form.value(f"fu{n}_area_id"),
        }
        if any(followup.values()):
            followups.append({k: v for k, v in followup.items() if v is not None})
            slots.append(n)
    return followups, slots


def in_slots(problems: Sequence[Problem], slots: Sequence[int]) -> list[Problem]:
    """The store numbers follow-ups as given; the form by slot (an empty slot is skipped)."""
    return [
        dataclasses.replace(p, line=slots[p.line - 1])
        if p.file == "followups.csv" and p.line and p.line <= len(slots)
        else p
        for p in problems
    ]
