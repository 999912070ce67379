"""The Record pages without a browser: read-only without sign-in, the sign-in gate."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dashboard.ui.account import ENABLE_EDITING
from tests.conftest import APP
from tests.helpers import page_text

RECORD_PAGES = [
    "views/record_meeting.py",
    "views/update_followup.py",
    "views/correct_meeting.py",
    "views/changes.py",
]


def test_without_sign_in_the_record_pages_say_how_to_enable_editing_and_show_no_form() -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    for page in RECORD_PAGES:
        at.switch_page(page)
        at.run()
        assert not at.exception, page
        assert ENABLE_EDITING in [info.value for info in at.info], page
        assert not at.get("form"), f"{page} shows a form to an anonymous visitor"
        assert not [b for b in at.button if b.label in {"Save", "Sign in", "Sign out"}], page


def test_private_reading_shows_only_the_sign_in_page() -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-only-secret-for-the-gate-0123456789abcdef",
        "client_id": "dashboard",
        "client_secret": "test",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.secrets["access"] = {"public_read": False}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    text = page_text(at)
    assert "Please sign in" in text
    assert "Romania" not in text and not at.dataframe and not at.multiselect
