"""The ministry's clock: its time zone decides "today"; a malformed setting says so and stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.datasets import clock, load_package
from dashboard.datasets.profile import build_country_profile
from dashboard.export.__main__ import main as export_main
from tests.helpers import page_text, run_app


def test_today_is_the_date_in_the_ministry_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASHBOARD_TODAY")
    monkeypatch.delenv("DASHBOARD_TIMEZONE", raising=False)
    assert clock.ministry_timezone().key == "Asia/Karachi"
    # UTC+14 and UTC-11 are 25 hours apart: their dates always differ, whatever the server's.
    monkeypatch.setenv("DASHBOARD_TIMEZONE", "Pacific/Kiritimati")
    ahead = clock.today()
    monkeypatch.setenv("DASHBOARD_TIMEZONE", "Pacific/Pago_Pago")
    behind = clock.today()
    assert 1 <= (ahead - behind).days <= 2


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DASHBOARD_TODAY", "28/11/2026"), ("DASHBOARD_TIMEZONE", "Mars/Olympus_Mons")],
)
def test_a_malformed_clock_setting_stops_the_app_with_a_message(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    at = run_app()
    assert not at.exception
    assert f"{variable}='{value}'" in page_text(at)
    assert [e.value for e in at.error] and not at.dataframe and not at.metric


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DASHBOARD_TODAY", "2026-02-30"), ("DASHBOARD_TIMEZONE", "Nowhere/Town")],
)
def test_a_malformed_clock_setting_stops_the_export_command(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    out = tmp_path / "brief.pdf"
    assert export_main(["brief", "--country", "ROU", "--out", str(out)]) == 2
    assert f"{variable}='{value}'" in capsys.readouterr().err
    assert not out.exists()


def test_the_profile_takes_today_and_never_reads_the_clock() -> None:
    with pytest.raises(ValueError, match="today"):
        build_country_profile(load_package(), "ROU")
