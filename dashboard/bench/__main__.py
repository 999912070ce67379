"""Command line for the benchmarks: ``python -m dashboard.bench load``."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.bench.load import measure_load, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="cold CSV load vs warm Parquet load of the data package")
    load.add_argument("--data-dir", type=Path, default=None)
    load.add_argument("--repeat", type=int, default=5)
    load.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.command == "load":
        report(measure_load(args.data_dir, args.repeat), args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
