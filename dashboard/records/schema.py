"""Creating and migrating the schema, and seeding the records from data/."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    insert,
    select,
    update,
)

from dashboard.datasets.loader import load_package
from dashboard.datasets.package import DESCRIPTOR_NAME, read_package_spec
from dashboard.records.base import (
    CHANGE_LOG,
    CURATED_REFERENCES,
    LINKS,
    MEETINGS,
    REVISION,
    SEED_BY,
    STATUS_HISTORY,
    StoreBase,
    history_entry,
    now,
)
from dashboard.records.database import (
    begin_write,
    check_foreign_keys,
    foreign_keys_off_to_migrate,
    lock_writes,
    run_migrations,
)
from dashboard.records.models import METADATA, RECORD_TABLES
from dashboard.records.rules import (
    frame_records,
)


@dataclass(frozen=True)
class SeedReport:
    """Rows added from data/ by one seeding pass, per table."""

    added: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.added.values())


class Schema(StoreBase):
    """Schema upgrades and seeding."""

    # -- schema and seed ---------------------------------------------------------------------

    def upgrade(self, seed: bool = True) -> SeedReport:
        """Create or migrate the schema and (unless `seed` is False) add rows from data/ whose
        ids the database lacks, in one transaction. Safe to run by several processes at once.

        Raises UpgradeFailed, having changed nothing, when a migration fails (on SQLite also
        when a row would be left referring to a row that does not exist) or the database was
        made by a newer release."""
        with self.engine.connect() as conn, foreign_keys_off_to_migrate(conn):
            begin_write(conn)
            with conn.begin():
                lock_writes(conn)
                migration = run_migrations(conn)
                report = self._seed(conn) if seed else SeedReport({})
                if report.total:
                    conn.execute(update(REVISION).values(value=REVISION.c.value + 1))
                check_foreign_keys(conn, migration)
        return report

    def _seed(self, conn: Connection) -> SeedReport:
        """Insert-only: rows of data/ with new ids. A meeting changed in the app keeps its
        areas and sources as the app left them; a withdrawn meeting is not brought back."""
        fingerprint = self._data_fingerprint()
        seeded = conn.scalar(select(REVISION.c.seed_fingerprint).where(REVISION.c.id == 1))
        if fingerprint == seeded:
            return SeedReport({})  # data/ unchanged since it last seeded this database
        package = load_package(self.data_dir, resources=(*RECORD_TABLES, *CURATED_REFERENCES))
        conn.execute(update(REVISION).values(seed_fingerprint=fingerprint))
        added: dict[str, int] = {}
        edited_meetings = set(
            conn.scalars(
                select(CHANGE_LOG.c.record_key).where(
                    CHANGE_LOG.c.table_name == "meetings", CHANGE_LOG.c.action != "seed"
                )
            )
        )
        at = now()
        known_meetings = set(conn.scalars(select(MEETINGS.c.meeting_id)))
        for name in RECORD_TABLES:
            if not package.has(name):
                continue
            res = self._resource(name)
            table = METADATA.tables[name]
            rows = frame_records(package.tables[name], res)
            existing = {tuple(r) for r in conn.execute(select(*table.primary_key.columns))}
            new = [r for r in rows if tuple(r[k] for k in res.primary_key) not in existing]
            if name in (*LINKS, "followups"):
                meetings = set(conn.scalars(select(MEETINGS.c.meeting_id)))
                new = [r for r in new if r["meeting_id"] in meetings]
                if name != "followups":
                    new = [r for r in new if r["meeting_id"] not in edited_meetings]
            if not new:
                continue
            # Links added to a meeting seeded by an earlier pass raise its version.
            linked = {r["meeting_id"] for r in new} & known_meetings if name in LINKS else ()
            with self._adding_links(conn, SEED_BY, linked, "seed"):
                conn.execute(insert(table), new)
            conn.execute(
                insert(CHANGE_LOG),
                [self._log_row(at, SEED_BY, name, self._key(res, r), "seed", None, r) for r in new],
            )
            if name == "followups":
                conn.execute(insert(STATUS_HISTORY), [history_entry(r, at) for r in new])
            added[name] = len(new)
        return SeedReport(added)

    def _data_fingerprint(self) -> str:
        """A hash of the data/ files seeding reads (the descriptor, record and curated tables)."""
        digest = hashlib.sha256()
        paths = [self.data_dir / DESCRIPTOR_NAME]
        try:
            spec = read_package_spec(self.data_dir)
            paths += [
                self.data_dir / spec.resource(name).path
                for name in (*RECORD_TABLES, *CURATED_REFERENCES)
            ]
        except (OSError, ValueError, KeyError):
            pass  # the loader reports it; hash what there is
        for path in paths:
            digest.update(str(path.name).encode())
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"<missing>")
        return digest.hexdigest()
