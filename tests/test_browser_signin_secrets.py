"""A sign-in cookie forged without the provider, in Chromium against a real `streamlit run`.

With `.streamlit/secrets.toml.example` copied as is, its placeholder cookie_secret is public:
anyone can sign Streamlit's `_streamlit_user` cookie for an admin's address. The app must sign
nobody in, say why on the Record pages and in the server log, and never log the secret. On a
server with a proper secret the same forged cookie works only when signed with that secret
(the control that shows the forgery is exactly Streamlit's cookie).
"""

from __future__ import annotations

import csv
import json
import secrets
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect
from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

from dashboard.bench.server import ROOT, StreamlitServer
from tests.conftest import DATA_DIR, FIXED_TODAY, WatchedPage, app_server_for
from tests.signin import (
    ADMIN,
    COOKIE_SECRET,
    oidc_provider,  # noqa: F401 (fixture)
    shown,
    signin_server,
)

pytestmark = pytest.mark.browser
EXAMPLE = ROOT / ".streamlit" / "secrets.toml.example"
USER_COOKIE = "_streamlit_user"  # Streamlit's USER_COOKIE_NAME
REFUSED = "Sign-in is switched off"


def _example() -> dict:
    with EXAMPLE.open("rb") as f:
        return tomllib.load(f)


PLACEHOLDER = _example()["auth"]["cookie_secret"]
EXAMPLE_ADMIN = _example()["access"]["admins"][0]


def forged_cookie(secret: str, server: StreamlitServer, email: str) -> dict[str, str]:
    """The cookie Streamlit sets once a provider vouched for `email`, signed with `secret` by
    Streamlit's own signing function; no provider is asked."""
    payload = {
        "sub": email,
        "email": email,
        "email_verified": True,
        "origin": server.url,
        "is_logged_in": True,
        "provider": "default",
    }
    value = create_signed_value(secret, USER_COOKIE, json.dumps(payload)).decode()
    return {"name": USER_COOKIE, "value": value, "url": server.url}


def _a_meeting_id() -> str:
    with (DATA_DIR / "meetings.csv").open(encoding="utf-8", newline="") as f:
        return next(csv.DictReader(f))["meeting_id"]


def _server(folder: Path, secrets_file: Path) -> StreamlitServer:
    return app_server_for(
        {
            "DASHBOARD_TODAY": FIXED_TODAY,
            "DASHBOARD_CACHE_DIR": str(folder / "cache"),
            "XDG_STATE_HOME": str(folder / "state"),
            "DASHBOARD_DATABASE_URL": f"sqlite:///{folder / 'records.sqlite'}",
            "STREAMLIT_SECRETS_FILES": str(secrets_file),
        }
    )


@pytest.fixture(scope="module")
def example_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """The app with the example secrets copied as is, readable by all (as `cp` leaves it
    under umask 022)."""
    folder = tmp_path_factory.mktemp("example-secrets")
    secrets_file = folder / "secrets.toml"
    shutil.copyfile(EXAMPLE, secrets_file)
    secrets_file.chmod(0o644)
    server = _server(folder, secrets_file)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def proper_server(
    tmp_path_factory: pytest.TempPathFactory,
    oidc_provider,  # noqa: ANN001, F811
) -> Iterator[StreamlitServer]:
    """The app with a proper 56-character cookie_secret, its secrets file mode 600."""
    folder = tmp_path_factory.mktemp("proper-secrets")
    server = signin_server(
        folder, oidc_provider, public_read=True, database_url=f"sqlite:///{folder / 'r.sqlite'}"
    )
    Path(server.env["STREAMLIT_SECRETS_FILES"]).chmod(0o600)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def context(browser):  # noqa: ANN001, ANN201
    """A fresh browser context (no cookies)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        yield context
    finally:
        context.close()


def visit(context, server: StreamlitServer, path: str, cookie: dict | None = None) -> WatchedPage:  # noqa: ANN001
    """Open `path` in a new tab of `context`, with `cookie` added first."""
    if cookie:
        context.add_cookies([cookie])
    page = context.new_page()
    page.set_default_timeout(60_000)
    app = WatchedPage(page, server.url)
    app.open(path)
    return app


def assert_not_signed_in(app: WatchedPage) -> None:
    page = app.page
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_text("Withdraw this meeting")).to_have_count(0)
    assert page.locator("[data-testid=stForm]").count() == 0


def test_a_cookie_forged_with_the_example_placeholder_signs_nobody_in(
    context,  # noqa: ANN001
    example_server: StreamlitServer,
) -> None:
    cookie = forged_cookie(PLACEHOLDER, example_server, EXAMPLE_ADMIN)
    app = visit(context, example_server, f"/correct_meeting?meeting={_a_meeting_id()}", cookie)
    refusal = app.page.get_by_text(REFUSED)
    expect(refusal).to_have_count(1)
    expect(refusal).to_contain_text("secrets.token_urlsafe(48)")
    assert_not_signed_in(app)
    # Nor is sign-in offered while the secret is refused.
    expect(app.page.get_by_role("button", name="Sign in")).to_have_count(0)
    app.open("/changes")
    expect(app.page.get_by_text(REFUSED)).to_have_count(1)
    assert_not_signed_in(app)
    app.assert_clean()


def test_the_server_log_says_once_why_sign_in_is_off_and_never_the_secrets(
    context,  # noqa: ANN001
    example_server: StreamlitServer,
) -> None:
    app = visit(context, example_server, "/record_meeting")
    expect(app.page.get_by_text(REFUSED)).to_have_count(1)
    visit(context, example_server, "/update_followup")  # a second session
    log = example_server.log.read_text(encoding="utf-8")
    assert log.count(REFUSED) == 1, log
    secrets_file = example_server.env["STREAMLIT_SECRETS_FILES"]
    exposed = [line for line in log.splitlines() if "chmod 600" in line]
    assert len(exposed) == 1 and secrets_file in exposed[0] and "mode 644" in exposed[0], log
    # No value of the file is logged (all its secrets are "replace-with-…" placeholders).
    assert "replace-with" not in log


@pytest.mark.parametrize("signed_with", ["the server's secret", "another secret"])
def test_with_a_proper_secret_only_a_cookie_signed_with_it_signs_in(
    context,  # noqa: ANN001
    proper_server: StreamlitServer,
    signed_with: str,
) -> None:
    secret = COOKIE_SECRET if signed_with == "the server's secret" else secrets.token_urlsafe(48)
    cookie = forged_cookie(secret, proper_server, ADMIN)
    app = visit(context, proper_server, f"/correct_meeting?meeting={_a_meeting_id()}", cookie)
    page = app.page
    if signed_with == "the server's secret":
        expect(page.get_by_text(f"Signed in as {shown(ADMIN)} · admin")).to_be_visible()
        expect(page.get_by_text("Withdraw this meeting")).to_be_visible()
    else:
        assert_not_signed_in(app)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        expect(page.get_by_text("Sign in (in the sidebar) to record changes.")).to_be_visible()
    expect(page.get_by_text(REFUSED)).to_have_count(0)
    app.assert_clean()
    # The secrets file is mode 600: nothing to warn about.
    assert "chmod" not in proper_server.log.read_text(encoding="utf-8")
