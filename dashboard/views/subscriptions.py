"""Digest subscriptions: who gets the digest by email, for which countries and areas, how
often. Admins add, change and remove subscribers (the store refuses anyone else); each
subscriber's history and the digests sent are shown."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.datasets.validate import Problem
from dashboard.records import Role, ValidationFailed
from dashboard.records.subscriptions import FREQUENCIES, Subscription
from dashboard.ui.account import current_identity
from dashboard.ui.display import table_height
from dashboard.ui.options import FilterOptions, filter_options
from dashboard.ui.page import page_setup
from dashboard.ui.records import (
    Form,
    Saved,
    current_store,
    field_error,
    other_errors,
    outcome,
    save,
    show_history,
    writer,
)
from dashboard.ui.text import plain

PAGE = "views/subscriptions.py"
PICK_KEY = "subscriptions_pick"
FREQUENCY_WORDS = {
    "weekly": "Weekly: Monday to Sunday, sent from Monday",
    "daily": "Daily: the day before",
}
SENDS_SHOWN = 50


def _fields(form: Form, options: FilterOptions, current: Subscription | None) -> None:
    """The subscription's fields, filled with `current` (a new form: empty)."""
    st.text_input(
        "Email", value=current.email if current else "", key=form.key("email"), max_chars=254
    )
    field_error("subscriptions", "email")
    st.multiselect(
        "Countries",
        options.countries,
        default=[c for c in current.countries if c in options.countries] if current else [],
        key=form.key("countries"),
        format_func=lambda c: options.country_names.get(c, c),
        placeholder="Every country",
    )
    field_error("subscriptions", "countries")
    st.multiselect(
        "Cooperation areas",
        options.areas,
        default=[a for a in current.areas if a in options.areas] if current else [],
        key=form.key("areas"),
        format_func=lambda a: options.area_names.get(a, a),
        placeholder="Every area",
    )
    field_error("subscriptions", "areas")
    st.radio(
        "How often",
        list(FREQUENCIES),
        index=list(FREQUENCIES).index(current.frequency) if current else 0,
        key=form.key("frequency"),
        format_func=FREQUENCY_WORDS.get,
    )
    field_error("subscriptions", "frequency")
    st.checkbox(
        "Send it even when nothing changed and nothing is due (“always”)",
        value=current.always if current else False,
        key=form.key("always"),
    )


def _values(form: Form) -> dict[str, object]:
    return {
        "email": form.value("email") or "",
        "countries": form.value("countries") or [],
        "areas": form.value("areas") or [],
        "frequency": form.value("frequency"),
        "always": bool(form.value("always")),
    }


def _saved(message: str) -> Saved:
    return Saved(message, "See the subscribers", PAGE, {})


def _add(form: Form) -> Saved:
    store = current_store()
    added = store.subscription(store.add_subscription(current_identity(), **_values(form)))
    return _saved(f"{added.email} now gets the {added.frequency} digest.")


def _change(form: Form, subscription: Subscription) -> Saved:
    current_store().change_subscription(
        current_identity(),
        subscription.id,
        _values(form),
        expected_version=st.session_state[form.key("version")],
    )
    return _saved(f"The subscription of {subscription.email} is changed.")


def _remove(form: Form, subscription: Subscription) -> Saved:
    if not form.value("confirm"):
        problem = Problem("subscriptions", None, "confirm", None, "required", "confirm it")
        raise ValidationFailed([problem])
    current_store().remove_subscription(
        current_identity(), subscription.id, st.session_state[form.key("version")]
    )
    st.session_state.pop(PICK_KEY, None)
    return _saved(f"No more digests go to {subscription.email}.")


def _table(subscriptions: list[Subscription], options: FilterOptions) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Email": [s.email for s in subscriptions],
            "Countries": [
                ", ".join(options.country_names.get(c, c) for c in s.countries) or "every country"
                for s in subscriptions
            ],
            "Cooperation areas": [
                ", ".join(options.area_names.get(a, a) for a in s.areas) or "every area"
                for s in subscriptions
            ],
            "How often": [s.frequency for s in subscriptions],
            "Always": [s.always for s in subscriptions],
            "Since": [s.created_at.date() for s in subscriptions],
        }
    )


def _sends(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Email": frame["email"],
            "Period": frame["period_start"].dt.strftime("%Y-%m-%d %H:%M")
            + " to "
            + frame["period_end"].dt.strftime("%Y-%m-%d %H:%M")
            + " UTC",
            "Outcome": frame["status"],
            "Tried (UTC)": frame["attempted_at"].dt.strftime("%Y-%m-%d %H:%M"),
            "Error": frame["error"].fillna(""),
        }
    )


ctx = page_setup(
    "Digest subscriptions",
    caption=(
        "Who receives the digest by email: the meetings recorded, corrected or withdrawn, the "
        "follow-ups whose status changed, and those due soon or overdue, for their countries "
        "and areas. `python -m dashboard.digest send` sends it (see the README)."
    ),
)
if writer(Role.ADMIN) is None:
    st.stop()
store = current_store()
options = filter_options(ctx.package)
outcome()

subscribers = store.subscriptions()
st.subheader("Subscribers")
if subscribers:
    listed = _table(subscribers, options)
    st.dataframe(listed, hide_index=True, height=table_height(listed), key="subscribers")
else:
    st.info("Nobody is subscribed yet.")

st.subheader("Add a subscriber")
new = Form("subscription_new")
with st.form("subscription_new", enter_to_submit=False):
    _fields(new, options, None)
    st.form_submit_button(
        "Add subscriber",
        type="primary",
        key=new.key("save"),
        on_click=save,
        args=(new, new.generation, lambda: _add(new)),
    )

if subscribers:
    st.subheader("Change or remove a subscriber")
    by_id = {s.id: s for s in subscribers}
    if st.session_state.get(PICK_KEY) not in by_id:
        st.session_state.pop(PICK_KEY, None)  # removed meanwhile (here or by another admin)
    chosen = st.selectbox(
        "Subscriber",
        list(by_id),
        index=None,
        key=PICK_KEY,
        format_func=lambda i: by_id[i].email,
        placeholder="Choose a subscriber",
    )
    if chosen is not None:
        subscription = by_id[chosen]
        edit = Form(f"subscription_{chosen}")
        st.session_state.setdefault(edit.key("version"), subscription.version)
        with st.form(f"subscription_{chosen}", enter_to_submit=False):
            _fields(edit, options, subscription)
            st.form_submit_button(
                "Save changes",
                type="primary",
                key=edit.key("save"),
                on_click=save,
                args=(edit, edit.generation, lambda: _change(edit, subscription)),
            )
        with st.form(f"subscription_remove_{chosen}", enter_to_submit=False):
            st.checkbox(
                f"Stop sending the digest to {plain(subscription.email)}",
                key=edit.key("confirm"),
            )
            field_error("subscriptions", "confirm")
            st.form_submit_button(
                "Remove subscriber",
                key=edit.key("remove"),
                on_click=save,
                args=(edit, edit.generation, lambda: _remove(edit, subscription)),
            )
        with st.expander("History", icon=":material/history:"):
            show_history(store.history("subscriptions", str(chosen)))
other_errors()

st.subheader("Digests sent")
sends = store.digest_sends(limit=SENDS_SHOWN)
if sends.empty:
    st.info("No digest has been sent yet.")
else:
    sent = _sends(sends)
    st.dataframe(sent, hide_index=True, height=table_height(sent), key="digest_sends")
