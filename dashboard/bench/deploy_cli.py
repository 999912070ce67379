"""Command line of the deployment benchmarks (wired into `python -m dashboard.bench`).

python -m dashboard.bench proxy [--visits 3] [--json FILE]
    first visit to the Overview, directly and through nginx: bytes and time to the first chart
python -m dashboard.bench load-run [--sessions 20] [--minutes 3] [--database-url URL] [--json FILE]
    many sessions through nginx on two replicas, then on one: errors, p50/p95, server memory
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

DEPLOY_COMMANDS = {"proxy", "load-run"}


def deploy_main(argv: list[str]) -> int:
    from dashboard.bench import loadrun, proxy

    parser = argparse.ArgumentParser(prog="python -m dashboard.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    first = sub.add_parser("proxy", help="first visit to the Overview, direct and through nginx")
    first.add_argument("--visits", type=int, default=3, help="visits per way and link (3)")
    first.add_argument("--json", type=Path, default=proxy.DEFAULT_JSON)
    load = sub.add_parser("load-run", help="sessions through nginx on two replicas, then one")
    load.add_argument("--sessions", type=int, default=20, help="concurrent sessions (20)")
    load.add_argument("--minutes", type=float, default=3.0, help="per phase (3)")
    load.add_argument(
        "--database-url",
        help="the records database of the replicas (default: a throw-away PostgreSQL cluster "
        "when Debian's postgresql is installed, else an SQLite file)",
    )
    load.add_argument("--json", type=Path, default=loadrun.DEFAULT_JSON)
    args = parser.parse_args(argv)
    # Stopped with SIGTERM, still stop the servers it started (their `finally` blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.command == "proxy":
        proxy.run_first_visit(args.visits, args.json)
    else:
        loadrun.run_load_run(
            loadrun.Settings(args.sessions, args.minutes, args.database_url, args.json)
        )
    return 0
