"""What deploy/ installs, checked by the real tools: the nginx site by `nginx -t` (on its own and
inside Debian's nginx.conf), the systemd units by `systemd-analyze verify`, and the backup and
WDI scripts the timers run, run for real."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.bench.nginx import NginxProxy, brotli_available
from dashboard.bench.server import ROOT
from dashboard.records import RecordsStore
from tests.conftest import IN_CI
from tests.deploy import require_nginx
from tests.test_update_wdi import INTERNET, INTERNET_NAME, revised_internet, series_values, wdi_csv

DEPLOY = ROOT / "deploy"
INSTALLED_AT = "/opt/st-partnerships-dashboard"
DEBIAN_NGINX_CONF = Path("/etc/nginx/nginx.conf")


@pytest.fixture
def proxy() -> Iterator[NginxProxy]:
    require_nginx()
    proxy = NginxProxy([8501, 8502], brotli=False)
    try:
        yield proxy
    finally:
        proxy.stop()


def _nginx_t(proxy: NginxProxy) -> None:
    result = proxy.check()
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr and "[emerg]" not in result.stderr, result.stderr


def test_the_site_passes_nginx_t(proxy: NginxProxy) -> None:
    _nginx_t(proxy)


def test_the_site_passes_nginx_t_with_brotli_where_the_module_is_installed() -> None:
    require_nginx()
    if not brotli_available():
        pytest.skip("nginx's brotli module is not installed (libnginx-mod-http-brotli-filter)")
    proxy = NginxProxy([8501, 8502], brotli=True)
    try:
        _nginx_t(proxy)
    finally:
        proxy.stop()


def test_the_site_passes_nginx_t_inside_debian_s_nginx_conf(proxy: NginxProxy) -> None:
    """As installed: linked into sites-enabled and included by the stock nginx.conf, beside its
    own settings (gzip, ssl_protocols, logs at the http level)."""
    if not DEBIAN_NGINX_CONF.exists():
        pytest.skip(f"{DEBIAN_NGINX_CONF} not found (not Debian's nginx)")
    site = proxy.folder / "site.conf"
    conf = DEBIAN_NGINX_CONF.read_text()
    for old, new in {
        "include /etc/nginx/sites-enabled/*;": f"include {site};",
        "include /etc/nginx/conf.d/*.conf;": "",
        "/run/nginx.pid": str(proxy.folder / "debian.pid"),
        "/var/log/nginx/": f"{proxy.folder}/",
    }.items():
        assert old in conf, old
        conf = conf.replace(old, new)
    proxy.conf.write_text(conf)
    result = proxy.check()
    assert result.returncode == 0, result.stderr
    assert "[emerg]" not in result.stderr, result.stderr


def _installed_units(folder: Path) -> Path:
    """The units as systemd would read them on a server where the project is installed here:
    only the install folder and its Python replaced."""
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text()
        assert unit.suffix != ".service" or INSTALLED_AT in text, unit.name
        text = text.replace(f"{INSTALLED_AT}/.venv/bin/python", sys.executable)
        (folder / unit.name).write_text(text.replace(INSTALLED_AT, str(ROOT)))
    return folder


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        reason = "systemd-analyze not found; install Debian's systemd to check the units"
        if IN_CI:
            pytest.fail(f"systemd-analyze is required in CI: {reason}")
        pytest.skip(reason)
    folder = _installed_units(tmp_path)
    units = sorted(p.name for p in folder.iterdir() if "@." not in p.name)
    units += ["st-partnerships-dashboard@8501.service"]  # an instance of the template
    result = subprocess.run(
        [analyze, "verify", "--man=no", *units],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # A directive systemd does not understand is only a warning (exit code 0): none allowed.
    assert result.returncode == 0 and not result.stdout + result.stderr, result.stderr


def _run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DEPLOY / "bin" / script)],
        env={**env, "DASHBOARD_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_nightly_backup_keeps_the_30_newest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    store = RecordsStore(url)
    store.upgrade()
    store.close()
    folder = tmp_path / "backups"
    folder.mkdir()
    older = [folder / f"records-2026-01-{day:02d}T021500Z.zip" for day in range(1, 31)]
    for path in older:
        path.write_bytes(b"an older backup")
    (folder / "notes.txt").write_text("not a backup")
    env = {"PATH": "/usr/bin:/bin", "DASHBOARD_DATABASE_URL": url, "BACKUP_DIR": str(folder)}

    result = _run("records-backup", env)
    assert result.returncode == 0, result.stderr
    kept = sorted(folder.glob("records-*.zip"))
    assert len(kept) == 30 and older[0] not in kept and older[1] in kept
    with zipfile.ZipFile(kept[-1]) as backup:  # tonight's, a real backup
        assert "manifest.json" in backup.namelist()
    assert (folder / "notes.txt").exists()

    # A backup that fails deletes nothing.
    failed = _run("records-backup", {**env, "DASHBOARD_DATABASE_URL": "sqlite:////nonexistent/r"})
    assert failed.returncode != 0
    assert sorted(folder.glob("records-*.zip")) == kept


def test_wdi_downloads_in_the_drop_folder_are_applied_and_moved(
    tmp_path: Path, data_copy: Path
) -> None:
    drop, applied = tmp_path / "drop", tmp_path / "applied"
    drop.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "DASHBOARD_DATA_DIR": str(data_copy),
        "DASHBOARD_CACHE_DIR": str(tmp_path / "cache"),
        "WDI_DROP": str(drop),
        "WDI_APPLIED": str(applied),
    }
    assert _run("wdi-update", env).returncode == 0  # nothing dropped: nothing done
    assert not applied.exists()

    # A file that is not a WDI download: refused, left in place, the data untouched.
    bad = drop / "API_IT.NET.USER.ZS_DS2_en_csv_v2_1.csv"
    bad.write_text("not a World Bank file\n")
    before = (data_copy / "indicators.csv").read_bytes()
    refused = _run("wdi-update", env)
    assert refused.returncode == 1 and bad.name in refused.stdout + refused.stderr
    assert bad.exists() and (data_copy / "indicators.csv").read_bytes() == before

    values, _ = revised_internet(data_copy)
    bad.write_bytes(wdi_csv(INTERNET, INTERNET_NAME, values))
    result = _run("wdi-update", env)
    assert result.returncode == 0, result.stderr
    assert series_values(data_copy, INTERNET)["ROU"]["2022"] == "86.0"
    assert not any(drop.iterdir())
    assert [p.name for p in applied.glob("*/*")] == [bad.name]
