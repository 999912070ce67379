"""A deployment as deploy/ describes it, for the tests: nginx from the project's site file
(TLS, sticky sessions, websockets) in front of two `streamlit run` replicas that share one
PostgreSQL database and one secrets file, with sign-in at oidc-provider-mock.

Without nginx the tests that need it are skipped locally with the reason, and fail under
CI=true (as Chromium and PostgreSQL do: tests/conftest.py, tests/postgres.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from dashboard.bench.nginx import NGINX, NginxProxy
from dashboard.bench.server import StreamlitServer
from dashboard.records import RecordsStore
from tests.conftest import FIXED_TODAY, IN_CI, WatchedPage, app_server_for
from tests.signin import ADMIN, COOKIE_SECRET, EDITOR, OidcProvider

ROUTE_COOKIE = "stpd_replica"


def require_nginx() -> None:
    if NGINX.exists():
        return
    reason = f"nginx not found at {NGINX}; install Debian's nginx to run the deployment tests"
    if IN_CI:
        pytest.fail(f"nginx is required in CI: {reason}")
    pytest.skip(reason)


@dataclass
class Deployment:
    proxy: NginxProxy
    replicas: dict[str, StreamlitServer]  # by address, "127.0.0.1:PORT", as nginx names them
    database_url: str
    base_path: str  # "" at the root, "/partnerships" under a sub-path

    @property
    def url(self) -> str:
        return self.proxy.url + self.base_path

    def other(self, address: str) -> str:
        return next(a for a in self.replicas if a != address)

    def ensure_running(self) -> None:
        """Start again any replica an earlier test stopped."""
        for server in self.replicas.values():
            if server.process is None or server.process.poll() is not None:
                server.start()

    def store(self) -> RecordsStore:
        return RecordsStore(self.database_url)


def deployment(
    folder: Path, database_url: str, provider: OidcProvider, base_path: str = ""
) -> Iterator[Deployment]:
    """Two replicas (started in parallel) and nginx, torn down in finally. The database is
    upgraded first, as the README's recipe does before starting the replicas."""
    require_nginx()
    secrets = folder / "secrets.toml"
    env = {"STREAMLIT_SECRETS_FILES": str(secrets), "DASHBOARD_DATABASE_URL": database_url}
    if base_path:
        env["STREAMLIT_SERVER_BASE_URL_PATH"] = base_path.strip("/")
    replicas = [
        app_server_for(
            {
                **env,
                "DASHBOARD_TODAY": FIXED_TODAY,
                "DASHBOARD_CACHE_DIR": str(folder / name / "cache"),
                "XDG_STATE_HOME": str(folder / name / "state"),
            }
        )
        for name in ("a", "b")
    ]
    for server in replicas:
        server.url += base_path  # the replica's pages, and its health check, are there
    proxy = NginxProxy([server.port for server in replicas])
    try:
        secrets.write_text(
            f"""[auth]
redirect_uri = "{proxy.url}{base_path}/oauth2callback"
cookie_secret = "{COOKIE_SECRET}"
client_id = "dashboard"
client_secret = "test-client-secret"
server_metadata_url = "{provider.metadata_url}"

[access]
editors = ["{EDITOR}"]
admins = ["{ADMIN}"]
public_read = true
""",
            encoding="utf-8",
        )
        secrets.chmod(0o600)
        store = RecordsStore(database_url)
        try:
            store.upgrade()
        finally:
            store.close()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(StreamlitServer.start, replicas))
        proxy.start()
        yield Deployment(
            proxy, {f"127.0.0.1:{s.port}": s for s in replicas}, database_url, base_path
        )
    finally:
        proxy.stop()
        for server in replicas:
            server.stop()


def tab(browser, deployed: Deployment, name: str, replica: str | None = None) -> WatchedPage:  # noqa: ANN001
    """A new browser (its own cookies) whose requests are marked `name` in nginx's access log
    (user agent). With `replica`, it carries the cookie nginx gives a browser that replica
    served; without, it is a new visitor."""
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000},
        ignore_https_errors=True,  # the throw-away certificate
        accept_downloads=True,
        user_agent=f"Mozilla/5.0 (X11; Linux x86_64) Chromium deployment-test/{name}",
    )
    if replica:
        context.add_cookies(
            [
                {
                    "name": ROUTE_COOKIE,
                    "value": replica,
                    "url": deployed.proxy.url,
                    "secure": True,
                    "httpOnly": True,
                }
            ]
        )
    page = context.new_page()
    page.set_default_timeout(60_000)
    return WatchedPage(page, deployed.url)


def replica_of(app: WatchedPage) -> str:
    """The replica nginx serves this browser from (its route cookie)."""
    return next(c["value"] for c in app.page.context.cookies() if c["name"] == ROUTE_COOKIE)
