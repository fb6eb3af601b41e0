"""Benchmark: do the live pages slow down while a long report runs?

Run: .venv/bin/python bench/reports_beside.py [--tickets 20000] [--seconds 6] [--repeats 3] [--baseline DIR]
One server (run.py, SQLite, the small config) whose database holds `--tickets` tickets of today with their
events (today is never kept as a roll-up, so its report reads every event: the heaviest report there
is). In each repeat, two phases of `--seconds`: the kiosk alone issuing with 4 keep-alive clients (the
baseline of the same run), then the kiosk while a supervisor asks for today's report again and again.
Prints the kiosk's p50/p95 and the reports answered in each phase, and the medians. `--baseline DIR`
runs the same against another checkout (git worktree add DIR <commit>) after this one.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import HttpRequest, LoadResult, TabourServer, bench_config, run_load

SERVICES = ("traffic", "residency", "civil-id", "medical")
KUWAIT = timezone(timedelta(hours=3))


def today_history(database: Path, tickets: int) -> str:
    """`tickets` served tickets of today (the centre's date), written straight into the database."""
    today = datetime.now(KUWAIT).date()
    start = datetime.combine(today, datetime.min.time()) - timedelta(hours=3)  # centre midnight, naive UTC
    rng = random.Random(1)
    with sqlite3.connect(database) as db:
        centre_id = db.execute("SELECT id FROM centres WHERE code = 'test'").fetchone()[0]
        services = [row[0] for row in db.execute("SELECT id FROM services WHERE centre_id = ?", (centre_id,))]
        counter = db.execute("SELECT id FROM counters WHERE centre_id = ?", (centre_id,)).fetchone()[0]
        first = (db.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0] or 0) + 1
        rows, events = [], []
        for n in range(tickets):
            ticket_id, service = first + n, rng.choice(services)
            issued = start + timedelta(minutes=rng.uniform(0, 8 * 60))
            called = issued + timedelta(minutes=rng.expovariate(1 / 15))
            done = called + timedelta(minutes=rng.expovariate(1 / 6))
            rows.append((ticket_id, centre_id, service, service, f"h{n}", n + 100000, f"H{n}", f"hist-{n}",
                         str(issued), str(issued), str(called), str(done), counter))  # fmt: skip
            eta = json.dumps({"source": "kiosk", "eta": [5, 15]})
            events += [
                (ticket_id, centre_id, service, "issued", str(issued), None, eta),
                (ticket_id, centre_id, service, "called", str(called), counter, None),
                (ticket_id, centre_id, service, "done", str(done), counter, None),
            ]
        db.executemany(
            "INSERT INTO tickets (id, centre_id, service_id, issued_service_id, period, sequence, number,"
            " tracking_code, status, issued_at, queued_at, called_at, finished_at, counter_id, priority,"
            " transactions, lang, source, recalls, needs_check_in, legs, requeues)"
            " VALUES (?,?,?,?,?,?,?,?,'done',?,?,?,?,?,'none',1,'ar','kiosk',0,0,1,0)",
            rows,
        )
        db.executemany(
            "INSERT INTO ticket_events (ticket_id, centre_id, service_id, kind, at, counter_id, detail)"
            " VALUES (?,?,?,?,?,?,?)",
            events,
        )
    return today.isoformat()


def kiosk_plans(kiosk: dict[str, str]) -> list[list[HttpRequest]]:
    path = "/api/v1/centres/test/tickets"
    return [[HttpRequest("POST", path, {"service": SERVICES[(c + i) % 4]}, kiosk) for i in range(4)] for c in range(4)]


def reports_loop(server: TabourServer, headers: dict[str, str], day: str, until: float, answered: list[float]) -> None:
    url = f"{server.url}/api/v1/centres/test/reports/summary?from={day}&to={day}"
    while time.monotonic() < until:
        started = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as answer:
            answer.read()
        answered.append(time.perf_counter() - started)


def phase(server: TabourServer, kiosk: dict[str, str], boss: dict[str, str], day: str, seconds: float, busy: bool):  # type: ignore[no-untyped-def]
    answered: list[float] = []
    thread = None
    if busy:
        until = time.monotonic() + seconds + 1.0
        thread = threading.Thread(target=reports_loop, args=(server, boss, day, until, answered))
        thread.start()
        time.sleep(1.0)
    result: LoadResult = run_load(server.port, kiosk_plans(kiosk), duration=seconds)
    if thread is not None:
        thread.join()
    return result, answered


def measure(root: Path | None, tickets: int, seconds: float, repeats: int) -> dict[str, list[dict[str, float]]]:
    rows: dict[str, list[dict[str, float]]] = {"quiet": [], "reports": []}
    with TabourServer(config=bench_config(printers=False), root=root) as server:
        kiosk = server.device_header("kiosk", "k2")
        boss = server.staff_header("boss", "supervisor")
        day = today_history(server.instance / "tabour.db", tickets)
        for repeat in range(repeats):
            for name in rows:
                result, answered = phase(server, kiosk, boss, day, seconds, name == "reports")
                s = result.summary()
                s["p95_ms"] = result.percentile(95)
                s["reports"] = len(answered)
                s["report_s"] = statistics.median(answered) if answered else 0.0
                rows[name].append(s)
                print(
                    f"#{repeat + 1} {name:<7} kiosk {s['per_second']:6.0f}/s p50 {s['p50_ms']:7.2f} ms "
                    f"p95 {s['p95_ms']:8.2f} ms | reports {s['reports']:.0f}, {s['report_s']:.2f} s each",
                    flush=True,
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    runs = {"this": measure(None, args.tickets, args.seconds, args.repeats)}
    if args.baseline:
        runs["baseline"] = measure(args.baseline.resolve(), args.tickets, args.seconds, args.repeats)
    print("\nmedians")
    for build, rows in runs.items():
        for name, summaries in rows.items():
            p50 = statistics.median(s["p50_ms"] for s in summaries)
            p95 = statistics.median(s["p95_ms"] for s in summaries)
            rate = statistics.median(s["per_second"] for s in summaries)
            report = statistics.median(s["report_s"] for s in summaries)
            print(
                f"{build:<8} {name:<7} kiosk {rate:6.0f}/s p50 {p50:7.2f} ms p95 {p95:8.2f} ms | report {report:.2f} s"
            )


if __name__ == "__main__":
    main()
