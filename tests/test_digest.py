"""The digest by email, end to end: `python -m dashboard.digest send` against a real SMTP server
on loopback (aiosmtpd), with login; each subscriber's message parsed with the `email` package:
recipients, the items of each section for their countries and areas, the links, the PDF, the
unsubscribe link (opened through the real app under AppTest); a rerun sends nothing twice and
retries the recipient the server refused; --dry-run writes .eml files; hostile text arrives as
text; the password never shows."""

from __future__ import annotations

import contextlib
import email
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from dashboard.bench.server import ROOT, free_port
from dashboard.digest.__main__ import main
from dashboard.digest.content import midnight
from dashboard.digest.send import due_period
from dashboard.records import RecordsStore
from dashboard.records.subscriptions import Subscription
from tests.conftest import APP, DATA_DIR
from tests.helpers import ADMIN, EDITOR, ROMANIA_MOU, ROMANIA_SOURCE, page_text

# The loopback server asks for a login without TLS (aiosmtpd warns; STARTTLS is not tested).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

ZONE = ZoneInfo("Asia/Karachi")  # the default DASHBOARD_TIMEZONE
TODAY = datetime.now(ZONE).date()
# "Today" for the digest: the next Monday, whose weekly digest covers this week (and so the
# changes the tests make now).
MONDAY = TODAY + timedelta(days=7 - TODAY.weekday())
PUBLIC = "https://dashboard.example.org/p"
SECRET = "test-only-digest-secret-0123456789abcdef0123"
SMTP_USER, SMTP_PASSWORD = "digest", "p ss/w0rd:@secret%"  # percent-encoded in the URL
CHINA_MEETING = "2025-03-24-CHN"
HOSTILE = "<script>alert('x')</script> <b>Bold</b> =SUM(A1:A9) talks on AI"
TITLE = HOSTILE + " and more" * 80  # longer than a digest line
DUE_SOON, OVERDUE = "Send the draft MoU text to Bucharest", "Nominate the joint working group"
LEAD, CHINA, AI = "lead@most.gov.pk", "china.desk@most.gov.pk", "ai.desk@most.gov.pk"
QUIET, ALWAYS, REFUSED = "quiet@most.gov.pk", "always@most.gov.pk", "refused@most.gov.pk"


class Inbox:
    """An aiosmtpd handler that keeps every message, refuses the addresses in `refuse` with
    550, and accepts only SMTP_USER / SMTP_PASSWORD."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse: set[str] = set()

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (SMTP_USER, SMTP_PASSWORD)
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:  # noqa: ANN001, N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.messages if rcpt == [address]]


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=inbox.authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def smtp_url(port: int, password: str = SMTP_PASSWORD) -> str:
    return f"smtp://{SMTP_USER}:{quote(password, safe='')}@127.0.0.1:{port}"


def settings(url: str, port: int) -> dict[str, str]:
    return {
        "DASHBOARD_DATABASE_URL": url,
        "DASHBOARD_PUBLIC_URL": PUBLIC,
        "DASHBOARD_SMTP_URL": smtp_url(port),
        "DASHBOARD_DIGEST_SECRET": SECRET,
        "DASHBOARD_TODAY": MONDAY.isoformat(),
    }


def send(*args: str) -> tuple[int, str, str]:
    """`python -m dashboard.digest` in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def make_news(store: RecordsStore) -> str:
    """This week's changes: a Romanian meeting recorded (hostile title, areas AI) and corrected,
    with a follow-up due soon and an overdue one; the Romania MoU agreed; a Chinese meeting
    withdrawn. Returns the new meeting's id."""
    meeting_id = store.record_meeting(
        EDITOR,
        {
            "date": (TODAY - timedelta(days=10)).isoformat(),
            "date_precision": "day",
            "partner_iso3": "ROU",
            "event_type": "meeting",
            "title": TITLE,
            "location": "Islamabad",
            "lead_scope": "MoST",
        },
        area_ids=["ai"],
        source_ids=[ROMANIA_SOURCE],
        followups=[
            {"description": DUE_SOON, "owner": "Joint Secretary (IC)", "action_type": "mou",
             "due": (MONDAY + timedelta(days=5)).isoformat()},
            {"description": OVERDUE, "owner": "Desk officer, Europe", "action_type": "other",
             "due": (MONDAY - timedelta(days=2)).isoformat()},
        ],
    )  # fmt: skip
    version = store.meeting(meeting_id)["version"]
    store.correct_meeting(EDITOR, meeting_id, {"location": "Bucharest"}, expected_version=version)
    mou = store.followup(ROMANIA_MOU)
    store.update_followup(
        EDITOR, ROMANIA_MOU, "agreed", TODAY.isoformat(), None, "Agreed on a call", mou["version"]
    )
    china = store.meeting(CHINA_MEETING)
    store.withdraw_meeting(ADMIN, CHINA_MEETING, "Recorded twice", china["version"])
    return meeting_id


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Inbox, int]) -> Iterator[dict]:
    """A records database with this week's news and six subscribers, and the first run's
    outcome: the server refuses one of them."""
    inbox, port = smtp
    url = f"sqlite:///{tmp_path_factory.mktemp('digest') / 'records.sqlite'}"
    store = RecordsStore(url, DATA_DIR)
    with pytest.MonkeyPatch.context() as mp:
        for name, value in settings(url, port).items():
            mp.setenv(name, value)
        store.upgrade()
        meeting_id = make_news(store)
        for address, countries, areas, frequency, always in [
            (LEAD, ["ROU"], [], "weekly", False),
            (CHINA, ["CHN"], [], "weekly", False),
            (AI, [], ["ai"], "weekly", False),
            (QUIET, ["AUT"], [], "weekly", False),
            (ALWAYS, ["AUT"], [], "weekly", True),
            (REFUSED, ["ROU"], [], "weekly", False),
        ]:
            store.add_subscription(ADMIN, address, countries, areas, frequency, always)
        inbox.refuse = {REFUSED}
        first = send("send")
        inbox.refuse = set()
    try:
        yield {"url": url, "store": store, "meeting": meeting_id, "first": first}
    finally:
        store.close()


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def pdf_of(message: EmailMessage) -> PdfReader:
    (attachment,) = [p for p in message.iter_attachments() if p.get_content_type().endswith("pdf")]
    return PdfReader(io.BytesIO(attachment.get_content()))


def test_each_subscriber_gets_one_email_for_their_countries_and_areas(
    world: dict, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    code, out, err = world["first"]
    assert code == 1, out + err  # one recipient refused: some failed
    received = sorted(address for rcpt, _ in inbox.messages for address in rcpt)
    assert received == sorted([LEAD, CHINA, AI, ALWAYS])
    assert f"FAILED to send to {REFUSED}" in err and "550 5.1.1 mailbox unavailable" in err
    assert f"nothing to send to {QUIET}" in out
    assert "4 digest(s) sent or written, 1 failed" in out

    (lead,) = inbox.to(LEAD)
    assert lead["To"] == LEAD and "digest" in lead["Subject"]
    text = text_of(lead)
    assert "recorded on" in text and "corrected (location) on" in text and EDITOR.email in text
    assert "from Proposed to Agreed" in text and f"took effect {TODAY:%Y-%m-%d}" in text
    assert f"{DUE_SOON} (Romania) — Proposed, owner Joint Secretary (IC)" in text
    assert f"due {MONDAY + timedelta(days=5):%Y-%m-%d}" in text
    assert f"{OVERDUE} (Romania)" in text and "2 days overdue" in text
    assert "Recorded twice" not in text  # China's withdrawal is not Romania's news

    (china,) = inbox.to(CHINA)
    text = text_of(china)
    assert "withdrawn: Recorded twice on" in text and ADMIN.email in text
    assert "Romania" not in text and "No follow-up changed status" in text
    assert f"event={CHINA_MEETING}" not in html_of(china)  # withdrawn: no longer in the app

    (ai,) = inbox.to(AI)
    text = text_of(ai)
    assert "from Proposed to Agreed" in text and DUE_SOON in text and OVERDUE in text
    assert "Recorded twice" not in text  # China's meeting was on other areas

    (always,) = inbox.to(ALWAYS)
    assert "nothing new" in always["Subject"]
    assert "Nothing changed in the period, and nothing is due or overdue." in text_of(always)


def test_every_item_links_to_its_view_and_the_pdf_holds_the_same(
    world: dict, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    (lead,) = inbox.to(LEAD)
    assert [p.get_content_type() for p in lead.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/pdf",
    ]
    link = f"{PUBLIC}/timeline?event={world['meeting']}"
    html = html_of(lead)
    assert f'href="{link}"' in html and f"  {link}" in text_of(lead)
    assert f'href="{PUBLIC}/timeline?event=2025-08-09-ROU"' in html  # the MoU's meeting
    pdf = pdf_of(lead)
    words = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    for item in (DUE_SOON, OVERDUE, "from Proposed to Agreed", "<b>Bold</b> =SUM(A1:A9)"):
        assert item in words, item
    uris = {
        annot.get_object()["/A"]["/URI"] for page in pdf.pages for annot in page.get("/Annots", [])
    }
    assert link in uris


def test_hostile_text_arrives_as_text(world: dict, smtp: tuple[Inbox, int]) -> None:
    inbox, _ = smtp
    (lead,) = inbox.to(LEAD)
    html = html_of(lead)
    assert "<script>" not in html and "<b>Bold</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &lt;b&gt;Bold&lt;/b&gt;" in html
    text = text_of(lead)
    assert HOSTILE in text and TITLE not in text  # cut short, marked with an ellipsis
    line = next(line for line in text.splitlines() if HOSTILE in line)
    assert "…" in line and len(line) < 700


def test_a_rerun_sends_nothing_twice_and_retries_the_refused_recipient(
    world: dict, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    for name, value in settings(world["url"], port).items():
        monkeypatch.setenv(name, value)
    before = len(inbox.messages)
    code, out, err = send("send")
    assert code == 0, out + err
    assert [rcpt for rcpt, _ in inbox.messages[before:]] == [[REFUSED]]
    assert f"sent to {REFUSED} for {MONDAY - timedelta(days=7):%Y-%m-%d}" in out
    assert f"not due for {LEAD}" in out
    code, out, _ = send("send")
    assert code == 3 and "Nothing to send (exit status 3)" in out
    assert len(inbox.messages) == before + 1
    sends = world["store"].digest_sends()
    assert sorted(sends["status"]) == sorted(["sent"] * 5 + ["failed", "empty"])


def test_the_unsubscribe_link_opens_a_page_that_works_once_without_sign_in(
    world: dict, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, _ = smtp
    (message,) = inbox.to(AI)
    (token,) = re.findall(r"\?unsubscribe=([\w.-]+)", text_of(message))
    assert message["List-Unsubscribe"] == f"<{PUBLIC}/?unsubscribe={token}>"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", world["url"])

    def open_link(link_token: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        # Reading is private and nobody is signed in: the link works all the same.
        at.secrets["auth"] = {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": "test-only-cookie-secret-for-the-unsubscribe-page",
            "client_id": "dashboard",
            "client_secret": "test",
            "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
        }
        at.secrets["access"] = {"public_read": False}
        at.secrets["digest"] = {"token_secret": SECRET}
        at.query_params["unsubscribe"] = link_token
        return at.run()

    at = open_link(token)
    assert not at.exception
    assert f"Stop sending the weekly digest to **{AI}**?" in page_text(at)
    assert [b.label for b in at.button] == ["Unsubscribe"]
    at.button[0].click().run()
    assert f"Done: no more digests will be sent to {AI}." in page_text(at)
    store: RecordsStore = world["store"]
    assert AI not in {s.email for s in store.subscriptions()}
    assert store.recent_changes(limit=1).iloc[0][["by", "action"]].tolist() == [AI, "unsubscribe"]

    again = open_link(token)
    assert f"{AI} was unsubscribed on" in page_text(again) and not again.button
    altered = open_link(token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert "incomplete or was altered" in page_text(altered) and not altered.button
    assert "Romania" not in page_text(altered)  # nothing of the app behind the link


def test_dry_run_writes_eml_files_and_leaves_the_send_log_alone(
    tmp_path: Path, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    for name, value in settings(url, port).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DASHBOARD_SMTP_URL")  # a dry run needs no mail server
    store = RecordsStore(url, DATA_DIR)
    store.upgrade()
    store.add_subscription(ADMIN, LEAD, ["ROU"], [], "daily", True)
    store.add_subscription(ADMIN, CHINA, ["CHN"], [], "weekly", False)
    before = len(inbox.messages)
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.digest", "send", "--dry-run", "--out", "eml",
         "--to", LEAD],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (written,) = (tmp_path / "eml").glob("*.eml")
    assert written.name == f"digest-{MONDAY - timedelta(days=1):%Y-%m-%d}-{LEAD}.eml"
    message = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == LEAD and "nothing new" in message["Subject"]
    assert pdf_of(message).pages
    assert len(inbox.messages) == before and store.digest_sends().empty
    # Without --to, the weekly subscriber with nothing new is named and not written.
    code, out, _ = send("send", "--dry-run", "--out", str(tmp_path / "all"))
    assert code == 0 and f"nothing to send to {CHINA}" in out
    assert len(list((tmp_path / "all").glob("*.eml"))) == 1
    store.close()


@pytest.mark.parametrize(
    ("change", "args", "said"),
    [
        ({"DASHBOARD_PUBLIC_URL": None}, ["send"], "DASHBOARD_PUBLIC_URL is not set"),
        ({"DASHBOARD_DIGEST_SECRET": "replace-with-a-long-random-secret"}, ["send"], "placeholder"),
        ({"DASHBOARD_DIGEST_SECRET": "short"}, ["send"], "shorter than 32"),
        ({"DASHBOARD_SMTP_URL": None}, ["send"], "DASHBOARD_SMTP_URL is not set"),
        ({"DASHBOARD_SMTP_URL": "http://mail"}, ["send"], "must look like smtp://"),
        ({"DASHBOARD_SMTP_URL": "smtp://u:p%C3%A4ss@mail"}, ["send"], "must be ASCII"),
        ({"DASHBOARD_DIGEST_FROM": "a@b@c"}, ["send"], "DASHBOARD_DIGEST_FROM='a@b@c' is not"),
        ({}, ["send", "--to", "nobody@example.org"], "not subscribed: nobody@example.org"),
        ({}, ["send", "--dry-run"], "--dry-run and --out DIR go together"),
    ],
)
def test_settings_that_cannot_work_stop_the_run_with_status_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, str | None],
    args: list[str],
    said: str,
) -> None:
    for name, value in {**settings(f"sqlite:///{tmp_path / 'r.sqlite'}", 9), **change}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    code, out, err = send(*args)
    assert code == 2 and said in err and not out


def test_a_refused_login_fails_every_recipient_without_showing_the_password(
    tmp_path: Path, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    for name, value in settings(url, port).items():
        monkeypatch.setenv(name, value)
    wrong = "not-the-password-4711"
    monkeypatch.setenv("DASHBOARD_SMTP_URL", smtp_url(port, wrong))
    store = RecordsStore(url, DATA_DIR)
    store.upgrade()
    for address in (LEAD, AI):
        store.add_subscription(ADMIN, address, [], [], "weekly", True)
    before = len(inbox.messages)
    code, out, err = send("send")
    assert code == 1 and err.count("FAILED") == 2 and "535" in err
    assert len(inbox.messages) == before
    assert wrong not in out + err and SMTP_PASSWORD not in out + err
    assert set(store.digest_sends()["status"]) == {"failed"}
    store.close()


def test_periods_run_from_midnight_to_midnight_and_go_on_where_the_last_one_ended() -> None:
    def subscriber(frequency: str) -> Subscription:
        return Subscription(1, LEAD, (), (), frequency, False, 1, datetime.now(ZONE))

    weekly, daily = subscriber("weekly"), subscriber("daily")
    wednesday, monday = date(2026, 12, 9), date(2026, 12, 14)
    week = due_period(weekly, None, wednesday, ZONE)
    assert (week.start, week.end) == (
        midnight(date(2026, 11, 30), ZONE),
        midnight(date(2026, 12, 7), ZONE),
    )
    assert week.describe() == "2026-11-30 to 2026-12-06"
    assert week.start.hour == 19  # midnight in Karachi, in UTC
    assert due_period(weekly, week.end, wednesday, ZONE) is None  # sent: due again on Monday
    assert due_period(weekly, week.end, monday, ZONE).describe() == "2026-12-07 to 2026-12-13"
    day = due_period(daily, None, wednesday, ZONE)
    assert day.describe() == "2026-12-08"
    assert due_period(daily, day.end, wednesday, ZONE) is None
    # A week without a run: the next daily digest covers every day since the last one.
    assert due_period(daily, day.end, monday, ZONE).describe() == "2026-12-09 to 2026-12-13"
    assert due_period(weekly, week.end, wednesday, ZONE, since_days=14).describe() == (
        "2026-11-25 to 2026-12-08"
    )
