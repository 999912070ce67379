"""Secrets that cannot protect sign-in: a cookie_secret anyone could know (the example file's
placeholder, a short one) switches sign-in off whatever cookie the browser brings, and a
secrets file other users of the server can read is reported (AppTest on the real app)."""

from __future__ import annotations

import logging
import secrets
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit import config
from streamlit.testing.v1 import AppTest

from dashboard.ui.account import NEW_SECRET_COMMAND, cookie_secret_problem, exposed_secrets_files
from tests.conftest import APP
from tests.helpers import page_text

EXAMPLE = APP.parents[1] / ".streamlit" / "secrets.toml.example"
SWITCHED_OFF = "Sign-in is switched off"
CORRECT_PAGE = "views/correct_meeting.py"
CHANGES_PAGE = "views/changes.py"


def example_secrets() -> dict[str, Any]:
    """`.streamlit/secrets.toml.example` as it is, parsed."""
    with EXAMPLE.open("rb") as f:
        return tomllib.load(f)


def signed_in_admin(secret: str, public_read: bool = True) -> AppTest:
    """The app with the example's settings but `secret` as cookie_secret, and Streamlit saying
    the example's admin is logged in (what a cookie signed with `secret` makes it say)."""
    example = example_secrets()
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {**example["auth"], "cookie_secret": secret}
    at.secrets["access"] = {**example["access"], "public_read": public_read}
    admin = example["access"]["admins"][0]
    at.user = {"is_logged_in": True, "email": admin, "email_verified": True}
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(page)
    return at.run()


def sidebar_text(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.sidebar.markdown)


def buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(example_secrets()["auth"]["cookie_secret"], id="the example's placeholder"),
        pytest.param("Replace-With-" + secrets.token_urlsafe(48), id="a placeholder, padded"),
        pytest.param("a long random string", id="the README's sample"),
        pytest.param(secrets.token_urlsafe(48)[:31], id="31 random characters"),
        pytest.param(" " * 40 + "short", id="padded with spaces"),
    ],
)
def test_a_secret_anyone_could_know_is_refused(secret: str) -> None:
    assert cookie_secret_problem(secret) is not None


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(secrets.token_urlsafe(48), id="token_urlsafe(48)"),
        pytest.param(secrets.token_hex(16), id="32 random hex characters"),
    ],
)
def test_a_long_random_secret_is_accepted(secret: str) -> None:
    assert cookie_secret_problem(secret) is None


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(example_secrets()["auth"]["cookie_secret"], id="placeholder"),
        pytest.param(secrets.token_urlsafe(16), id="short"),
    ],
)
def test_a_refused_secret_signs_nobody_in_and_the_record_pages_say_why(secret: str) -> None:
    at = open_page(signed_in_admin(secret), CORRECT_PAGE)
    assert not at.exception
    refusals = [str(e.value) for e in at.error if SWITCHED_OFF in str(e.value)]
    assert len(refusals) == 1 and NEW_SECRET_COMMAND in refusals[0], refusals
    # Streamlit says the admin is logged in; the app signs nobody in and offers no sign-in.
    assert "Signed in as" not in sidebar_text(at)
    assert not at.get("form"), "a form to correct or withdraw a meeting is shown"
    assert not {"Sign in", "Sign out", "Withdraw", "Save"} & set(buttons(at)), buttons(at)
    assert secret not in page_text(at)


def test_with_private_reading_a_refused_secret_keeps_the_dashboard_closed() -> None:
    at = signed_in_admin(example_secrets()["auth"]["cookie_secret"], public_read=False)
    at.run()
    assert not at.exception
    text = page_text(at)
    assert SWITCHED_OFF in text and NEW_SECRET_COMMAND in text
    assert "Romania" not in text and not at.dataframe and not at.multiselect
    assert buttons(at) == []


def test_with_a_long_random_secret_the_admin_is_signed_in() -> None:
    """The control: the same signed-in admin, the same pages, a proper secret."""
    at = open_page(signed_in_admin(secrets.token_urlsafe(48)), CHANGES_PAGE)
    assert not at.exception
    assert "Signed in as" in sidebar_text(at) and "admin" in sidebar_text(at)
    assert "Sign out" in buttons(at)
    assert SWITCHED_OFF not in page_text(at)


def secrets_file(folder: Path, mode: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secrets.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.fixture
def secrets_files_option() -> Iterator[Callable[[Path], None]]:
    """Sets Streamlit's `secrets.files` option to one file for this test; restored after,
    with the secrets Streamlit parsed from it forgotten (later tests in this process would
    otherwise still see its [auth] section)."""
    before = config.get_option("secrets.files")
    try:
        yield lambda path: config.set_option("secrets.files", [str(path)])
    finally:
        config.set_option("secrets.files", before)
        st.secrets._reset()


def test_only_a_secrets_file_others_can_read_or_change_is_reported(tmp_path: Path) -> None:
    shared = secrets_file(tmp_path / "shared", 0o644)  # as `cp` leaves it under umask 022
    writable = secrets_file(tmp_path / "writable", 0o620)
    private = secrets_file(tmp_path / "private", 0o600)
    warnings = exposed_secrets_files([shared, writable, private, tmp_path / "missing.toml"])
    assert len(warnings) == 2
    assert f"chmod 600 {shared}" in warnings[0] and "(mode 644)" in warnings[0]
    assert f"chmod 600 {writable}" in warnings[1]


@pytest.mark.parametrize(("mode", "reported"), [(0o644, True), (0o600, False)])
def test_admins_and_the_server_log_are_told_of_a_readable_secrets_file(
    tmp_path: Path,
    secrets_files_option: Callable[[Path], None],
    caplog: pytest.LogCaptureFixture,
    mode: int,
    reported: bool,
) -> None:
    path = secrets_file(tmp_path, mode)
    secrets_files_option(path)
    secret = secrets.token_urlsafe(48)
    at = signed_in_admin(secret)
    with caplog.at_level(logging.WARNING, logger="dashboard.ui.account"):
        open_page(at, CHANGES_PAGE)
        at.run()  # one more rerun: still one line in the log
    assert not at.exception
    notices = [str(w.value) for w in at.warning if "chmod 600" in str(w.value)]
    logged = [r.getMessage() for r in caplog.records if "chmod 600" in r.getMessage()]
    if reported:
        assert len(notices) == 1 and f"chmod 600 {path}" in notices[0]
        assert len(logged) == 1 and str(path) in logged[0]
    else:
        assert notices == [] and logged == []
    assert secret not in caplog.text and "replace-with" not in caplog.text


def test_a_viewer_is_not_told_about_the_secrets_file(
    tmp_path: Path, secrets_files_option: Callable[[Path], None]
) -> None:
    secrets_files_option(secrets_file(tmp_path, 0o644))
    at = signed_in_admin(secrets.token_urlsafe(48))
    at.user = {"is_logged_in": True, "email": "reader@example.org", "email_verified": True}
    at = open_page(at, CHANGES_PAGE)
    assert "Signed in as" in sidebar_text(at)
    assert "chmod" not in page_text(at)
