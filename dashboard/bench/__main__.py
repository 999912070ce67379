"""Command line for the benchmarks.

python -m dashboard.bench [all] [--quick] [--json FILE] ...   everything, one table + JSON
python -m dashboard.bench save [--quick] [--saves N] ...      only save → visible (see save.py)
python -m dashboard.bench lighthouse [--pages ...] [--runs N] only Lighthouse (lighthouse.py)
python -m dashboard.bench synth [--out DIR] [--scale 1.0]     only write a synthetic package
python -m dashboard.bench load [--data-dir DIR]               cold CSV vs warm Parquet load
python -m dashboard.bench profile /timeline [--data-dir DIR]  where one page's rerun goes
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from dashboard.bench.load import measure_load, report

COMMANDS = {"all", "save", "lighthouse", "load", "synth", "profile"}


def _all_options(parser: argparse.ArgumentParser) -> None:
    from dashboard.bench.run import DEFAULT_JSON, Settings

    defaults = Settings()
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fast smoke run: 1 cold start, 4 changes per page, 2 reruns, 3 sessions, scale 0.1, "
        "1 Lighthouse run",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write figures")
    parser.add_argument("--cold-repeat", type=int, help=f"default {defaults.cold_repeat}")
    parser.add_argument("--changes", type=int, help=f"filter changes per page ({defaults.changes})")
    parser.add_argument(
        "--rounds",
        type=int,
        help=f"interleaved rounds the changes are spread over ({defaults.rounds})",
    )
    parser.add_argument("--reruns", type=int, help=f"AppTest reruns per page ({defaults.reruns})")
    parser.add_argument("--sessions", type=int, help=f"concurrent sessions ({defaults.sessions})")
    parser.add_argument(
        "--saves", type=int, help=f"save → visible rounds per data set ({defaults.saves})"
    )
    parser.add_argument("--scale", type=float, help="synthetic size, 1.0 = about 100× today")
    parser.add_argument(
        "--synthetic-dir",
        type=Path,
        help="use (or generate into) this folder instead of a temporary one",
    )
    parser.add_argument(
        "--page-budget", type=float, help=f"seconds per page ({defaults.page_budget_s:g})"
    )
    parser.add_argument(
        "--memory-budget",
        type=float,
        help=f"seconds for the extra sessions' page visits ({defaults.memory_budget_s:g})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--pages", nargs="+", help="URL paths to measure, e.g. / /country")
    parser.add_argument("--countries", nargs="+", help="ISO3 codes typed into the filter")
    parser.add_argument("--no-synthetic", action="store_true", help="today's data only")
    parser.add_argument("--no-browser", action="store_true", help="AppTest figures only")
    parser.add_argument(
        "--lighthouse-runs",
        type=int,
        help=f"Lighthouse runs per page and for the baseline ({defaults.lighthouse_runs})",
    )
    parser.add_argument("--no-lighthouse", action="store_true", help="leave Lighthouse out")
    parser.add_argument(
        "--database-url",
        help="also run the dashboard on today's data with this records database "
        "(DASHBOARD_DATABASE_URL) and compare it with CSV-only",
    )


def _settings(args: argparse.Namespace):
    from dashboard.bench.run import DEFAULT_LIGHTHOUSE_JSON, QUICK, Settings

    if args.command == "lighthouse":
        chosen = {"pages": tuple(args.pages)} if args.pages else {}
        if args.runs is not None:
            chosen["lighthouse_runs"] = args.runs
        return dataclasses.replace(
            Settings(),
            **chosen,
            json_path=args.json or DEFAULT_LIGHTHOUSE_JSON,
            skip_synthetic=True,
            lighthouse_only=True,
        )
    chosen = dict(QUICK) if args.quick else {}
    explicit = {
        "cold_repeat": args.cold_repeat,
        "changes": args.changes,
        "rounds": args.rounds,
        "reruns": args.reruns,
        "sessions": args.sessions,
        "saves": args.saves,
        "scale": args.scale,
        "lighthouse_runs": args.lighthouse_runs,
        "synthetic_dir": args.synthetic_dir,
        "page_budget_s": args.page_budget,
        "memory_budget_s": args.memory_budget,
        "pages": tuple(args.pages) if args.pages else None,
        "countries": tuple(args.countries) if args.countries else None,
    }
    chosen.update({k: v for k, v in explicit.items() if v is not None})
    return dataclasses.replace(
        Settings(),
        **chosen,
        keep=args.keep,
        json_path=args.json,
        skip_synthetic=args.no_synthetic,
        skip_browser=args.no_browser,
        skip_lighthouse=args.no_lighthouse,
        database_url=args.database_url,
        save_only=args.command == "save",
    )


def main(argv: list[str] | None = None) -> int:
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS | {"-h", "--help"}:
        argv.insert(0, "all")
    parser = argparse.ArgumentParser(prog="python -m dashboard.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    _all_options(sub.add_parser("all", help="everything (the default): one table + JSON"))
    _all_options(
        sub.add_parser(
            "save",
            help="only save → visible on the timeline and the first rerun after a save, "
            "today's and synthetic data (the page options do not apply)",
        )
    )
    lighthouse = sub.add_parser(
        "lighthouse",
        help="only Lighthouse (performance, accessibility) on the baseline and every page, "
        "today's data; needs `npm ci --prefix dashboard/bench/lighthouse`",
    )
    lighthouse.add_argument("--pages", nargs="+", help="URL paths, e.g. / /country (all pages)")
    lighthouse.add_argument("--runs", type=int, help="runs per URL (3)")
    lighthouse.add_argument(
        "--json",
        type=Path,
        default=None,
        help="where to write figures (bench-results/lighthouse.json)",
    )
    load = sub.add_parser("load", help="cold CSV load vs warm Parquet load of the data package")
    load.add_argument("--data-dir", type=Path, default=None)
    load.add_argument("--repeat", type=int, default=5)
    load.add_argument("--json", default=None, help="also write the figures to this JSON file")
    synth = sub.add_parser("synth", help="write a synthetic data package (never into data/)")
    synth.add_argument("--out", type=Path, default=None, help="folder (default: a new temp one)")
    synth.add_argument("--scale", type=float, default=1.0, help="1.0 = about 100× today")
    synth.add_argument("--seed", type=int, default=0)
    prof = sub.add_parser("profile", help="profile one page's rerun with pyinstrument")
    prof.add_argument("path", help="URL path of the page, e.g. / or /timeline")
    prof.add_argument("--data-dir", type=Path, default=None, help="e.g. a synthetic package")
    prof.add_argument("--html", type=Path, default=None, help="also write pyinstrument's HTML")
    args = parser.parse_args(argv)

    if args.command == "load":
        report(measure_load(args.data_dir, args.repeat), args.json)
    elif args.command == "synth":
        from dashboard.bench.synthetic import generate

        out, rows = generate(args.out, scale=args.scale, seed=args.seed)
        for name, count in rows.items():
            print(f"  {name:<22}{count:>10,}")
        print(f"Synthetic package written to {out}")
        print(f"Use it: DASHBOARD_DATA_DIR={out} python -m streamlit run dashboard/serve.py")
    elif args.command == "profile":
        from dashboard.bench.profile import profile_page

        print(profile_page(args.path, args.data_dir, args.html))
    else:
        from dashboard.bench.run import run_all

        run_all(_settings(args))
    return 0


if __name__ == "__main__":
    import sys

    from dashboard.bench.deploy_cli import DEPLOY_COMMANDS, deploy_main

    if sys.argv[1:2] and sys.argv[1] in DEPLOY_COMMANDS:  # proxy, load-run: deploy_cli.py
        raise SystemExit(deploy_main(sys.argv[1:]))
    raise SystemExit(main())
