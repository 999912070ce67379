"""A real PostgreSQL server for the tests (dashboard/bench/postgres.py): Debian's postgresql
binaries, `initdb` and `pg_ctl` in a temporary folder, listening on a free loopback port,
stopped and removed at the end.

PostgreSQL refuses to run as root, and CI runs the tests as root: then the server runs as the
`postgres` system user (created by Debian's package) through `runuser`. Without the binaries
the tests that need the server are skipped with the reason; under CI=true that is a failure.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.bench.postgres import PG_BIN, PostgresServer, postgres_available

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running PostgreSQL server; skipped locally when the binaries are missing."""
    if not postgres_available():
        reason = f"PostgreSQL not found in {PG_BIN}; install Debian's postgresql to run these"
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI: {reason}")
        pytest.skip(reason)
    server = PostgresServer()
    try:
        server.start()
    except subprocess.CalledProcessError as exc:
        server.stop()
        pytest.fail(f"PostgreSQL did not start: {exc.stderr or exc.stdout}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def records_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty records database: an SQLite file, then a database on the real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.sqlite'}"
    return request.getfixturevalue("postgres_server").new_database()
