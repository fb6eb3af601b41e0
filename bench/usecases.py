"""CPU of the busiest use cases in-process, no HTTP: issue a ticket, call next (which completes the
previous one), on a SQLite file. On a shared machine the HTTP benchmarks swing by ±20 % from one minute to
the next (CPU steal); process CPU time of the same work, alternated with a baseline checkout run for run,
is steadier. Usage:

    .venv/bin/python bench/usecases.py --runs 5 --tickets 2000 [--baseline /tmp/base] [--appointments 0.3]

Each run is a fresh process on a fresh database: it issues `--tickets` tickets over four services, then
20 counters call next in turn until nobody waits. It prints the CPU per issue and per call (µs), medians.
`--appointments SHARE`: that share of the tickets are checked-in appointments (their slot half an hour
before the calls, so they are due and go first); a baseline checkout without appointments issues walk-ins.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
from datetime import datetime, timedelta
sys.path.insert(0, sys.argv[1])
from queue_app.settings import load_config
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.services.catalog import sync_catalog
from queue_app.services import counters
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.store.models import User

url, config, tickets, share = sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
upgrade(url)
db = Database(url)
with db.transaction() as session:
    centre = sync_catalog(session, load_config(config)).centre("test")
    user = User(username="bench", password_hash="-", role="supervisor", centre_id=centre.id,
                created_at=datetime(2026, 1, 1))
    session.add(user)
    session.flush()
    try:  # after the consolidation: a supervisor acts on open counters, opened by sign-in
        from queue_app.domain.counters import Actor
        from queue_app.services import presence
        actor = Actor(user.id, "supervisor", centre.id, "bench")
        for code in centre.counter_ids:
            presence.sign_in(session, centre, code, actor, datetime(2026, 11, 22, 5, 0))
    except ImportError:
        actor = counters.Actor(user.id)
services = ["traffic", "residency", "civil-id", "medical"]
start = datetime(2026, 11, 22, 5, 0)
cpu = time.process_time()
booked = int(round(share * 10))
for i in range(tickets):
    at = start + timedelta(milliseconds=i)
    with db.transaction() as session:
        request = TicketRequest(service=services[i % 4])
        if i % 10 < booked:
            try:  # a checked-in appointment, where the checkout has them
                issue_ticket(session, centre, request, at, appointment_at=start + timedelta(minutes=30, milliseconds=i))
                continue
            except TypeError:
                pass
        issue_ticket(session, centre, request, at)
issue_cpu = time.process_time() - cpu
codes = list(centre.counter_ids)
calls, empty, i = 0, 0, 0
cpu = time.process_time()
while empty < len(codes):
    code = codes[i % len(codes)]
    i += 1
    with db.transaction() as session:
        ticket = counters.call_next(session, centre, code, actor, start + timedelta(hours=1, milliseconds=i)).ticket
    if ticket is None:
        empty += 1
    else:
        empty, calls = 0, calls + 1
call_cpu = time.process_time() - cpu
assert calls == tickets, (calls, tickets)
print(json.dumps({"issue_us": issue_cpu / tickets * 1e6, "call_us": call_cpu / calls * 1e6}))
"""


def one(root: Path, tickets: int, share: float = 0.0) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="tabour-usecases-") as tmp:
        url = f"sqlite:///{tmp}/tabour.db"
        config = ROOT / "tests" / "fixtures" / "twenty_counters.yaml"
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(root), url, str(config), str(tickets), str(share)],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--baseline", type=Path, help="another checkout, run alternately")
    parser.add_argument("--appointments", type=float, default=0.0, help="share of checked-in appointments")
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"tabour": [], "baseline": []}
    for run in range(args.runs):
        results["tabour"].append(one(ROOT, args.tickets, args.appointments))
        print(f"run {run + 1} tabour   {json.dumps(results['tabour'][-1])}", flush=True)
        if args.baseline:
            results["baseline"].append(one(args.baseline.resolve(), args.tickets, 0.0))
            print(f"run {run + 1} baseline {json.dumps(results['baseline'][-1])}", flush=True)
    for name, runs in results.items():
        if runs:
            medians = {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]}
            print(f"median {name}: {json.dumps(medians)}")


if __name__ == "__main__":
    main()
