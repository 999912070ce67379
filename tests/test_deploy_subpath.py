"""The app under a sub-path (https://<host>/partnerships/, server.baseUrlPath) behind the same
nginx site file, unchanged but for addresses, ports and paths: pages, sign-in and downloads
work there."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.deploy import Deployment, deployment, replica_of, tab
from tests.postgres import postgres_server  # noqa: F401 (fixture)
from tests.signin import EDITOR, oidc_provider, shown, sign_in  # noqa: F401 (fixture)
from tests.test_browser_signin import assert_clean_but_provider

pytestmark = pytest.mark.browser
BASE_PATH = "/partnerships"


@pytest.fixture(scope="module")
def deployed(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server,  # noqa: ANN001, F811
    oidc_provider,  # noqa: ANN001, F811
) -> Iterator[Deployment]:
    yield from deployment(
        tmp_path_factory.mktemp("deploy-subpath"),
        postgres_server.new_database(),
        oidc_provider,
        base_path=BASE_PATH,
    )


def test_sign_in_pages_and_downloads_under_a_sub_path(
    browser,  # noqa: ANN001
    deployed: Deployment,
    oidc_provider,  # noqa: ANN001, F811
) -> None:
    editor = tab(browser, deployed, "subpath")
    page = editor.page
    try:
        editor.open("/")
        assert page.url.startswith(f"{deployed.proxy.url}{BASE_PATH}/")
        sign_in(editor, EDITOR)
        expect(page.get_by_text(f"Signed in as {shown(EDITOR)} · editor")).to_be_visible()
        sign_in_cookies = [c for c in page.context.cookies() if c["name"] == "_streamlit_user"]
        assert [c["path"] for c in sign_in_cookies] == [BASE_PATH]

        page.locator("[data-testid=stSidebar]").get_by_role("link", name="Follow-ups").click()
        editor.wait_idle()
        assert page.url.startswith(f"{deployed.proxy.url}{BASE_PATH}/followups")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").first.click()
        with Path(download.value.path()).open(encoding="utf-8-sig") as f:
            assert next(csv.DictReader(f)).get("Action")
        expect(page.get_by_text(f"Signed in as {shown(EDITOR)} · editor")).to_be_visible()
        assert_clean_but_provider(editor, oidc_provider.url)
        home = replica_of(editor)
    finally:
        page.context.close()
    served = {
        line.replica
        for line in deployed.proxy.log_lines()
        if line.agent.endswith("deployment-test/subpath")
    }
    assert served == {home}
