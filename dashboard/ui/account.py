"""Who is using the app: Streamlit's own sign-in (`st.login`, OpenID Connect) and the roles of
the ``[access]`` table, both read from `.streamlit/secrets.toml`.

The role of a signed-in email comes from the records store's `AccessRules` (the one rule set;
the store checks it again on every write). Without an ``[auth]`` section nobody signs in and
the app is read-only; so it is with a ``cookie_secret`` anyone could know (the example file's
placeholder, or a short one), since whoever knows it can sign a cookie claiming any address.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import streamlit as st

from dashboard.records.access import ANONYMOUS, AccessRules, Identity, Role

# Streamlit signs its sign-in cookie with [auth].cookie_secret: whoever knows the secret can
# sign a cookie for any address without asking the provider. The rule that refuses short or
# known secrets is the one the digest's unsubscribe links follow.
from dashboard.records.tokens import MIN_SECRET, NEW_SECRET_COMMAND
from dashboard.records.tokens import secret_problem as cookie_secret_problem
from dashboard.ui.text import plain

# The keys Streamlit needs for its default (unnamed) provider; see st.login's documentation.
AUTH_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
ENABLE_EDITING = (
    "Recording is switched off: sign-in is not configured. To enable it, add the [auth] and "
    "[access] sections of .streamlit/secrets.toml.example to .streamlit/secrets.toml "
    "(see the README)."
)

# Set by the browser when Sign out is pressed (ui/browser.py); read by `signed_out_notice`.
SIGNED_OUT_COOKIE = "dashboard_signed_out"
SIGNED_OUT_SHOWN = "_signed_out_checked"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountSettings:
    """What `.streamlit/secrets.toml` says about sign-in and roles."""

    rules: AccessRules
    sign_in_configured: bool
    # A secrets file exists but cannot be parsed: the app then fails closed.
    unreadable: bool = False
    # Why sign-in is switched off although [auth] is filled in (then sign_in_configured is
    # False); None when it is not refused.
    refused: str | None = None
    # What to tell an administrator about secrets files other users of the server can read.
    exposed: tuple[str, ...] = ()


def sign_in_refused(problem: str) -> str:
    """The message (page and server log) when the cookie secret is refused; never the secret."""
    return (
        f"Sign-in is switched off: the cookie_secret in .streamlit/secrets.toml {problem}, so "
        "anyone could forge a sign-in cookie. Nobody is signed in and nothing can be recorded "
        "until an administrator replaces it with a new random secret of at least "
        f"{MIN_SECRET} characters, made with `{NEW_SECRET_COMMAND}`, and restarts the "
        "dashboard."
    )


def exposed_secrets_files(paths: Iterable[str | Path]) -> list[str]:
    """A warning for each of `paths` that other users of the server may read or write (group
    or other permission bits set): the file holds the cookie and client secrets."""
    if os.name != "posix":  # Windows keeps access in ACLs, not in these bits
        return []
    warnings = []
    for path in map(Path, paths):
        try:
            mode = path.stat().st_mode
        except OSError:
            continue
        if mode & 0o077:
            warnings.append(
                f"The settings file {path} can be read or changed by other users of this "
                f"server (mode {mode & 0o777:o}), and it holds the sign-in secrets: restrict "
                f"it to the dashboard's own user with `chmod 600 {path}`."
            )
    return warnings


@cache
def _warn_once(message: str) -> None:
    """Log `message` once per server process (settings are read at every rerun)."""
    logger.warning(message)


def _secrets_section(name: str) -> Mapping[str, Any] | None:
    """One table of the secrets file, or None when there is none (or no file at all)."""
    section = st.secrets.get(name)
    return section if isinstance(section, Mapping) else None


def account_settings() -> AccountSettings:
    """The sign-in and role settings for this run (Streamlit caches the parsed file)."""
    configured_files = st.get_option("secrets.files")
    exposed = tuple(exposed_secrets_files(configured_files))
    for warning in exposed:
        _warn_once(warning)
    try:
        auth = _secrets_section("auth")
        access = _secrets_section("access")
    except FileNotFoundError:
        # Streamlit raises this both when no secrets file exists and when one cannot be
        # parsed; only the second is an error, and then nothing is shown until it is fixed.
        unreadable = any(Path(path).is_file() for path in configured_files)
        return AccountSettings(
            AccessRules.from_mapping({"public_read": not unreadable}),
            False,
            unreadable,
            exposed=exposed,
        )
    rules = AccessRules.from_mapping(access)
    if auth is None or not all(auth.get(key) for key in AUTH_KEYS):
        return AccountSettings(rules, False, exposed=exposed)
    problem = cookie_secret_problem(auth["cookie_secret"])
    if problem is None:
        return AccountSettings(rules, True, exposed=exposed)
    refused = sign_in_refused(problem)
    _warn_once(refused)
    return AccountSettings(rules, False, refused=refused, exposed=exposed)


def _signed_in_email() -> str | None:
    if not st.user.get("is_logged_in"):
        return None
    email = st.user.get("email")
    return str(email) if email else None


def _email_verified() -> bool:
    """False only when the provider says the address is unverified (Keycloak and Google send
    `email_verified`; Entra ID does not)."""
    verified = st.user.get("email_verified", True)
    return verified is not False and str(verified).strip().lower() != "false"


def current_identity(settings: AccountSettings | None = None) -> Identity:
    """The person using this session, with their role; anonymous when not signed in."""
    settings = settings or account_settings()
    if not settings.sign_in_configured:
        return ANONYMOUS
    email = _signed_in_email()
    if email is None:
        return ANONYMOUS
    identity = settings.rules.identity_for(email)
    if identity.role > Role.VIEWER and not _email_verified():
        # An address anyone could claim (self-registration without verification) grants
        # nothing beyond reading.
        return Identity(identity.email, Role.VIEWER)
    return identity


def signed_out_notice(settings: AccountSettings) -> None:
    """After Sign out the identity provider sends the browser back to the app: say "Signed
    out" on the first page the new session shows (the browser marks the way out with a
    short-lived cookie, `ui.browser`)."""
    if not settings.sign_in_configured or st.session_state.get(SIGNED_OUT_SHOWN):
        return
    st.session_state[SIGNED_OUT_SHOWN] = True
    if st.context.cookies.get(SIGNED_OUT_COOKIE) and current_identity(settings).anonymous:
        st.success(
            "Signed out. To record or change anything again, sign in.",
            icon=":material/logout:",
        )


def sign_in_gate(settings: AccountSettings) -> None:
    """With ``public_read = false``, a visitor who is not signed in gets only a sign-in page:
    this runs before anything that reads data, and stops the script."""
    if settings.unreadable:
        st.title("S&T Partnerships Dashboard")
        st.error(
            "The settings file .streamlit/secrets.toml cannot be read; the dashboard stays "
            "closed until an administrator corrects it (the server log names the problem)."
        )
        st.stop()
    if settings.rules.public_read or current_identity(settings).email:
        return
    st.title("S&T Partnerships Dashboard")
    if settings.refused:
        st.error(settings.refused, icon=":material/lock:")
        st.stop()
    if not settings.sign_in_configured:
        st.error(
            "Reading this dashboard requires sign-in, but sign-in is not configured: an "
            "administrator must add the [auth] section to .streamlit/secrets.toml (see the "
            "README)."
        )
        st.stop()
    st.write("Please sign in with your organisation's account to see the dashboard.")
    if st.button("Sign in", type="primary", key="gate_sign_in", icon=":material/login:"):
        st.login()
    st.stop()


def account_sidebar(settings: AccountSettings) -> None:
    """Sidebar: who is signed in and their role, with Sign out (or Sign in)."""
    if not settings.sign_in_configured:
        return
    identity = current_identity(settings)
    with st.sidebar:
        if identity.email:
            st.markdown(
                f"Signed in as **{plain(identity.email)}** · {identity.role.label}",
                help="viewer: reads; editor: records meetings and follow-ups; "
                "admin: also withdraws and restores records and sees the full change log.",
            )
            if st.button("Sign out", key="sign_out", icon=":material/logout:"):
                st.logout()
        elif st.button("Sign in", key="sign_in", icon=":material/login:"):
            st.login()
