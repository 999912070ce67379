"""`python -m dashboard.records`: import all or nothing, export a valid package, round trip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dashboard.records import Identity, RecordsStore, Role
from dashboard.records.__main__ import export_package
from dashboard.records.models import RECORD_TABLES
from tests.conftest import DATA_DIR, ROOT


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DASHBOARD_DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "dashboard.records", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_reports_every_bad_row_and_writes_nothing(records_url: str, tmp_path: Path) -> None:
    assert cli(records_url, "upgrade").returncode == 0
    header = (DATA_DIR / "followups.csv").read_text(encoding="utf-8").splitlines()[0]
    rows = [
        # good
        "2025-08-09-rou-new,2025-08-09-ROU,ROU,,Exchange visit of researchers,exchange,proposed,"
        ",2025-08-09,,,2025-08-09,,reported,,pid-2025-08-09-romania,",
        # bad status (enum) and a country that does not exist
        "2025-08-09-rou-bad1,2025-08-09-ROU,XYZ,,Bad,exchange,maybe,,2025-08-09,,,2025-08-09,,"
        "reported,,pid-2025-08-09-romania,",
        # raised before its meeting
        "2025-08-09-rou-bad2,2025-08-09-ROU,ROU,,Early,other,proposed,,2025-08-01,,,2025-08-01,,"
        "reported,,pid-2025-08-09-romania,",
        # an id already in the database, and a meeting that is not
        "2025-08-09-rou-mou,no-such-meeting,ROU,,Again,mou,proposed,,2025-08-09,,,2025-08-09,,"
        "reported,,pid-2025-08-09-romania,",
    ]
    path = tmp_path / "followups.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    before = RecordsStore(records_url, DATA_DIR)
    revision = before.revision()

    result = cli(records_url, "import", str(path), "--table", "followups", "--by", "a@most.gov.pk")
    assert result.returncode == 1
    report = result.stderr
    assert "line 3, column 'status', value 'maybe'" in report and "[rule: enum]" in report
    assert "line 3, column 'iso3', value 'XYZ'" in report
    assert "line 4, column 'raised'" in report and "[rule: followup-before-meeting]" in report
    assert "line 5, column 'action_id', value '2025-08-09-rou-mou'" in report
    assert "line 5, column 'meeting_id', value 'no-such-meeting'" in report
    assert "line 2" not in report
    assert "nothing was imported" in report
    assert before.revision() == revision
    assert "2025-08-09-rou-new" not in set(before.tables()["followups"]["action_id"])

    path.write_text("\n".join([header, rows[0]]) + "\n", encoding="utf-8")
    result = cli(records_url, "import", str(path), "--table", "followups", "--by", "a@most.gov.pk")
    assert result.returncode == 0, result.stderr
    assert "2025-08-09-rou-new" in set(before.tables()["followups"]["action_id"])
    history = cli(records_url, "history", "--since", "2000-01-01")
    assert history.returncode == 0
    first = history.stdout.splitlines()[1]
    assert "a@most.gov.pk,followups,2025-08-09-rou-new,import" in first
    before.close()


def record_one_meeting(store: RecordsStore) -> None:
    store.record_meeting(
        Identity("editor@most.gov.pk", Role.EDITOR),
        {
            "date": "2026-11-20",
            "partner_iso3": "ROU",
            "event_type": "meeting",
            "title": 'Text with "quotes", commas,\nnew lines, ș and اردو',
        },
        area_ids=["ai"],
        source_ids=["pid-2025-08-09-romania"],
        # Published after every table's x-as-of: the export's "as of" must follow it.
        new_sources=[
            {
                "publisher": "Ministry of Science and Technology",
                "title": "Minutes of the Romania meeting",
                "url": "https://most.gov.pk/minutes/2026-11-20",
                "published": "2026-11-21",
            }
        ],
        followups=[{"description": "Draft the MoU", "action_type": "mou"}],
    )


def test_export_is_a_package_the_checker_and_frictionless_accept(tmp_path: Path) -> None:
    from frictionless import validate

    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    store = RecordsStore(url, DATA_DIR)
    store.upgrade()
    record_one_meeting(store)
    target = tmp_path / "export"
    result = cli(url, "export", str(target))
    assert result.returncode == 0, result.stderr
    check = subprocess.run(
        [sys.executable, "-m", "dashboard.datasets", "check", str(target), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout
    assert "0 error(s), 0 warning(s)" in check.stdout
    seeded = len(pd.read_csv(DATA_DIR / "meetings.csv"))
    assert f"{'meetings.csv':<28} {seeded + 1:>8} rows  ok" in check.stdout
    report = validate(str(target / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:20]
    as_of = {
        r["name"]: r.get("x-as-of")  # labels.csv cites no source: it has no date
        for r in json.loads((target / "datapackage.json").read_text())["resources"]
    }
    assert as_of["meeting_sources"] == as_of["sources"] == "2026-11-21"
    store.close()


def test_export_import_export_gives_the_same_rows(records_url: str, tmp_path: Path) -> None:
    store = RecordsStore(records_url, DATA_DIR)
    store.upgrade()
    record_one_meeting(store)
    first, second = tmp_path / "first", tmp_path / "second"
    export_package(store, first)

    empty = RecordsStore(another_database(records_url, tmp_path), DATA_DIR)
    empty.upgrade(seed=False)
    assert all(frame.empty for frame in empty.tables().values())
    operator = Identity("ops@most.gov.pk", Role.EDITOR)
    for table in RECORD_TABLES:
        empty.import_csv(operator, table, (first / f"{table}.csv").read_bytes())
    export_package(empty, second)
    for table in RECORD_TABLES:
        assert (second / f"{table}.csv").read_bytes() == (first / f"{table}.csv").read_bytes()
    store.close()
    empty.close()


def another_database(url: str, tmp_path: Path) -> str:
    """An empty database beside `url`: another SQLite file, or another PostgreSQL database."""
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'empty.sqlite'}"
    from sqlalchemy import create_engine, text

    server, name = url.rsplit("/", 1)
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}_copy"'))
    engine.dispose()
    return f"{server}/{name}_copy"


@pytest.mark.parametrize("by", ["not-an-email", "@", "someone@", "a b@most.gov.pk"])
def test_import_needs_an_email_for_the_change_log(tmp_path: Path, by: str) -> None:
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    source = str(DATA_DIR / "sources.csv")
    result = cli(url, "import", source, "--table", "sources", "--by", by)
    assert result.returncode == 2
    assert "email" in result.stderr
