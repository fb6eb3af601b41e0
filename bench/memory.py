"""Server memory: resident set size of run.py after issuing many tickets (target <= 120 MB at 10,000).

Run: .venv/bin/python bench/memory.py [--tickets 10000] [--clients 8] [--printer]
Starts run.py (SQLite, one process, temp instance), reads VmRSS from /proc/<pid>/status when it is
ready, then issues `--tickets` tickets through POST /api/v1/centres/test/tickets with keep-alive
clients (bench/common.py) and reads VmRSS again, at a few checkpoints on the way. Without
`--printer` the kiosks have no printer in the config: the test kiosk's in-memory printer keeps every
printed byte on purpose (it is a test double), which would be counted as server memory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import HttpRequest, TabourServer, bench_config, rss_mb, run_load

SERVICES = ("traffic", "residency", "civil-id", "medical")
TARGET_MB = 120.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--checkpoints", type=int, default=4, help="RSS readings on the way")
    parser.add_argument("--printer", action="store_true", help="keep kiosk k2's in-memory printer")
    args = parser.parse_args(argv)
    config = bench_config(printers=args.printer)
    try:
        with TabourServer(config=config) as server:
            kiosk = server.device_header("kiosk", "k2")
            path = "/api/v1/centres/test/tickets"
            plans = [
                [HttpRequest("POST", path, {"service": SERVICES[(c + i) % 4]}, kiosk) for i in range(4)]
                for c in range(args.clients)
            ]
            print(f"ready: RSS {rss_mb(server.pid):.1f} MB", flush=True)
            issued = 0
            step = args.tickets // args.checkpoints
            for checkpoint in range(1, args.checkpoints + 1):
                target = args.tickets if checkpoint == args.checkpoints else step * checkpoint
                per_client = -(-(target - issued) // args.clients)
                result = run_load(server.port, plans, requests_per_client=per_client)
                if set(result.statuses) != {201} or result.errors:
                    print(f"unexpected answers {dict(result.statuses)} {result.errors[:3]}", file=sys.stderr)
                    return 1
                issued += result.count
                print(f"after {issued:>6} tickets: RSS {rss_mb(server.pid):.1f} MB", flush=True)
            final = rss_mb(server.pid)
    finally:
        config.unlink()
    print(
        f"{'met   ' if final <= TARGET_MB else 'MISSED'} RSS <= {TARGET_MB:.0f} MB "
        f"after {issued} tickets: {final:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
