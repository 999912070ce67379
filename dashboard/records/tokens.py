"""Unsubscribe links: a signed, expiring token that names one subscription.

A token is ``<subscription id>.<last valid day>.<signature>``: the signature is an HMAC-SHA256,
with the digest's secret, of the id, the day and the subscription's email address, so a token
cannot be made or altered without the secret, and it fits only the subscription it was made
for (a subscription removed and added again has a new id). The address itself is not in the
link. The secret (``[digest] token_secret`` in ``.streamlit/secrets.toml`` or
``DASHBOARD_DIGEST_SECRET``) is refused when it is short or the example's placeholder, as the
sign-in cookie secret is: whoever knows it can unsubscribe anyone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

SECRET_SETTING = "DASHBOARD_DIGEST_SECRET"
MIN_SECRET = 32
# Every placeholder of .streamlit/secrets.toml.example contains this.
PLACEHOLDER_MARK = "replace-with"
NEW_SECRET_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
# How long an unsubscribe link keeps working after the digest that carries it went out.
TOKEN_DAYS = 90
_TOKEN = re.compile(r"(\d{1,18})\.(\d{8})\.([A-Za-z0-9_-]{43})")


class BadToken(ValueError):
    """The link is not a valid unsubscribe link (altered, expired, or for no subscription);
    the message says which, in words for the person who opened it."""


class SecretRefused(ValueError):
    """The digest's secret is missing, short or a placeholder; the message says how to fix it."""


@dataclass(frozen=True)
class TokenClaim:
    """What a well-formed token says, before its signature is checked against a subscription."""

    subscription_id: int
    last_day: date
    signature: str


def secret_problem(secret: object) -> str | None:
    """Why `secret` cannot sign anything (unsubscribe links, the sign-in cookie), or None when
    it can: unset, the example file's placeholder, or shorter than MIN_SECRET."""
    text = str(secret or "").strip()
    if not text:
        return "is not set"
    if PLACEHOLDER_MARK in text.lower():
        return "is still the placeholder of .streamlit/secrets.toml.example"
    if len(text) < MIN_SECRET:
        return f"is shorter than {MIN_SECRET} characters"
    return None


def digest_secret(secrets: Mapping[str, Any] | None) -> str:
    """The secret that signs unsubscribe links: ``DASHBOARD_DIGEST_SECRET``, else
    ``token_secret`` of the ``[digest]`` table of the secrets file (`secrets`: the parsed
    file). Raises SecretRefused when it is missing, short or a placeholder."""
    secret = os.environ.get(SECRET_SETTING, "").strip()
    where = SECRET_SETTING
    if not secret:
        section = (secrets or {}).get("digest")
        secret = str(section.get("token_secret", "")) if isinstance(section, Mapping) else ""
        where = "[digest] token_secret in .streamlit/secrets.toml"
    problem = secret_problem(secret)
    if problem is not None:
        raise SecretRefused(
            f"The digest's secret ({where}) {problem}: unsubscribe links cannot be signed or "
            f"checked. Set it to a random secret of at least {MIN_SECRET} characters, made with "
            f"`{NEW_SECRET_COMMAND}`."
        )
    return secret.strip()


def _signature(secret: str, subscription_id: int, email: str, last_day: date) -> str:
    message = f"unsubscribe|{subscription_id}|{email.strip().lower()}|{last_day:%Y%m%d}"
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make_token(secret: str, subscription_id: int, email: str, sent_on: date) -> str:
    """The unsubscribe token of a digest sent on `sent_on`: valid for TOKEN_DAYS days."""
    last_day = sent_on + timedelta(days=TOKEN_DAYS)
    signature = _signature(secret, subscription_id, email, last_day)
    return f"{subscription_id}.{last_day:%Y%m%d}.{signature}"


def read_token(token: str) -> TokenClaim:
    """What `token` claims; BadToken when it is not shaped as a token at all."""
    found = _TOKEN.fullmatch(token.strip())
    if found is None:
        raise BadToken("This unsubscribe link is incomplete or was altered.")
    number, day, signature = found.groups()
    try:
        last_day = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise BadToken("This unsubscribe link is incomplete or was altered.") from None
    return TokenClaim(int(number), last_day, signature)


def check_token(secret: str, claim: TokenClaim, email: str, today: date) -> None:
    """Raises BadToken unless `claim` was signed with `secret` for the subscription of `email`
    and is still valid on `today`."""
    expected = _signature(secret, claim.subscription_id, email, claim.last_day)
    if not hmac.compare_digest(expected, claim.signature):
        raise BadToken("This unsubscribe link is incomplete or was altered.")
    if today > claim.last_day:
        raise BadToken(
            f"This unsubscribe link expired on {claim.last_day:%Y-%m-%d}. Use the link in a "
            "more recent digest, or ask the dashboard's administrators to remove you."
        )
