"""Command line: ``python -m dashboard.datasets check [DATA_DIR]``.

Prints every problem in the data package (file, line, column, value, rule) and exits 1 when
any error is found, 0 when the package is clean (warnings are printed but do not fail).
"""

from __future__ import annotations

import argparse
import sys

from dashboard.datasets.loader import UNAVAILABLE, load_package


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.datasets")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate the data package and report every problem")
    check.add_argument("data_dir", nargs="?", default=None, help="folder with datapackage.json")
    check.add_argument("--no-cache", action="store_true", help="parse every CSV afresh")
    args = parser.parse_args(argv)

    package = load_package(args.data_dir, use_cache=not args.no_cache)
    print(f"Data package: {package.data_dir}")
    if package.spec is not None:
        for res in package.spec.resources:
            status = package.status(res.name)
            rows = "-" if status == UNAVAILABLE else str(len(package.tables[res.name]))
            print(f"  {res.path:<28} {rows:>8} rows  {status}")
    for problem in package.problems:
        print(f"{problem.severity.upper()}: {problem.describe()} [rule: {problem.rule}]")
    errors = len(package.errors)
    warnings = len(package.problems) - errors
    print(f"{errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
