"""Exports from the command line.

    python -m dashboard.export brief --country ROU --out brief.pdf [--as-of YYYY-MM-DD]
    python -m dashboard.export deck --country ROU --out deck.pptx
    python -m dashboard.export workbook --country ROU --out profile.xlsx

``--data-dir`` reads another data package (default: ``$DASHBOARD_DATA_DIR`` or the bundled
``data/``); ``--as-of`` defaults to today (``$DASHBOARD_TODAY`` if set). Exit status: 0 done,
2 bad arguments (unknown country, bad date), 1 the data cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from dashboard.datasets.citations import sources_table
from dashboard.datasets.clock import ClockSettingError, today
from dashboard.datasets.loader import load_package
from dashboard.datasets.profile import build_country_profile
from dashboard.export.brief import build_brief
from dashboard.export.country import country_view
from dashboard.export.deck import build_deck
from dashboard.export.workbook import build_workbook

KINDS = {"brief": ".pdf", "deck": ".pptx", "workbook": ".xlsx"}


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.export", description="Country brief, deck or workbook."
    )
    commands = parser.add_subparsers(dest="kind", required=True)
    for kind, suffix in KINDS.items():
        command = commands.add_parser(kind, help=f"write the country {kind} ({suffix})")
        command.add_argument("--country", required=True, help="ISO3 code, e.g. ROU")
        command.add_argument("--out", required=True, type=Path, help=f"file to write ({suffix})")
        command.add_argument("--as-of", type=_iso_date, help="YYYY-MM-DD (default: today)")
        command.add_argument("--data-dir", type=Path, help="data package folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.data_dir is not None and not args.data_dir.is_dir():
        print(f"error: no data folder at {args.data_dir}", file=sys.stderr)
        return 2
    package = load_package(args.data_dir)
    if not package.has("countries"):
        print(
            f"error: the country list cannot be read from {package.data_dir}; "
            "run `python -m dashboard.datasets check` for details",
            file=sys.stderr,
        )
        return 1
    iso3 = args.country.strip().upper()
    countries = package.table("countries")
    if iso3 not in set(countries["iso3"]):
        print(
            f"error: unknown country code {args.country!r}: not in countries.csv "
            "(use an ISO 3166 alpha-3 code such as ROU)",
            file=sys.stderr,
        )
        return 2
    if package.errors:
        print(
            f"note: the data has {len(package.errors)} problem(s); rows with errors are left "
            "out (`python -m dashboard.datasets check` lists them)",
            file=sys.stderr,
        )

    try:
        as_of = args.as_of or today()
    except ClockSettingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    profile = build_country_profile(package, iso3, today=as_of)
    if args.kind == "brief":
        content = build_brief(profile, as_of, sources_table(package, profile.source_ids))
    else:
        view = country_view(package, profile, as_of)
        if args.kind == "deck":
            content = build_deck(view)
        else:
            ids = [sid for item in view.items for sid in item.source_ids]
            content = build_workbook(view, sources_table(package, ids))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(content)
    print(f"wrote {args.out} ({len(content):,} bytes): {args.kind} for {profile.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
