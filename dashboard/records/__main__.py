"""Command line for operators: ``python -m dashboard.records``.

- ``upgrade [--no-seed]`` — create or migrate the schema and seed it from data/.
- ``import FILE.csv --table T --by EMAIL`` — add the rows of a CSV file with the same columns
  as ``data/T.csv``; checked as a whole, all or nothing; every bad row is reported with line,
  column, value and rule, and the command exits 1 having written nothing.
- ``export DIR`` — the current state as a complete data package (curated tables copied from the
  data folder, record tables from the database) that ``python -m dashboard.datasets check DIR``
  and ``frictionless validate DIR/datapackage.json`` accept.
- ``history [--since YYYY-MM-DD]`` — the change log as CSV, newest first: one row per changed
  field (at, by, table, record, action, field, before, after), times with their UTC offset.
- ``backup FILE`` — every table of the database as of one moment (withdrawn meetings, versions,
  status histories, the change log, the revision) in one zip file with checksums.
- ``restore FILE`` — load a backup into an empty database, SQLite or PostgreSQL, all or
  nothing; a damaged file, a non-empty database or a newer release's schema is refused in one
  line with exit code 1.

The command line is an operator's tool: whoever runs it can reach the database directly, so it
asks for no sign-in; ``--by`` names the person recorded in the change log for an import.
The database is DASHBOARD_DATABASE_URL's (default: the embedded SQLite file), the data folder
DASHBOARD_DATA_DIR's (default: the bundled data/).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard.datasets.audit import with_current_as_of
from dashboard.datasets.loader import load_package
from dashboard.datasets.package import DESCRIPTOR_NAME, read_package_spec
from dashboard.export.tables import to_csv_bytes
from dashboard.records.access import Identity, Role, is_email
from dashboard.records.backup import BackupRefused
from dashboard.records.changelog import change_rows
from dashboard.records.database import UpgradeFailed, describe
from dashboard.records.models import RECORD_TABLES
from dashboard.records.package import shown_records
from dashboard.records.rules import ValidationFailed
from dashboard.records.store import RecordsStore


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A typed table written as the data/ CSV files are: ISO dates, empty cells for missing."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            out[name] = column.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(column):
            out[name] = column.map({True: "true", False: "false"})
    out = out.astype(object).where(out.notna(), "")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(out.columns)
        writer.writerows(out.itertuples(index=False, name=None))


def export_package(store: RecordsStore, target: Path) -> dict[str, int]:
    """Write the data package of the current state into `target`; returns rows per record
    table."""
    spec = read_package_spec(store.data_dir)
    target.mkdir(parents=True, exist_ok=True)
    curated = [res.name for res in spec.resources if res.name not in RECORD_TABLES]
    package = load_package(store.data_dir, resources=curated)
    records = store.tables()
    if not package.unavailable:
        records = shown_records(records, package.tables, spec)
    for res in spec.resources:
        path = target / res.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if res.name in records:
            write_csv(records[res.name], path)
        else:
            shutil.copyfile(store.data_dir / res.path, path)
    # The record tables are as recent as the newest source they cite now.
    descriptor = json.loads((store.data_dir / DESCRIPTOR_NAME).read_text(encoding="utf-8"))
    current = with_current_as_of(spec, {**package.tables, **records}, records)
    for entry in descriptor.get("resources", []):
        if entry.get("name") in records:
            entry["x-as-of"] = current.resource(entry["name"]).as_of
    (target / DESCRIPTOR_NAME).write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return {name: len(frame) for name, frame in records.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.records", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    upgrade = sub.add_parser("upgrade", help="create or migrate the schema and seed it")
    upgrade.add_argument("--no-seed", action="store_true", help="do not add rows from data/")
    imp = sub.add_parser("import", help="add the rows of a CSV file, all or nothing")
    imp.add_argument("file", type=Path)
    imp.add_argument("--table", required=True, choices=RECORD_TABLES)
    imp.add_argument("--by", required=True, metavar="EMAIL", help="who is recorded as importer")
    exp = sub.add_parser("export", help="write the current state as a data package")
    exp.add_argument("dir", type=Path)
    hist = sub.add_parser("history", help="print the change log as CSV, newest first")
    hist.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD")
    bak = sub.add_parser("backup", help="write every table, as of one moment, to one file")
    bak.add_argument("file", type=Path)
    res = sub.add_parser("restore", help="load a backup into an empty database")
    res.add_argument("file", type=Path)
    args = parser.parse_args(argv)

    store = RecordsStore()
    try:
        return _run(store, args)
    except UpgradeFailed as failed:
        print(failed, file=sys.stderr)  # one line; the database is as it was
        return 1
    finally:
        store.close()


def _run(store: RecordsStore, args: argparse.Namespace) -> int:
    if args.command == "upgrade":
        report = store.upgrade(seed=not args.no_seed)
        print(f"Database {describe(store.url)}: schema up to date.")
        for name, count in report.added.items():
            print(f"  seeded {count} new row(s) into {name} from {store.data_dir}")
        if not report.total and not args.no_seed:
            print("  nothing new to seed")
        return 0

    if args.command in ("backup", "restore"):
        return _backup_or_restore(store, args.command, args.file)
    store.upgrade(seed=False)
    if args.command == "import":
        if not is_email(args.by):
            print(f"--by must be an email address, not {args.by!r}", file=sys.stderr)
            return 2
        try:
            raw = args.file.read_bytes()
        except OSError as exc:
            print(f"{args.file}: cannot be read ({exc.strerror})", file=sys.stderr)
            return 1
        try:
            added = store.import_csv(Identity(args.by, Role.EDITOR), args.table, raw)
        except ValidationFailed as failed:
            for problem in failed.problems:
                where = f"line {problem.line}" if problem.line else "file"
                column = f", column '{problem.column}'" if problem.column else ""
                value = f", value {problem.value!r}" if problem.value is not None else ""
                print(
                    f"{args.file}: {where}{column}{value}: {problem.message} "
                    f"[rule: {problem.rule}]",
                    file=sys.stderr,
                )
            print(f"{len(failed.problems)} problem(s); nothing was imported.", file=sys.stderr)
            return 1
        print(f"Imported {added} row(s) into {args.table}, recorded as by {args.by}.")
        return 0
    if args.command == "export":
        counts = export_package(store, args.dir)
        print(
            f"Exported the data package to {args.dir}: "
            + ", ".join(f"{name} {count}" for name, count in counts.items())
        )
        return 0
    changes = change_rows(store.recent_changes(since=args.since, limit=None))
    # Formula-looking cells are neutralised, as in every CSV the dashboard writes.
    sys.stdout.write(to_csv_bytes(changes).decode("utf-8"))
    return 0


def _backup_or_restore(store: RecordsStore, command: str, file: Path) -> int:
    """Neither migrates the database first: a backup is of the database as it is (an older
    schema included), a restore makes the schema itself."""
    try:
        done = store.backup(file) if command == "backup" else store.restore(file)
    except BackupRefused as refused:
        print(refused, file=sys.stderr)  # one line; nothing was written
        return 1
    except OSError as exc:
        print(f"{file}: cannot be written ({exc.strerror or exc})", file=sys.stderr)
        return 1
    state = f"schema {done.schema_version}, revision {done.revision}"
    if command == "backup":
        size = f"{done.size:,} bytes"
        print(f"Backed up {done.database} ({state}) to {file} ({size}): {done.counts()}")
    else:
        upgraded = f", schema upgraded to {done.migrated_to}" if done.migrated_to else ""
        print(f"Restored {file} ({state}) into {done.database}{upgraded}: {done.counts()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
