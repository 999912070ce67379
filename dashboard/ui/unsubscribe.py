"""The page an unsubscribe link opens (``/?unsubscribe=<token>``): no sign-in, one button.

It runs before the sign-in gate (``app.py``), so it works whatever ``public_read`` says, and it
shows nothing but the address the link is for. The store checks the token (signed with the
digest's secret, expiring); a link used once says so when opened again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from dashboard.export.links import UNSUBSCRIBE_PARAM
from dashboard.records import UpgradeFailed
from dashboard.records.store import RecordsStore
from dashboard.records.tokens import BadToken, SecretRefused, digest_secret
from dashboard.ui.data import records_store
from dashboard.ui.text import plain

TITLE = "Unsubscribe from the digest"
DONE_STATE = "_unsubscribed"
ASK_ADMINS = "Ask the dashboard's administrators to remove you from the digest."


def _secrets() -> Mapping[str, Any]:
    try:
        section = st.secrets.get("digest")
    except FileNotFoundError:  # no secrets file (or an unreadable one: the app reports it)
        section = None
    return {"digest": section} if isinstance(section, Mapping) else {}


def _unsubscribe(store: RecordsStore, token: str, secret: str) -> None:
    try:
        st.session_state[DONE_STATE] = store.unsubscribe(token, secret).email
    except BadToken:
        st.session_state.pop(DONE_STATE, None)  # shown by the rerun, which checks it again


def unsubscribe_gate() -> None:
    """When the link carries an unsubscribe token: the confirmation page, and nothing else."""
    token = st.query_params.get(UNSUBSCRIBE_PARAM)
    if token is None:
        return
    st.title(TITLE)
    try:
        secret = digest_secret(_secrets())
        store = records_store()
        subscription = store.unsubscribe_target(token, secret)
    except SecretRefused:
        st.error(f"Unsubscribe links cannot be checked at the moment. {ASK_ADMINS}")
        st.stop()
    except UpgradeFailed:
        st.error(f"The dashboard's records cannot be reached at the moment. {ASK_ADMINS}")
        st.stop()
    except BadToken as bad:
        st.error(f"{bad} {ASK_ADMINS}", icon=":material/link_off:")
        st.stop()
    email = plain(subscription.email)
    if st.session_state.get(DONE_STATE) == subscription.email:
        st.success(
            f"Done: no more digests will be sent to {email}.", icon=":material/check_circle:"
        )
    elif not subscription.active:
        st.info(
            f"{email} was unsubscribed on {subscription.removed_at:%Y-%m-%d}: no digest is "
            "sent to it any more.",
            icon=":material/unsubscribe:",
        )
    else:
        st.write(f"Stop sending the {subscription.frequency} digest to **{email}**?")
        st.button(
            "Unsubscribe",
            type="primary",
            icon=":material/unsubscribe:",
            on_click=_unsubscribe,
            args=(store, token, secret),
        )
    st.stop()
