"""Sign-in for browser tests: a real OpenID Connect provider (oidc-provider-mock) on a free
loopback port, a secrets.toml pointing the app at it, and the steps a person takes on the
provider's login form."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.bench.server import StreamlitServer, free_port
from dashboard.ui.text import WORD_JOINER
from tests.conftest import FIXED_TODAY, WatchedPage, app_server_for

COOKIE_SECRET = "test-only-cookie-secret-3f1d0c9e8b7a6f5e4d3c2b1a0f9e8d7c"
EDITOR = "editor@most.gov.pk"
ADMIN = "admin@most.gov.pk"
VIEWER = "reader@example.org"


class OidcProvider:
    """`python -m oidc_provider_mock` on 127.0.0.1; any client id and secret are accepted."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> OidcProvider:
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port",
                 str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"oidc-provider-mock exited early; see {self.log}")
            try:
                with urllib.request.urlopen(self.metadata_url, timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"oidc-provider-mock did not start in {timeout} s; see {self.log}")

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    provider = OidcProvider(tmp_path_factory.mktemp("oidc") / "provider.log")
    try:
        yield provider.start()
    finally:
        provider.stop()


def write_secrets(path: Path, server: StreamlitServer, provider: OidcProvider, public_read: bool):  # noqa: ANN201
    """The app's secrets.toml: [auth] at the provider, [access] with one editor and one admin."""
    path.write_text(
        f"""[auth]
redirect_uri = "{server.url}/oauth2callback"
cookie_secret = "{COOKIE_SECRET}"
client_id = "dashboard"
client_secret = "test-client-secret"
server_metadata_url = "{provider.metadata_url}"

[access]
editors = ["{EDITOR}"]
admins = ["{ADMIN}"]
public_read = {"true" if public_read else "false"}
""",
        encoding="utf-8",
    )


def signin_server(
    folder: Path, provider: OidcProvider, public_read: bool, database_url: str
) -> StreamlitServer:
    """The real app with sign-in configured (secrets file given through Streamlit's
    `secrets.files` option), on its own records database. Not started."""
    folder.mkdir(parents=True, exist_ok=True)
    secrets = folder / "secrets.toml"
    server = app_server_for(
        {
            "DASHBOARD_TODAY": FIXED_TODAY,
            "DASHBOARD_CACHE_DIR": str(folder / "cache"),
            "XDG_STATE_HOME": str(folder / "state"),
            "DASHBOARD_DATABASE_URL": database_url,
            "STREAMLIT_SECRETS_FILES": str(secrets),
        }
    )
    write_secrets(secrets, server, provider, public_read)
    return server


def shown(text: str) -> str:
    """Text as the page draws it: `plain()` puts an invisible word joiner before "@" so that
    an address never becomes a link (dashboard/ui/text.py)."""
    return text.replace("@", WORD_JOINER + "@")


def sign_in(app: WatchedPage, email: str) -> None:
    """Sign in as a person does: the app's Sign in button, the provider's form, back."""
    page = app.page
    page.get_by_role("button", name="Sign in").first.click()
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text(f"Signed in as {shown(email)}").wait_for()
    app.wait_idle()


def sign_out(app: WatchedPage) -> None:
    """Sign out, and end the provider's session as its page asks."""
    page = app.page
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{app.base_url}/**")
    app.wait_idle()
