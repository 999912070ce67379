"""Digest subscriptions in the records store, on SQLite and on a real PostgreSQL server: only
admins write them (checked by the store), each field is validated, every write is versioned
and in the change log, an unsubscribe link works once and only as signed, the send log settles
each period once, and the period's news is read from the change log and status history. The
admin page, under AppTest, refuses everyone but admins and adds a subscriber."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from dashboard.records import (
    Conflict,
    NotAllowed,
    NotFound,
    RecordsStore,
    ValidationFailed,
)
from dashboard.records.subscriptions import SENDS
from dashboard.records.tokens import (
    TOKEN_DAYS,
    BadToken,
    SecretRefused,
    digest_secret,
    make_token,
)
from tests.conftest import APP, DATA_DIR
from tests.helpers import ADMIN, ANONYMOUS, EDITOR, VIEWER, page_text

SECRET = "test-only-digest-secret-0123456789abcdef0123"
LEAD = "lead@most.gov.pk"
PAGE = "views/subscriptions.py"


@pytest.fixture
def store(records_url: str):
    records = RecordsStore(records_url, DATA_DIR)
    records.upgrade()
    try:
        yield records
    finally:
        records.close()


def test_only_admins_write_subscriptions_and_the_pages_revision_stays(
    store: RecordsStore,
) -> None:
    revision = store.revision()
    for who in (ANONYMOUS, VIEWER, EDITOR):
        with pytest.raises(NotAllowed):
            store.add_subscription(who, LEAD)
    sid = store.add_subscription(ADMIN, " Lead@MoST.gov.pk ", ["rou", "POL", "ROU"], ["ai"])
    found = store.subscription(sid)
    assert (found.email, found.countries, found.areas) == (LEAD, ("POL", "ROU"), ("ai",))
    assert (found.frequency, found.always, found.version) == ("weekly", False, 1)
    assert found.active
    for who in (ANONYMOUS, VIEWER, EDITOR):
        with pytest.raises(NotAllowed):
            store.change_subscription(who, sid, {"always": True}, 1)
        with pytest.raises(NotAllowed):
            store.remove_subscription(who, sid, 1)
    assert store.subscription(sid) == found
    assert store.revision() == revision  # the pages' data did not change


def test_every_field_is_checked_and_nothing_is_saved_on_a_problem(store: RecordsStore) -> None:
    with pytest.raises(ValidationFailed) as failed:
        store.add_subscription(ADMIN, "not an address", ["XXX"], ["no-such-area"], "hourly", "yes")
    assert {(p.column, p.rule) for p in failed.value.problems} == {
        ("email", "email"),
        ("countries", "foreign-key"),
        ("areas", "foreign-key"),
        ("frequency", "enum"),
        ("always", "type"),
    }
    with pytest.raises(ValidationFailed) as failed:
        store.add_subscription(ADMIN, "lead\u202e@most.gov.pk")
    assert failed.value.problems[0].rule == "control-character"
    store.add_subscription(ADMIN, LEAD)
    with pytest.raises(ValidationFailed) as failed:
        store.add_subscription(ADMIN, LEAD.upper(), frequency="daily")
    assert [p.rule for p in failed.value.problems] == ["unique"]
    assert [s.email for s in store.subscriptions()] == [LEAD]


def test_changes_are_versioned_logged_and_a_removed_subscriber_can_come_back(
    store: RecordsStore,
) -> None:
    sid = store.add_subscription(ADMIN, LEAD, ["ROU"])
    version = store.change_subscription(ADMIN, sid, {"frequency": "daily"}, expected_version=1)
    assert version == 2
    with pytest.raises(Conflict) as stale:
        store.change_subscription(ADMIN, sid, {"always": True}, expected_version=1)
    assert stale.value.changed["frequency"] == ("weekly", "daily")
    assert store.subscription(sid).always is False
    with pytest.raises(ValidationFailed):
        store.change_subscription(ADMIN, sid, {"areas": ["no-such-area"]}, expected_version=2)
    store.remove_subscription(ADMIN, sid, expected_version=2)
    assert store.subscriptions() == []
    (removed,) = store.subscriptions(include_removed=True)
    assert removed.removed_by == ADMIN.email and removed.version == 3
    with pytest.raises(NotFound):
        store.change_subscription(ADMIN, sid, {"always": True}, expected_version=3)
    history = store.history("subscriptions", str(sid))
    assert list(history["action"]) == ["insert", "update", "remove"]
    assert set(history["by"]) == {ADMIN.email}
    assert history.iloc[1]["after"]["frequency"] == "daily"
    again = store.add_subscription(ADMIN, LEAD, ["ROU"])
    assert again != sid and store.subscription(again).active


def test_an_unsubscribe_link_works_once_and_only_as_signed(store: RecordsStore) -> None:
    sid = store.add_subscription(ADMIN, LEAD, ["ROU"])
    other = store.add_subscription(ADMIN, "other@most.gov.pk")
    today = date(2026, 12, 7)
    token = make_token(SECRET, sid, LEAD, today)
    number, day, signature = token.split(".")
    refused = {
        "altered": f"{number}.{day}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        "another secret": make_token("another-" + SECRET, sid, LEAD, today),
        "another subscription": f"{other}.{day}.{signature}",
        "no subscription": f"999999.{day}.{signature}",
        "not a token": "<script>",
        "longer life": f"{number}.{int(day) + 1}.{signature}",
    }
    for why, bad in refused.items():
        with pytest.raises(BadToken, match="incomplete or was altered"):
            store.unsubscribe(bad, SECRET, today)
        assert store.subscription(sid).active, why
    with pytest.raises(BadToken, match="expired"):
        store.unsubscribe(token, SECRET, today + timedelta(days=TOKEN_DAYS + 1))
    assert store.unsubscribe_target(token, SECRET, today + timedelta(days=TOKEN_DAYS)).active

    done = store.unsubscribe(token, SECRET, today)
    assert not done.active and done.removed_by == LEAD
    assert store.unsubscribe(token, SECRET, today) == done  # a second use changes nothing
    assert store.subscription(other).active
    history = store.history("subscriptions", str(sid))
    assert list(history["action"]) == ["insert", "unsubscribe"]
    assert history.iloc[-1]["by"] == LEAD


def test_the_digest_secret_is_refused_as_the_sign_in_secret_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DASHBOARD_DIGEST_SECRET", raising=False)
    for section, said in [
        (None, "is not set"),
        ({"token_secret": "replace-with-a-random-secret-of-48-characters-or-so"}, "placeholder"),
        ({"token_secret": "too-short"}, "shorter than 32"),
    ]:
        with pytest.raises(SecretRefused, match=said):
            digest_secret({"digest": section} if section else {})
    assert digest_secret({"digest": {"token_secret": SECRET}}) == SECRET
    monkeypatch.setenv("DASHBOARD_DIGEST_SECRET", "e" * 40)
    assert digest_secret({"digest": {"token_secret": SECRET}}) == "e" * 40


def test_the_send_log_settles_each_period_once(store: RecordsStore) -> None:
    sub = store.subscription(store.add_subscription(ADMIN, LEAD))
    end = datetime(2026, 12, 6, 19, tzinfo=UTC)
    start = end - timedelta(days=7)
    first = store.claim_digest(sub, start, end)
    assert first is not None
    assert store.claim_digest(sub, start, end) is None  # being sent by another run
    store.finish_digest(first, "failed", error="550 mailbox unavailable")
    assert store.covered_until(sub.id) is None
    retry = store.claim_digest(sub, start, end)
    store.finish_digest(retry, "sent", message_id="<1@example.org>")
    assert store.covered_until(sub.id) == end
    assert store.claim_digest(sub, start, end) is None  # sent already
    assert store.claim_digest(sub, start + timedelta(days=1), end) is None  # covered
    longer = store.claim_digest(sub, start - timedelta(days=7), end)
    assert longer is not None  # a longer period (--since 14d) is not covered
    # A send left "sending" by a run that stopped is tried again after a while.
    with store.engine.begin() as conn:
        conn.execute(
            update(SENDS)
            .where(SENDS.c.id == longer)
            .values(attempted_at=datetime.now(UTC) - timedelta(hours=2))
        )
    assert store.claim_digest(sub, start - timedelta(days=7), end) is not None
    sends = store.digest_sends(sub.id)
    assert list(sends["status"]) == ["sending", "failed", "sent", "failed"]
    assert sends["error"].iloc[1] == "the run stopped while sending"


def test_a_periods_news_comes_from_the_change_log_and_the_status_history(
    store: RecordsStore,
) -> None:
    start = datetime.now(UTC)  # after the seeding of data/
    mou = store.followup("2025-08-09-rou-mou")
    store.update_followup(
        EDITOR, mou["action_id"], "agreed", mou["status_as_of"], None, "by phone", mou["version"]
    )
    meeting = store.meeting("2025-03-24-CHN")
    store.withdraw_meeting(ADMIN, meeting["meeting_id"], "Recorded twice", meeting["version"])
    end = datetime.now(UTC) + timedelta(seconds=1)
    (change,) = store.status_changes(start, end)
    assert (change["action_id"], change["from_status"], change["to_status"], change["by"]) == (
        mou["action_id"],
        "proposed",
        "agreed",
        EDITOR.email,
    )
    (withdrawn,) = store.meeting_changes(start, end)
    assert (withdrawn["meeting_id"], withdrawn["action"], withdrawn["by"]) == (
        "2025-03-24-CHN",
        "withdraw",
        ADMIN.email,
    )
    assert withdrawn["after"]["area_ids"] == ["health", "space-technology"]
    assert store.status_changes(end, end + timedelta(days=1)) == []
    earlier = store.meeting_changes(start - timedelta(days=1), start)
    assert {c["action"] for c in earlier} == {"seed"}  # the fixture's seeding from data/


def test_a_backup_keeps_subscriptions_and_sends_and_a_restore_goes_on_from_them(
    store: RecordsStore, records_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    kept = store.subscription(store.add_subscription(ADMIN, LEAD, ["ROU"], ["ai"], "daily"))
    gone = store.add_subscription(ADMIN, "gone@most.gov.pk")
    store.remove_subscription(ADMIN, gone, expected_version=1)
    end = datetime(2026, 12, 6, 19, tzinfo=UTC)
    store.finish_digest(store.claim_digest(kept, end - timedelta(days=1), end), "sent")
    store.backup(tmp_path / "records.zip")
    if records_url.startswith("sqlite"):
        empty = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    else:
        empty = request.getfixturevalue("postgres_server").new_database()
    restored = RecordsStore(empty, DATA_DIR)
    try:
        summary = restored.restore(tmp_path / "records.zip")
        assert (summary.rows["subscriptions"], summary.rows["digest_sends"]) == (2, 1)
        assert restored.subscriptions(include_removed=True) == store.subscriptions(
            include_removed=True
        )
        assert restored.covered_until(kept.id) == end
        assert restored.history("subscriptions", str(gone))["action"].tolist() == [
            "insert",
            "remove",
        ]
        # New ids follow the restored ones (PostgreSQL's sequences were moved past them).
        assert restored.add_subscription(ADMIN, "new@most.gov.pk") > gone
    finally:
        restored.close()


def test_a_subscription_write_does_not_make_the_pages_read_everything_again(
    store: RecordsStore,
) -> None:
    before = store.read_tables()
    store.add_subscription(ADMIN, LEAD)
    meeting = store.meeting("2025-03-24-CHN")
    store.correct_meeting(ADMIN, meeting["meeting_id"], {"location": "Beijing"}, None, None)
    after = store.read_tables(before)
    assert after.changed <= {"meetings", "meeting_areas", "meeting_sources", "followups"}
    assert "sources" not in after.changed  # read in part, not in full


def _app(email: str, tmp_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", tmp_url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": secrets.token_urlsafe(48),
        "client_id": "dashboard",
        "client_secret": "test",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.secrets["access"] = {"editors": [EDITOR.email], "admins": [ADMIN.email]}
    at.user = {"is_logged_in": True, "email": email, "email_verified": True}
    at.run()
    at.switch_page(PAGE)
    return at.run()


def test_the_admin_page_refuses_editors_and_lets_an_admin_add_a_subscriber(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    editor = _app(EDITOR.email, url, monkeypatch)
    assert not editor.exception
    assert "recording here needs the admin role" in page_text(editor)
    assert not [b for b in editor.button if b.label == "Add subscriber"]

    at = _app(ADMIN.email, url, monkeypatch)
    assert not at.exception
    assert "Nobody is subscribed yet." in page_text(at)
    at.text_input(key="subscription_new_0_email").input("Minister.Office@most.gov.pk")
    at.multiselect(key="subscription_new_0_countries").select("ROU")
    at.button(key="subscription_new_0_save").click().run()
    assert not at.exception
    assert "minister.office@most.gov.pk now gets the weekly digest." in page_text(at)
    table = next(df.value for df in at.dataframe if "Email" in df.value.columns)
    row = table.iloc[0][["Email", "Countries"]].tolist()
    assert row == ["minister.office@most.gov.pk", "Romania"]
    store = RecordsStore(url, DATA_DIR)
    try:
        (added,) = store.subscriptions()
        assert store.history("subscriptions", str(added.id)).iloc[0]["by"] == ADMIN.email
    finally:
        store.close()

    at.text_input(key="subscription_new_1_email").input("not an address")
    at.button(key="subscription_new_1_save").click().run()
    assert "Nothing was saved" in page_text(at) and "Email: not an email address" in page_text(at)
