"""How long loading the whole data package takes: cold from CSV vs warm from the Parquet copy.

python -m dashboard.bench load [--data-dir DIR] [--repeat N] [--json FILE]
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from dashboard.datasets.loader import data_dir_from_env, load_package


def _timed_load(data_dir: Path, cache_dir: Path) -> float:
    os.environ["DASHBOARD_CACHE_DIR"] = str(cache_dir)
    start = time.perf_counter()
    load_package(data_dir)
    return time.perf_counter() - start


def measure_load(data_dir: Path | None = None, repeat: int = 5) -> dict[str, float]:
    """Median seconds for a cold load (empty cache) and a warm load (cache filled)."""
    data_dir = data_dir or data_dir_from_env()
    previous = os.environ.get("DASHBOARD_CACHE_DIR")
    cold, warm = [], []
    try:
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                cold.append(_timed_load(data_dir, Path(tmp)))
                warm.append(_timed_load(data_dir, Path(tmp)))
    finally:
        if previous is None:
            os.environ.pop("DASHBOARD_CACHE_DIR", None)
        else:
            os.environ["DASHBOARD_CACHE_DIR"] = previous
    cold_s, warm_s = statistics.median(cold), statistics.median(warm)
    return {"cold_csv_s": cold_s, "warm_parquet_s": warm_s, "warm_to_cold": warm_s / cold_s}


def report(results: dict[str, float], json_path: str | None = None) -> None:
    print(f"{'load':<28}{'median s':>10}")
    print(f"{'cold (CSV, validate, write)':<28}{results['cold_csv_s']:>10.3f}")
    print(f"{'warm (Parquet copy)':<28}{results['warm_parquet_s']:>10.3f}")
    print(f"{'warm / cold':<28}{results['warm_to_cold']:>10.2f}")
    if json_path:
        Path(json_path).write_text(json.dumps(results, indent=2), encoding="utf-8")
