"""Command line for the data package.

``python -m dashboard.datasets check [DATA_DIR]`` prints every problem in the data package (file,
line, column, value, rule) and exits 1 when any error is found, 0 when the package is clean
(warnings are printed but do not fail).

``python -m dashboard.datasets update-wdi --from PATH [PATH ...] [--data-dir DIR] [--dry-run]``
brings indicators up to date from World Bank WDI downloads (zip or data CSV, or a folder of
them): it prints a change report, and writes only when the result validates (exit 1 otherwise,
with every problem, and nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.datasets.clock import today
from dashboard.datasets.loader import UNAVAILABLE, data_dir_from_env, load_package
from dashboard.datasets.wdi import apply_plan, format_report, plan_update


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.datasets")
    sub = parser.add_subparsers(dest="command", required=True)
    check_cmd = sub.add_parser("check", help="validate the data package and report every problem")
    check_cmd.add_argument("data_dir", nargs="?", default=None, help="folder with datapackage.json")
    check_cmd.add_argument("--no-cache", action="store_true", help="parse every CSV afresh")
    update = sub.add_parser(
        "update-wdi", help="update indicators from World Bank WDI downloads (zip or CSV)"
    )
    update.add_argument(
        "--from",
        dest="downloads",
        nargs="+",
        required=True,
        type=Path,
        metavar="PATH",
        help="WDI download(s): API_<CODE>_DS2_….zip, its data CSV, or a folder of them",
    )
    update.add_argument("--data-dir", type=Path, default=None, help="folder with datapackage.json")
    update.add_argument("--dry-run", action="store_true", help="print the report, write nothing")
    args = parser.parse_args(argv)
    if args.command == "update-wdi":
        return run_update_wdi(args.downloads, args.data_dir or data_dir_from_env(), args.dry_run)
    return run_check(args.data_dir, use_cache=not args.no_cache)


def run_check(data_dir: str | None, use_cache: bool) -> int:
    package = load_package(data_dir, use_cache=use_cache)
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


def run_update_wdi(downloads: list[Path], data_dir: Path, dry_run: bool) -> int:
    plan = plan_update(data_dir, downloads, today())
    report = format_report(plan)
    if report:
        print(report)
    if not plan.ok:
        for problem in plan.problems:
            value = "" if problem.value is None else f" (value: '{problem.value}')"
            print(f"ERROR: {problem.describe()}{value} [rule: {problem.rule}]", file=sys.stderr)
        print(
            f"{len(plan.problems)} problem(s): nothing was written to {data_dir}", file=sys.stderr
        )
        return 1
    if dry_run:
        print(f"dry run: nothing was written to {data_dir}")
        return 0
    try:
        written = apply_plan(plan)
    except OSError as exc:
        print(
            f"ERROR: the files could not be written ({exc}); {data_dir} is unchanged",
            file=sys.stderr,
        )
        return 1
    print(f"updated {data_dir}: {', '.join(written) or 'no file changed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
