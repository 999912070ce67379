"""The digest as an email, and sending it over SMTP.

``DASHBOARD_SMTP_URL`` names the server: ``smtp://user:password@host:587?starttls=true`` (plain
SMTP, upgraded to TLS when ``starttls=true``), or ``smtps://user:password@host:465`` (TLS from
the first byte); user and password are optional and percent-encoded. The password is used to
log in and for nothing else: messages, errors and logs name the server without it.
``DASHBOARD_DIGEST_FROM`` is the sender (default: the dashboard at the public address's host).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

from dashboard.digest.content import Digest
from dashboard.digest.render import PRODUCT, html_body, pdf_bytes, subject, text_body
from dashboard.records.access import is_email
from dashboard.records.base import now

SMTP_URL_SETTING = "DASHBOARD_SMTP_URL"
FROM_SETTING = "DASHBOARD_DIGEST_FROM"
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TIMEOUT_SECONDS = 60


class MailSettingError(ValueError):
    """``DASHBOARD_SMTP_URL`` or ``DASHBOARD_DIGEST_FROM`` cannot be used; the message never
    holds the password."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send; `password` is left out of repr."""

    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    starttls: bool
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url.strip())
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise MailSettingError(
                f"{SMTP_URL_SETTING} must look like smtp://user:password@host:587?starttls=true "
                "or smtps://user:password@host:465"
            )
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise MailSettingError(f"{SMTP_URL_SETTING} has a port that is not a number") from None
        flag = parse_qs(parts.query).get("starttls", ["false"])[-1].strip().lower()
        if flag not in ("true", "false", "1", "0", "yes", "no"):
            raise MailSettingError(f"{SMTP_URL_SETTING}: starttls is true or false")
        user = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password else None
        if not (user or "").isascii() or not (password or "").isascii():
            # smtplib logs in with ASCII only; said before a run, not as a failure half-way.
            raise MailSettingError(f"{SMTP_URL_SETTING}: user and password must be ASCII")
        return cls(
            host=parts.hostname,
            port=port,
            tls=parts.scheme == "smtps",
            starttls=flag in ("true", "1", "yes"),
            user=user,
            password=password,
        )

    @classmethod
    def from_env(cls) -> SmtpServer:
        url = os.environ.get(SMTP_URL_SETTING, "").strip()
        if not url:
            raise MailSettingError(
                f"{SMTP_URL_SETTING} is not set: it names the mail server, e.g. "
                "smtp://user:password@host:587?starttls=true (or use --dry-run --out DIR)"
            )
        return cls.from_url(url)

    def describe(self) -> str:
        """The server as messages may name it: no password."""
        who = f"{self.user}@" if self.user else ""
        scheme = "smtps" if self.tls else "smtp"
        return f"{scheme}://{who}{self.host}:{self.port}" + (
            "?starttls=true" if self.starttls else ""
        )


def sender(host: str) -> Address:
    """``DASHBOARD_DIGEST_FROM``, else the dashboard at `host` (the public address's)."""
    configured = os.environ.get(FROM_SETTING, "").strip()
    if not configured:
        return Address(PRODUCT, "dashboard", host)
    if not is_email(configured):
        raise MailSettingError(f"{FROM_SETTING}={configured!r} is not an email address")
    return Address(PRODUCT, addr_spec=configured)


def build_message(digest: Digest, from_address: Address, unsubscribe_url: str) -> EmailMessage:
    """One subscriber's email: plain text and HTML alternatives, the PDF attached, and an
    unsubscribe link in the body and in the List-Unsubscribe header."""
    message = EmailMessage()
    message["Subject"] = subject(digest)
    message["From"] = from_address
    message["To"] = digest.subscription.email
    message["Date"] = format_datetime(now())
    message["Message-ID"] = make_msgid("digest", domain=from_address.domain or None)
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text_body(digest, unsubscribe_url))
    message.add_alternative(html_body(digest, unsubscribe_url), subtype="html")
    message.add_attachment(
        pdf_bytes(digest),
        maintype="application",
        subtype="pdf",
        filename=f"digest-{digest.period.last_day:%Y-%m-%d}.pdf",
    )
    return message


class Mailer:
    """One SMTP connection for a run, opened at the first message and opened again after a
    message that broke it; `send` raises on failure (the caller records it and goes on)."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context()
        if server.tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        try:
            if server.starttls:
                smtp.starttls(context=context)
            if server.user:
                smtp.login(server.user, server.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send `message` to its To address."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self._smtp = None  # the next message starts a new connection
            raise
        except smtplib.SMTPException:
            try:
                self._smtp.rset()  # refused: the connection stays usable for the others
            except OSError:  # smtplib's errors are OSErrors too
                self.close()
            raise
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None


def failure_text(error: BaseException) -> str:
    """A failure in one line for the send log and the output, in the server's words."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = [
            f"{address}: {code} {reply.decode(errors='replace')}"
            for address, (code, reply) in error.recipients.items()
        ]
        return "refused " + "; ".join(refusals)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
    return f"{type(error).__name__}: {error}".strip()
