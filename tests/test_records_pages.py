"""Pages read records from the database: a change saved through the store shows at the next
rerun, a withdrawn meeting is gone from the pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dashboard.records import RecordsStore
from dashboard.ui.state import RUN_PACKAGE_STATE
from tests.conftest import DATA_DIR
from tests.helpers import ADMIN, EDITOR, page_text, run_app

ACTION = "2025-08-09-rou-mou"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", url)
    records = RecordsStore(url, DATA_DIR)
    records.upgrade()
    yield records
    records.close()


def followups_table(at):
    return next(df.value for df in at.dataframe if "Flag" in df.value.columns)


def test_saved_followup_status_shows_at_the_next_rerun(store: RecordsStore) -> None:
    at = run_app("views/followups.py")
    table = followups_table(at)
    mou = table[table["Action"].str.startswith("Memorandum of Understanding between the Ministry")]
    assert mou["Status"].tolist() == ["Proposed"]

    version = store.followup(ACTION)["version"]
    store.update_followup(
        EDITOR, ACTION, "agreed", date(2026, 11, 2), "pid-2025-08-09-romania", None, version
    )
    at.run()
    table = followups_table(at)
    mou = table[table["Action"].str.startswith("Memorandum of Understanding between the Ministry")]
    assert mou["Status"].tolist() == ["Agreed"]
    # Between runs the session holds no package: an idle session keeps no old one in memory.
    assert RUN_PACKAGE_STATE not in at.session_state


def test_withdrawn_meeting_and_its_followups_leave_the_pages(store: RecordsStore) -> None:
    at = run_app("views/followups.py")
    before = len(followups_table(at))
    followups = store.tables()["followups"]
    romania = (followups["meeting_id"] == "2025-08-09-ROU").sum()
    assert romania == 3  # the MoU, the forum and the visit proposed on 2025-08-09
    meeting = store.meeting("2025-08-09-ROU")
    store.withdraw_meeting(ADMIN, "2025-08-09-ROU", "recorded twice", meeting["version"])
    at.run()
    table = followups_table(at)
    assert len(table) == before - romania
    assert not table["Action"].str.startswith("Memorandum of Understanding between").any()


def test_unreachable_database_shows_the_csv_records_with_a_notice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing listens on port 9 of the loopback interface.
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    at = run_app("views/followups.py")
    assert not at.exception
    assert len(followups_table(at)) == 28  # the follow-ups in data/
    assert "The data has 1 problem(s)" in page_text(at)
    at = run_app("views/sources.py")
    problems = next(df.value for df in at.dataframe if "What is wrong" in df.value.columns)
    assert problems["What is wrong"].str.contains("records database cannot be reached").any()
