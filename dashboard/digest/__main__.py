"""The digest by email: ``python -m dashboard.digest send``.

    python -m dashboard.digest send [--since 7d] [--to EMAIL ...] [--dry-run --out DIR]

Sends each subscriber whose digest is due (``digest.send``) one email over
``DASHBOARD_SMTP_URL``; ``--to`` only to those subscribers; ``--since 7d`` the 7 days up to
today instead of each subscriber's own period; ``--dry-run --out DIR`` writes each message to
DIR as an .eml file and sends nothing (the send log is left as it is).

Settings: ``DASHBOARD_PUBLIC_URL`` (the app's address, for the links), ``DASHBOARD_SMTP_URL``,
``DASHBOARD_DIGEST_FROM`` (optional sender), the unsubscribe links' secret
(``DASHBOARD_DIGEST_SECRET`` or ``[digest] token_secret`` in ``.streamlit/secrets.toml``), and
the records database (``DASHBOARD_DATABASE_URL``) and data folder as for the app.

Exit status: 0 every due digest was sent (or written); 1 at least one failed (they are tried
again at the next run; the others went out); 2 nothing was done: bad arguments or settings, or
the database cannot be upgraded; 3 nothing to send (no digest due, or none with news).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dashboard.datasets import clock
from dashboard.datasets.loader import load_package
from dashboard.digest.mail import Mailer, MailSettingError, SmtpServer, sender
from dashboard.digest.send import FAILED, SENT, WRITTEN, DigestRun, Outcome, chosen
from dashboard.export.links import PUBLIC_URL_SETTING, AppLinks, PublicUrlError
from dashboard.records import RecordsStore, UpgradeFailed, with_records
from dashboard.records.tokens import SecretRefused, digest_secret

ALL_SENT, SOME_FAILED, CANNOT_RUN, NOTHING_TO_SEND = 0, 1, 2, 3
# Where Streamlit reads secrets by default: the user's, then the project's (which wins).
SECRETS_FILES = (Path.home() / ".streamlit" / "secrets.toml", Path(".streamlit/secrets.toml"))


def _days(text: str) -> int:
    found = re.fullmatch(r"\s*(\d{1,4})\s*([dw])\s*", text.lower())
    if found is None or int(found.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"a period such as 7d or 2w, not {text!r}")
    return int(found.group(1)) * (7 if found.group(2) == "w" else 1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.digest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("send", help="send the digests that are due")
    send.add_argument(
        "--since", type=_days, metavar="PERIOD", help="the days up to today: 7d, 14d, 2w"
    )
    send.add_argument(
        "--to", nargs="+", action="extend", default=[], metavar="EMAIL", help="only these"
    )
    send.add_argument("--dry-run", action="store_true", help="write .eml files, send nothing")
    send.add_argument("--out", type=Path, metavar="DIR", help="where --dry-run writes")
    return parser


def secrets_file() -> Mapping[str, Any]:
    """The secrets files Streamlit reads, merged (the project's wins); unreadable ones are
    left out (the app reports those)."""
    merged: dict[str, Any] = {}
    for path in SECRETS_FILES:
        try:
            merged.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return merged


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.dry_run != (args.out is not None):
        print("error: --dry-run and --out DIR go together", file=sys.stderr)
        return CANNOT_RUN
    try:
        links = AppLinks.from_env()
        if links is None:
            raise PublicUrlError(
                f"{PUBLIC_URL_SETTING} is not set: the digest links every item to the app, "
                "e.g. https://dashboard.most.gov.pk"
            )
        secret = digest_secret(secrets_file())
        server = None if args.dry_run else SmtpServer.from_env()
        today = clock.today()
        zone = clock.ministry_timezone()
        from_address = sender(links.host)
    except (PublicUrlError, SecretRefused, MailSettingError, clock.ClockSettingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return CANNOT_RUN

    store = RecordsStore()
    try:
        store.upgrade(seed=False)
        subscribers, unknown = chosen(store.subscriptions(), args.to)
        if unknown:
            print(f"error: not subscribed: {', '.join(unknown)}", file=sys.stderr)
            return CANNOT_RUN
        package = with_records(load_package(store.data_dir), store)
        run = DigestRun(store, package, today, zone, links, secret, from_address, args.since)
        if args.dry_run:
            outcomes = run.write(subscribers, args.out)
        else:
            with Mailer(server) as mailer:
                outcomes = run.send(subscribers, mailer)
    except UpgradeFailed as failed:
        print(failed, file=sys.stderr)
        return CANNOT_RUN
    finally:
        store.close()
    return _report(outcomes, len(subscribers))


def _report(outcomes: list[Outcome], subscribers: int) -> int:
    """One line per subscriber (failures on stderr), a summary, and the exit status."""
    for outcome in outcomes:
        print(outcome.line(), file=sys.stderr if outcome.status == FAILED else sys.stdout)
    done = sum(o.status in (SENT, WRITTEN) for o in outcomes)
    failed = sum(o.status == FAILED for o in outcomes)
    print(f"{subscribers} subscriber(s): {done} digest(s) sent or written, {failed} failed.")
    if failed:
        return SOME_FAILED
    if not done:
        print(f"Nothing to send (exit status {NOTHING_TO_SEND}).")
        return NOTHING_TO_SEND
    return ALL_SENT


if __name__ == "__main__":
    sys.exit(main())
