"""Who may do what: roles from the ``[access]`` table of ``.streamlit/secrets.toml``.

The store checks these on every write (the pages only hide buttons for convenience)::

    [access]
    editors = ["name@most.gov.pk", "@most.gov.pk"]   # emails, or "@domain" for a whole domain
    admins = ["it.admin@most.gov.pk"]
    public_read = true                                 # false: every page asks to sign in first

viewer = anyone signed in (or anyone, when ``public_read``); editor = may record and update;
admin = editor + withdraw/restore records and see the full change log.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class Role(enum.IntEnum):
    """Ordered: a higher role may do everything a lower one may."""

    VIEWER = 1
    EDITOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Identity:
    """The person behind a request: `email` None means not signed in (anonymous)."""

    email: str | None
    role: Role = Role.VIEWER

    @property
    def anonymous(self) -> bool:
        return not self.email

    def may(self, role: Role) -> bool:
        """True when signed in with at least `role`."""
        return not self.anonymous and self.role >= role


ANONYMOUS = Identity(None, Role.VIEWER)
# One @, something before it, a dotted domain after it, no spaces: enough to tell an address
# from a name or a stray "@" (the change log must say who made a change).
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def is_email(text: str) -> bool:
    """True when `text` has the shape of an email address."""
    return EMAIL.fullmatch(text.strip()) is not None


def _normalise(entries: Iterable[Any] | None) -> frozenset[str]:
    if entries is None:
        return frozenset()
    if isinstance(entries, str):  # a single string instead of a list: still honoured
        entries = [entries]
    return frozenset(str(e).strip().lower() for e in entries if str(e).strip())


def _matches(email: str, entries: frozenset[str]) -> bool:
    """`email` is listed, or its exact domain is listed as "@domain"."""
    if email in entries:
        return True
    _, at, domain = email.rpartition("@")
    return bool(at) and f"@{domain}" in entries


@dataclass(frozen=True)
class AccessRules:
    """The ``[access]`` settings: who edits, who administers, whether reading needs sign-in."""

    editors: frozenset[str] = frozenset()
    admins: frozenset[str] = frozenset()
    public_read: bool = True

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any] | None) -> AccessRules:
        """Read the ``[access]`` table (missing keys: nobody edits, reading is public)."""
        settings = settings or {}
        public_read = settings.get("public_read", True)
        if not isinstance(public_read, bool):
            public_read = str(public_read).strip().lower() not in {"false", "0", "no", "off"}
        return cls(
            editors=_normalise(settings.get("editors")),
            admins=_normalise(settings.get("admins")),
            public_read=public_read,
        )

    def identity_for(self, email: str | None) -> Identity:
        """The identity of a signed-in `email` (None or empty: anonymous, a viewer)."""
        email = (email or "").strip().lower()
        if not email or "@" not in email:
            return ANONYMOUS
        if _matches(email, self.admins):
            return Identity(email, Role.ADMIN)
        if _matches(email, self.editors):
            return Identity(email, Role.EDITOR)
        return Identity(email, Role.VIEWER)
