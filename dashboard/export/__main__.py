"""Exports from the command line.

    python -m dashboard.export brief --country ROU --out brief.pdf [--as-of YYYY-MM-DD]
    python -m dashboard.export deck --country ROU --out deck.pptx
    python -m dashboard.export workbook --country ROU --out profile.xlsx
    python -m dashboard.export calendar --out partnerships.ics [--country ISO3 ...] [--area ID ...]

``--data-dir`` reads another data package (default: ``$DASHBOARD_DATA_DIR`` or the bundled
``data/``); ``--as-of`` defaults to today (``$DASHBOARD_TODAY`` if set). Exit status: 0 done,
2 bad arguments (unknown country or area, bad date), 1 the data cannot be read.

``calendar`` writes the meetings and the follow-ups' due dates of the records database
(``DASHBOARD_DATABASE_URL``), within the countries and areas given (none: all), as an iCalendar
file a web server can publish; each event links to the app when ``DASHBOARD_PUBLIC_URL`` is set.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from dashboard.datasets.citations import sources_table
from dashboard.datasets.clock import ClockSettingError, today
from dashboard.datasets.filters import Filters
from dashboard.datasets.loader import LoadedPackage, load_package
from dashboard.datasets.profile import build_country_profile
from dashboard.datasets.queries import followups_view, meetings_view
from dashboard.export.brief import build_brief
from dashboard.export.calendar import build_calendar
from dashboard.export.country import country_view
from dashboard.export.deck import build_deck
from dashboard.export.links import AppLinks, PublicUrlError
from dashboard.export.workbook import build_workbook
from dashboard.records import RecordsStore, UpgradeFailed, with_records

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
    calendar = commands.add_parser(
        "calendar", help="write the meetings and follow-up due dates as a calendar (.ics)"
    )
    calendar.add_argument("--out", required=True, type=Path, help="file to write (.ics)")
    calendar.add_argument(
        "--country", nargs="+", action="extend", default=[], metavar="ISO3", help="e.g. ROU"
    )
    calendar.add_argument(
        "--area", nargs="+", action="extend", default=[], metavar="ID", help="cooperation area"
    )
    calendar.add_argument("--data-dir", type=Path, help="data package folder")
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
    if args.kind == "calendar":
        return _calendar(package, args)
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


def _calendar(package: LoadedPackage, args: argparse.Namespace) -> int:
    """The calendar of the records database's meetings and due follow-ups in the filters."""
    countries = tuple(dict.fromkeys(c.strip().upper() for c in args.country))
    areas = tuple(dict.fromkeys(a.strip() for a in args.area))
    unknown = [c for c in countries if c not in set(package.table("countries")["iso3"])]
    if package.has("cooperation_areas"):
        known_areas = set(package.table("cooperation_areas")["area_id"])
        unknown += [a for a in areas if a not in known_areas]
    if unknown:
        print(f"error: unknown country or area: {', '.join(unknown)}", file=sys.stderr)
        return 2
    try:
        links = AppLinks.from_env()
        as_of = today()
    except (PublicUrlError, ClockSettingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    store = RecordsStore(data_dir=package.data_dir)
    try:
        store.upgrade(seed=False)
        package = with_records(package, store)
    except UpgradeFailed as failed:
        print(failed, file=sys.stderr)
        return 1
    finally:
        store.close()
    filters = Filters(countries=countries, areas=areas)
    meetings = meetings_view(package, filters)
    followups = followups_view(package, filters, as_of)
    scope = filters.describe() if countries or areas else "all partners"
    content = build_calendar(
        f"S&T partnerships: meetings and follow-ups ({scope})", meetings, followups, links
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(content)
    due = int(followups["due"].notna().sum())
    print(
        f"wrote {args.out} ({len(content):,} bytes): {len(meetings)} meeting(s), {due} due date(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
