"""Benchmark: what a hall reads all day, on a new database and after months of history.

Run: .venv/bin/python bench/history.py [--tickets 200000] [--repeats 30]
Builds a SQLite database with the small test config (migrated to the current schema), times each of
the reads that run many times a second or every few seconds (tests/test_history.py lists them: hall
summary, a screen's snapshot, the hold expiry sweep, a printer's pending jobs, the notification outbox)
`--repeats` times, then writes a history of `--tickets` finished tickets of earlier days (each with
its events, printed job and sent message) and times them again. The new database is the baseline of
the same run; medians in ms. tests/test_history.py asserts the same thing without a clock.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from queue_app.services.catalog import sync_catalog  # noqa: E402
from queue_app.settings import load_config  # noqa: E402
from queue_app.store.database import Database  # noqa: E402
from queue_app.store.migrate import upgrade  # noqa: E402
from tests.test_history import daily_reads, write_history  # noqa: E402


def timed(reads: dict, repeats: int) -> dict[str, float]:
    result = {}
    for name, read in reads.items():
        read()  # warm
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            read()
            samples.append((time.perf_counter() - started) * 1000)
        result[name] = statistics.median(samples)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tabour-bench-history-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'tabour.db'}"
        upgrade(url)
        db = Database(url)
        with db.transaction() as session:
            catalog = sync_catalog(session, load_config(ROOT / "tests" / "fixtures" / "small_config.yaml"))
        reads = daily_reads(db, catalog)
        fresh = timed(reads, args.repeats)
        started = time.perf_counter()
        write_history(db, catalog, args.tickets)
        print(f"history of {args.tickets} finished tickets written in {time.perf_counter() - started:.1f} s")
        aged = timed(reads, args.repeats)
        db.dispose()
    print(f"{'read':<32} {'new db':>9} {'history':>9}   (median ms of {args.repeats})")
    for name in reads:
        print(f"{name:<32} {fresh[name]:>9.2f} {aged[name]:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
