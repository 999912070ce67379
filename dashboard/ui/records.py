"""What the Record pages share: the store, who may write, forms, their outcome, history.

The forms live in the views (the meeting's layout in `ui.meeting_form`); every rule (roles,
validation, versions, duplicates) is the store's. A write made here passes the signed-in
identity, and the store refuses it when the role is too low. What the store says is shown
next to the field it concerns, in the form's own words (`FIELD_WORDS`, `in_form_words`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.datasets.labels import CodeLabels
from dashboard.datasets.loader import data_dir_from_env
from dashboard.datasets.validate import Problem
from dashboard.records import (
    MAX_TEXT,
    Conflict,
    Identity,
    NotAllowed,
    NotFound,
    RecordsStore,
    Role,
    UpgradeFailed,
    ValidationFailed,
)
from dashboard.records.database import database_url
from dashboard.records.rules import DATE_MAX, DATE_MIN
from dashboard.ui.account import ENABLE_EDITING, AccountSettings, account_settings, current_identity
from dashboard.ui.browser import SAVED_KEY_PREFIX
from dashboard.ui.data import UPGRADE_COMMAND, records_store
from dashboard.ui.text import plain

TIMELINE_PAGE = "views/timeline.py"
FOLLOWUP_PAGE = "views/update_followup.py"
CORRECT_PAGE = "views/correct_meeting.py"
# Session-state keys of one page's write outcome, shown at its next run.
ERRORS = "_record_errors"  # {"table.line.field": [Problem]}
SHOWN = "_record_errors_shown"  # the error places shown next to a field in this run
DONE = "_record_done"  # the Saved confirmation of the last successful save
TOAST = "_record_toast"  # the confirmation is new: also show it as a toast, once
CONFLICT = "_record_conflict"  # the Conflict of the last refused save
REFUSED = "_record_refused"  # why the store refused (NotAllowed / NotFound)
SAVES = "_record_saves"  # saves made in this session: each confirmation is a new element
DATE_LIMITS = {"min_value": DATE_MIN, "max_value": DATE_MAX}
DUPLICATE = "duplicate-meeting"

# Every field of the record forms as the forms name it: the widgets' labels and the words
# every message about a field uses. Keys: (table, field) as the store names them.
FIELD_WORDS = {
    ("meetings", "partner_iso3"): "Partner",
    ("meetings", "date"): "Date",
    ("meetings", "date_precision"): "How exact the date is",
    ("meetings", "end_date"): "Last day",
    ("meetings", "event_type"): "Type",
    ("meetings", "title"): "Title",
    ("meetings", "pakistan_lead"): "Led on Pakistan's side by",
    ("meetings", "partner_lead"): "Led on the partner's side by",
    ("meetings", "location"): "Place",
    ("meetings", "lead_scope"): "Led at",
    ("meetings", "area_ids"): "Cooperation areas",
    ("meetings", "outcomes"): "Outcomes",
    ("meetings", "caveats"): "Caveats",
    ("meetings", "source_id"): "Main source",
    ("meetings", "other_sources"): "Other sources",
    ("meetings", "meeting_id"): "Meeting",
    ("meetings", "withdrawn_reason"): "Reason",
    ("sources", "publisher"): "Publisher",
    ("sources", "title"): "Source title",
    ("sources", "url"): "Link (URL)",
    ("sources", "published"): "Published on",
    ("sources", "accessed"): "Accessed on",
    ("sources", "licence"): "Licence or terms",
    ("sources", "source_id"): "New source",
    ("followups", "description"): "Action",
    ("followups", "action_type"): "Kind of action",
    ("followups", "owner"): "Owner",
    ("followups", "due"): "Due",
    ("followups", "area_id"): "Cooperation area",
    ("followups", "status"): "New status",
    ("followups", "status_as_of"): "Took effect on",
    ("followups", "status_basis"): "How it is known",
    ("followups", "status_source_id"): "Source",
    ("followups", "note"): "Note",
    ("followups", "action_id"): "Follow-up action",
    ("followups", "raised"): "Raised on",
    ("followups", "closed"): "Closed on",
}
# Where a row of a table other than the form's own sits in the form.
ROW_WORDS = {"sources": "New source", "followups": "Follow-up action {line}"}


def words(table: str, field: str) -> str:
    """A field as the forms name it."""
    return FIELD_WORDS.get((table, field), field.replace("_", " ").capitalize())


def current_store() -> RecordsStore:
    """This process's records store (the same one the pages' data comes from). When it cannot
    be upgraded the page stops with a sentence saying so (the notice at the top of the page
    gives the reason)."""
    try:
        return records_store(database_url(), str(data_dir_from_env()))
    except UpgradeFailed:
        st.error(
            "Nothing can be recorded, corrected or looked up in the change history until an "
            f"administrator upgrades the records database (`{UPGRADE_COMMAND}`).",
            icon=":material/database:",
        )
        st.stop()
        raise  # st.stop() does not return


def writer(role: Role = Role.EDITOR) -> Identity | None:
    """The signed-in identity when it may write with `role`; otherwise None, after one
    sentence saying why nothing can be recorded here (and how to change that). An admin is
    also told when other users of the server can read the secrets file."""
    settings: AccountSettings = account_settings()
    identity = current_identity(settings)
    if identity.may(Role.ADMIN):
        for warning in settings.exposed:
            st.warning(warning, icon=":material/gpp_maybe:")
    if identity.may(role):
        return identity
    if settings.refused:
        st.error(settings.refused, icon=":material/lock:")
    elif not settings.sign_in_configured:
        st.info(ENABLE_EDITING, icon=":material/lock:")
    elif identity.anonymous:
        st.info("Sign in (in the sidebar) to record changes.", icon=":material/login:")
    else:
        st.info(
            f"You are signed in as a {identity.role.label}; recording here needs the "
            f"{role.label} role. An administrator can add you to the [access] settings.",
            icon=":material/lock:",
        )
    return None


@dataclass(frozen=True)
class Form:
    """A record form whose widgets are drawn afresh after each save or reload: their keys carry
    a generation number. (Deleting a widget's key would leave the browser showing the old
    text; new keys give new, empty widgets.) A submission made on an older generation, a
    second click on a form already saved, is ignored."""

    name: str

    @property
    def generation(self) -> int:
        return int(st.session_state.get(f"_form_{self.name}", 0))

    def key(self, field: str) -> str:
        return f"{self.name}_{self.generation}_{field}"

    def value(self, field: str) -> Any:
        return st.session_state.get(self.key(field))

    def text(self, field: str) -> str | None:
        """A text field's value, None when blank."""
        value = self.value(field)
        return value if isinstance(value, str) and value.strip() else None

    def day(self, field: str) -> str | None:
        value = self.value(field)
        return value.isoformat() if isinstance(value, date) else None

    def renew(self) -> None:
        """Start a new generation: empty widgets (or the record as it is now)."""
        old = f"{self.name}_{self.generation}_"
        for key in [k for k in st.session_state if str(k).startswith(old)]:
            del st.session_state[key]
        st.session_state[f"_form_{self.name}"] = self.generation + 1


@dataclass(frozen=True)
class Saved:
    """What a successful save says, and where the saved record can be seen."""

    message: str
    link_label: str
    page: str
    params: dict[str, str]


def save(
    form: Form,
    generation: int,
    action: Callable[[], Saved],
) -> None:
    """A form's Save callback: run one store write and keep its outcome for the next run (the
    confirmation with its link, the problems by field, a conflict, or a refusal). A new, empty
    form follows a save; the record as it is now follows a conflict."""
    if generation != form.generation:
        return  # this form was saved already: a second click that reached the server
    for key in (ERRORS, DONE, CONFLICT, REFUSED, TOAST):
        st.session_state.pop(key, None)
    try:
        saved = action()
    except ValidationFailed as failed:
        st.session_state[ERRORS] = _by_place(failed.problems)
        return
    except Conflict as conflict:
        st.session_state[CONFLICT] = conflict
        form.renew()
        return
    except (NotAllowed, NotFound) as refused:
        st.session_state[REFUSED] = str(refused)
        return
    st.session_state[SAVES] = st.session_state.get(SAVES, 0) + 1
    st.session_state[DONE] = saved
    st.session_state[TOAST] = True
    form.renew()


def _place(table: str, field: str, line: int | None = None) -> str:
    return f"{table}.{line or 1}.{field}"


def _by_place(problems: list[Problem]) -> dict[str, list[Problem]]:
    """Problems per table, row (the n-th follow-up or new source) and field."""
    found: dict[str, list[Problem]] = {}
    for problem in problems:
        table = problem.file.removesuffix(".csv")
        found.setdefault(_place(table, problem.column or "", problem.line), []).append(problem)
    return found


def problems_at(table: str, field: str, line: int | None = None) -> list[Problem]:
    """The last save's problems with one field (nothing is shown)."""
    return st.session_state.get(ERRORS, {}).get(_place(table, field, line), [])


def in_form_words(problem: Problem, label: str, text: str | None = None) -> str:
    """What the store says about a field, in the form's words: the field as the form names it,
    and what to do. `text` is the field's value, when it is text."""
    rule, value = problem.rule, problem.value
    if rule == "required":
        if problem.column == "source_id" and problem.file == "meetings.csv":
            return (
                f"{label} is required: choose it from the list, or choose “A new source” and "
                "describe it under New source."
            )
        if problem.column == "status_source_id":
            return (
                "Choose the Source that states the new status, or say in the Note how it is known."
            )
        return f"{label} is required."
    if rule == "bare-url":
        return (
            f"{label} holds a link. Links go in Sources: add the page as a new source below, "
            "and keep only words here."
        )
    if rule == "max-length":
        size = f" has {len(text):,} characters;" if text else " is too long:"
        return f"{label}{size} at most {MAX_TEXT:,} fit. Shorten it."
    if rule == "date-range":
        return f"{label}: give a date between {DATE_MIN:%Y} and {DATE_MAX:%Y}."
    if rule == "end-before-start":
        return f"{label} is before the meeting's date: give a later day, or leave it empty."
    if rule in ("foreign-key", "enum", "type"):
        return f"{label}: '{value}' is not one of the choices. Choose one from the list."
    if rule == "partner-kind":
        return f"{label}: choose a country or an organisation, not a group of countries."
    if rule == "unique" and problem.column == "source_id":
        return "This source is already in the list: choose it under Main source or Other sources."
    if rule in ("before-raised", "followup-before-meeting", "before-current", "future"):
        return f"{label}: {problem.message}."
    if rule == "inferred-status":
        return f"{label}: an inferred status needs a note saying why, and the source it rests on."
    return f"{label}: {problem.message}."


def field_error(table: str, field: str, line: int | None = None, text: str | None = None) -> None:
    """The last save's problems with one field (of the `line`-th row of `table`), right under
    its widget, in the form's words."""
    place = _place(table, field, line)
    st.session_state.setdefault(SHOWN, set()).add(place)
    for problem in st.session_state.get(ERRORS, {}).get(place, []):
        if problem.rule != DUPLICATE:
            message = in_form_words(problem, words(table, field), text)
            st.error(plain(message), icon=":material/error:")


def _form_order(place: str) -> tuple[int, int, int]:
    """Problems in the order the form shows their fields."""
    table, line, field = place.split(".", 2)
    order = list(FIELD_WORDS)
    tables = ("meetings", "sources", "followups")
    position = order.index((table, field)) if (table, field) in order else len(order)
    return (tables.index(table) if table in tables else len(tables), int(line), position)


def _where(place: str, own: str) -> str:
    """A problem's place in the form, in its words: "Follow-up action 2: Due" (a field of the
    form's `own` table needs no row)."""
    table, line, field = place.split(".", 2)
    label = words(table, field)
    row = ROW_WORDS.get(table) if table != own else None
    return f"{row.format(line=line)}: {label}" if row else label


def other_errors(own: str = "meetings") -> None:
    """Problems with no field of their own on the form (shown after it, so none is lost).
    `own`: the table the form records (meetings, or followups for a status update)."""
    shown = st.session_state.pop(SHOWN, set())
    for place, problems in st.session_state.get(ERRORS, {}).items():
        if place in shown:
            continue
        for problem in problems:
            if problem.rule != DUPLICATE:
                message = in_form_words(problem, _where(place, own))
                st.error(plain(message), icon=":material/error:")


def outcome(own: str = "meetings") -> None:
    """The last save's outcome, at the top of the page: the confirmation with a link to the
    saved record (also as a toast, once; the browser scrolls it into view), or why nothing
    was saved and which fields to correct. `own`: as for `other_errors`."""
    done: Saved | None = st.session_state.get(DONE)
    if done:
        with st.container(key=f"{SAVED_KEY_PREFIX}{st.session_state.get(SAVES, 0)}"):
            st.success(plain(done.message), icon=":material/check_circle:")
            st.page_link(
                done.page,
                label=done.link_label,
                icon=":material/open_in_new:",
                query_params=done.params,
            )
        if st.session_state.pop(TOAST, False):
            st.toast(plain(done.message), icon=":material/check_circle:")
    errors: dict[str, list[Problem]] = st.session_state.get(ERRORS, {})
    if errors:
        places = sorted(
            (p for p, found in errors.items() if any(x.rule != DUPLICATE for x in found)),
            key=_form_order,
        )
        if places:
            named = "; ".join(dict.fromkeys(_where(p, own) for p in places))
            st.error(
                f"Nothing was saved. Correct what is marked below: {plain(named)}.",
                icon=":material/error:",
            )
        else:
            st.warning(
                "Nothing was saved: a meeting with the same partner, date and title was "
                "recorded a few minutes ago. See the note above the Save button.",
                icon=":material/content_copy:",
            )
    refused = st.session_state.get(REFUSED)
    if refused:
        st.error(f"Nothing was saved: {plain(refused)}", icon=":material/block:")
    conflict = st.session_state.get(CONFLICT)
    if conflict:
        show_conflict(conflict)


def duplicates() -> list[str]:
    """The meetings the last save found recorded already (same partner, date and title)."""
    return [
        str(p.value)
        for found in st.session_state.get(ERRORS, {}).values()
        for p in found
        if p.rule == DUPLICATE
    ]


def show_conflict(conflict: Conflict) -> None:
    """Someone saved this record after you opened it: what they changed; nothing overwritten."""
    lines = [
        f"- **{plain(_field_words(field))}**: you had {plain(_short(mine))} · now "
        f"{plain(_short(theirs))}"
        for field, (mine, theirs) in conflict.changed.items()
    ]
    st.warning(
        "Nothing was saved: someone else changed this record after you opened it. The form "
        "now shows the current version; make your change again if it still applies.\n\n"
        + ("\n".join(lines) if lines else "The record itself changed meanwhile."),
        icon=":material/sync_problem:",
    )


def _field_words(field: str) -> str:
    for (_, name), label in FIELD_WORDS.items():
        if name == field:
            return label
    return field


def _short(value: Any) -> str:
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    text = "empty" if value is None or value == "" else str(value)
    return text if len(text) <= 200 else text[:197] + "…"


def show_history(history: pd.DataFrame) -> None:
    """Who changed a record, when, and what (oldest first), one line per change."""
    if history.empty:
        st.text("No changes recorded.")
        return
    lines = []
    for row in history.itertuples():
        line = f"- {row.at:%Y-%m-%d %H:%M} UTC · {plain(row.by)} · {plain(row.action)}"
        after: Mapping[str, Any] = row.after or {}
        fields = [f for f in str(row.changed).split(", ") if f]
        if fields:
            line += ": " + "; ".join(
                f"{plain(_field_words(f))} → {plain(_short(after.get(f)))}" for f in fields
            )
        lines.append(line)
    st.markdown("\n".join(lines))


def show_status_history(
    history: pd.DataFrame, with_who: bool, labels: CodeLabels, sources: Mapping[str, str]
) -> None:
    """A follow-up's statuses, oldest first, one line each: status, when it took effect, how
    it is known (the source as a picker names it, or the note), and (for signed-in readers)
    who recorded it."""
    if history.empty:
        st.text("No status recorded.")
        return
    lines = []
    for row in history.itertuples():
        status = labels.label("followups", "status", row.status)
        basis = labels.label("followups", "status_basis", row.status_basis).lower()
        line = f"- **{plain(status)}** from {row.effective:%Y-%m-%d} ({plain(basis)})"
        source = sources.get(row.source_id, row.source_id)
        told = [str(v) for v in (source, row.note) if isinstance(v, str) and v]
        if told:
            line += " — " + plain("; ".join(told))
        if with_who and isinstance(row.recorded_by, str):
            line += f" · recorded by {plain(row.recorded_by)} on {row.recorded_at:%Y-%m-%d}"
        lines.append(line)
    st.markdown("\n".join(lines))


def followup_status_histories(
    actions: pd.DataFrame, with_who: bool, labels: CodeLabels, sources: Mapping[str, str]
) -> None:
    """Each follow-up's status history, for the timeline's event details."""
    # Read from the database only while open (one query per action otherwise every rerun).
    with st.expander(
        "Status history of these actions",
        icon=":material/timeline:",
        key="status_histories_open",
        on_change="rerun",
    ) as box:
        if not box.open:
            return
        store = current_store()
        for action_id, description in zip(
            actions["action_id"], actions["description"], strict=True
        ):
            st.markdown(f"**{plain(description)}**")
            show_status_history(store.status_history(action_id), with_who, labels, sources)


def record_links(meeting_id: str, with_history: bool) -> None:
    """Under a meeting's details: its change history (signed-in readers) and, for editors,
    where to correct it."""
    if with_history:
        with st.expander(
            "History", icon=":material/history:", key="meeting_history_open", on_change="rerun"
        ) as box:
            if box.open:
                show_history(current_store().history("meetings", meeting_id))
    if current_identity().may(Role.EDITOR):
        st.page_link(
            CORRECT_PAGE,
            label="Correct this meeting",
            icon=":material/edit:",
            query_params={"meeting": meeting_id},
        )


def _link_pick(key: str, param: str) -> None:
    chosen = st.session_state.get(key)
    if chosen:
        st.query_params[param] = chosen


def pick_record(
    label: str,
    options: list[str],
    labels: Mapping[str, str],
    *,
    key: str,
    param: str,
    placeholder: str,
    unknown: str,
) -> str | None:
    """The record a form edits: the one the link's `param` names (else `unknown` is said),
    or the one picked, which goes into the link so the page can be shared."""
    wanted = st.query_params.get(param)
    if wanted in labels:
        st.session_state[key] = wanted
    elif wanted:
        st.info(unknown)
    return st.selectbox(
        label,
        options,
        index=None,
        key=key,
        format_func=lambda record: labels.get(record, record),
        placeholder=placeholder,
        filter_mode="contains",
        on_change=_link_pick,
        args=(key, param),
    )
