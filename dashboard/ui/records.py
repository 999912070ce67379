"""What the Record pages share: the store, who may write, field errors, conflicts, history.

The forms live in the views; every rule (roles, validation, versions) is the store's. A write
made here passes the signed-in identity, and the store refuses it when the role is too low.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.datasets.loader import data_dir_from_env
from dashboard.datasets.queries import STATUS_LABELS
from dashboard.datasets.validate import Problem
from dashboard.records import (
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
from dashboard.ui.account import ENABLE_EDITING, AccountSettings, account_settings, current_identity
from dashboard.ui.data import UPGRADE_COMMAND, records_store
from dashboard.ui.text import plain

TIMELINE_PAGE = "views/timeline.py"
FOLLOWUP_PAGE = "views/update_followup.py"
CORRECT_PAGE = "views/correct_meeting.py"
# Session-state keys of one page's write outcome, shown at its next run.
ERRORS = "_record_errors"  # {"table.line.field": [message]}
SHOWN = "_record_errors_shown"  # the error keys shown next to a field in this run
DONE = "_record_done"  # (message, page, query params) of the last successful save
CONFLICT = "_record_conflict"  # the Conflict of the last refused save
REFUSED = "_record_refused"  # why the store refused (NotAllowed / NotFound)


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


def save(
    action: Callable[[], tuple[str, str, dict[str, str]]],
    on_conflict: Callable[[Conflict], None] | None = None,
) -> None:
    """Run one store write (a form's Save callback) and keep its outcome for the next run:
    the confirmation with its link, the problems by field, a conflict, or a refusal."""
    for key in (ERRORS, DONE, CONFLICT, REFUSED):
        st.session_state.pop(key, None)
    try:
        st.session_state[DONE] = action()
    except ValidationFailed as failed:
        st.session_state[ERRORS] = _by_place(failed.problems)
    except Conflict as conflict:
        st.session_state[CONFLICT] = conflict
        if on_conflict is not None:
            on_conflict(conflict)
    except (NotAllowed, NotFound) as refused:
        st.session_state[REFUSED] = str(refused)


def _place(table: str, field: str, line: int | None = None) -> str:
    return f"{table}.{line or 1}.{field}"


def _by_place(problems: list[Problem]) -> dict[str, list[str]]:
    """Messages per table, row (the n-th follow-up or new source) and field."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        table = problem.file.removesuffix(".csv")
        found.setdefault(_place(table, problem.column or "", problem.line), []).append(
            problem.message
        )
    return found


def field_error(table: str, field: str, line: int | None = None) -> None:
    """The store's problems with one field (of the `line`-th row of `table`), right under
    its widget."""
    place = _place(table, field, line)
    st.session_state.setdefault(SHOWN, set()).add(place)
    for message in st.session_state.get(ERRORS, {}).get(place, []):
        st.error(plain(message), icon=":material/error:")


def other_errors() -> None:
    """Problems with no field of their own on the form (shown after it, so none is lost)."""
    shown = st.session_state.pop(SHOWN, set())
    for place, messages in st.session_state.get(ERRORS, {}).items():
        if place not in shown:
            table, _, field = place.split(".", 2)
            for message in messages:
                st.error(f"{plain(table)}, {plain(field) or 'record'}: {plain(message)}")


def outcome() -> None:
    """The last save's outcome: confirmation and link, or why nothing was saved."""
    done = st.session_state.get(DONE)
    if done:
        message, page, params = done
        st.success(plain(message), icon=":material/check_circle:")
        st.page_link(
            page, label="See it on the page", icon=":material/open_in_new:", query_params=params
        )
    errors = st.session_state.get(ERRORS)
    if errors:
        st.error("Nothing was saved: correct the fields marked below.", icon=":material/error:")
    refused = st.session_state.get(REFUSED)
    if refused:
        st.error(f"Nothing was saved: {plain(refused)}", icon=":material/block:")
    conflict = st.session_state.get(CONFLICT)
    if conflict:
        show_conflict(conflict)


def show_conflict(conflict: Conflict) -> None:
    """Someone saved this record after you opened it: what they changed; nothing overwritten."""
    lines = [
        f"- **{plain(field)}**: you had {plain(_short(mine))} · now {plain(_short(theirs))}"
        for field, (mine, theirs) in conflict.changed.items()
    ]
    st.warning(
        "Nothing was saved: someone else changed this record after you opened it. The form "
        "now shows the current version; make your change again if it still applies.\n\n"
        + ("\n".join(lines) if lines else "The record itself changed meanwhile."),
        icon=":material/sync_problem:",
    )


def _short(value: Any) -> str:
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
            line += ": " + "; ".join(f"{plain(f)} → {plain(_short(after.get(f)))}" for f in fields)
        lines.append(line)
    st.markdown("\n".join(lines))


def show_status_history(history: pd.DataFrame, with_who: bool) -> None:
    """A follow-up's statuses, oldest first, one line each: status, when it took effect, how
    it is known, and (for signed-in readers) who recorded it."""
    if history.empty:
        st.text("No status recorded.")
        return
    lines = []
    for row in history.itertuples():
        line = (
            f"- **{plain(STATUS_LABELS.get(row.status, row.status))}** from "
            f"{row.effective:%Y-%m-%d} ({plain(row.status_basis)})"
        )
        basis = [str(v) for v in (row.source_id, row.note) if isinstance(v, str) and v]
        if basis:
            line += " — " + plain("; ".join(basis))
        if with_who and isinstance(row.recorded_by, str):
            line += f" · recorded by {plain(row.recorded_by)} on {row.recorded_at:%Y-%m-%d}"
        lines.append(line)
    st.markdown("\n".join(lines))


def followup_status_histories(actions: pd.DataFrame, with_who: bool) -> None:
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
            show_status_history(store.status_history(action_id), with_who)


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
        on_change=_link_pick,
        args=(key, param),
    )


def forget_form(prefix: str, record_id: str) -> None:
    """Drop a form's values and the version it was opened on: it reloads the record."""
    suffix = f"_{record_id}"
    for key in [
        k for k in st.session_state if str(k).startswith(prefix) and str(k).endswith(suffix)
    ]:
        del st.session_state[key]
