"""Links into the app from what leaves it (the digest's emails, calendar events), on the app's
public address: ``DASHBOARD_PUBLIC_URL``, e.g. ``https://dashboard.most.gov.pk`` or, behind a
proxy under a sub-path, ``https://www.most.gov.pk/partnerships``.

A meeting opens on the timeline with its details (``timeline?event=<id>``), and so does a
follow-up: its meeting's details list it with its status, age and status history.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

PUBLIC_URL_SETTING = "DASHBOARD_PUBLIC_URL"
TIMELINE_PATH = "timeline"
EVENT_PARAM = "event"
UNSUBSCRIBE_PARAM = "unsubscribe"


class PublicUrlError(ValueError):
    """``DASHBOARD_PUBLIC_URL`` is not an http(s) address; the message says what is wrong."""


@dataclass(frozen=True)
class AppLinks:
    """The app's public address, without a trailing slash."""

    base: str

    @classmethod
    def of(cls, url: str) -> AppLinks:
        """Links under `url`; PublicUrlError unless it is an http(s) address with a host and
        no query or fragment."""
        text = url.strip()
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PublicUrlError(
                f"{PUBLIC_URL_SETTING}={text!r} is not the app's address: give it as "
                "https://host[/path], as a browser opens the dashboard"
            )
        if parts.query or parts.fragment:
            raise PublicUrlError(f"{PUBLIC_URL_SETTING}={text!r} must have no ?query or #part")
        return cls(text.rstrip("/"))

    @classmethod
    def from_env(cls) -> AppLinks | None:
        """The links of ``DASHBOARD_PUBLIC_URL``, None when it is not set."""
        url = os.environ.get(PUBLIC_URL_SETTING, "").strip()
        return cls.of(url) if url else None

    @property
    def host(self) -> str:
        return urlsplit(self.base).hostname or ""

    def meeting(self, meeting_id: str) -> str:
        """The meeting's details on the timeline."""
        return f"{self.base}/{TIMELINE_PATH}?{EVENT_PARAM}={quote(str(meeting_id), safe='')}"

    def unsubscribe(self, token: str) -> str:
        """The page that confirms an unsubscribe (no sign-in needed)."""
        return f"{self.base}/?{UNSUBSCRIBE_PARAM}={quote(token, safe='')}"
