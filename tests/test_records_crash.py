"""Kill -9 in the middle of a stream of writes (SQLite): nothing acknowledged is lost, the file
is intact and the app's store opens and upgrades it again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from dashboard.records import Identity, RecordsStore, Role
from tests.conftest import DATA_DIR, ROOT

# Writes sources crash-0, crash-1, ... and a status change for each, printing every id only
# after its transaction committed.
WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date
    from dashboard.records import Identity, RecordsStore, Role

    store = RecordsStore(sys.argv[1], sys.argv[2])
    editor = Identity("writer@most.gov.pk", Role.EDITOR)
    action = "2025-08-09-rou-mou"
    number = 0
    while True:
        source_id = store.add_source(editor, {
            "source_id": f"crash-{number}", "publisher": "Test publisher", "title": "x" * 500,
            "url": f"https://example.org/{number}", "published": "2026-01-01",
        })
        version = store.followup(action)["version"]
        store.update_followup(editor, action, "agreed", date(2026, 1, 1), source_id,
                              f"write {number}", version)
        print(number, flush=True)
        number += 1
    """
)
ACKNOWLEDGED_BEFORE_KILL = 25


def test_kill_9_during_writes_loses_nothing_acknowledged(tmp_path: Path) -> None:
    database = tmp_path / "records.sqlite"
    url = f"sqlite:///{database}"
    RecordsStore(url, DATA_DIR).upgrade()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(DATA_DIR)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[int] = []
    try:
        assert writer.stdout is not None
        for line in writer.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                break
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert len(acknowledged) == ACKNOWLEDGED_BEFORE_KILL, writer.stderr.read()

    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sources = {row[0] for row in conn.execute("SELECT source_id FROM sources")}
        notes = {
            row[0]
            for row in conn.execute(
                "SELECT note FROM followup_status_history WHERE recorded_by = 'writer@most.gov.pk'"
            )
        }
    conn.close()
    for number in acknowledged:
        assert f"crash-{number}" in sources
        assert f"write {number}" in notes

    store = RecordsStore(url, DATA_DIR)
    store.upgrade()
    assert store.revision() >= 1 + 2 * len(acknowledged)
    version = store.followup("2025-08-09-rou-mou")["version"]
    store.update_followup(
        Identity("after@most.gov.pk", Role.EDITOR),
        "2025-08-09-rou-mou",
        "done",
        store.followup("2025-08-09-rou-mou")["status_as_of"],
        "crash-0",
        None,
        version,
    )
    assert store.followup("2025-08-09-rou-mou")["status"] == "done"
    store.close()
