"""Benchmark ticket issuing: POST /api/v1/centres/test/tickets on the real server against the floor.

Run: .venv/bin/python bench/issue.py [--clients 8] [--seconds 5] [--repeats 5] [--kiosk k2]
Starts run.py (SQLite, one process, a temp instance dir, the small config with high daily caps) and
two floors side by side (bench/floor.py: the same upsert and insert on Python's sqlite3, and through
SQLAlchemy in an ORM Session); each repeat drives the floors, then Tabour, with `--clients` keep-alive
TCP_NODELAY clients (one process each, see bench/common.py) for `--seconds`, issuing tickets spread
over the four services with a kiosk's device token (k2: its printer is the in-memory backend, so
every ticket is also rendered and spooled, as at a real kiosk; `--no-printer` removes the kiosks'
printers from the config to measure issuing alone). Prints every run and the medians, and checks the
targets: >= 800 tickets/s, p99 <= 30 ms, >= half the floor's throughput (against each floor), no 40 ms
Nagle stall (the count of answers over 40 ms is printed for every server: on this shared machine the
floors show a few too). `--baseline DIR` serves another checkout too (`git worktree add DIR <commit>`), driven
in every repeat, so a change is compared with its baseline in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import FloorServer, HttpRequest, TabourServer, bench_config, cpu_seconds, medians, run_load

SERVICES = ("traffic", "residency", "civil-id", "medical")
TARGET_PER_SECOND = 800
TARGET_P99_MS = 30.0


def tabour_plans(kiosk: dict[str, str], clients: int) -> list[list[HttpRequest]]:
    path = "/api/v1/centres/test/tickets"
    return [
        [HttpRequest("POST", path, {"service": SERVICES[(c + i) % 4]}, kiosk) for i in range(4)] for c in range(clients)
    ]


def floor_plans(clients: int) -> list[list[HttpRequest]]:
    return [
        [HttpRequest("POST", "/ticket", {"service": SERVICES[(c + i) % 4]}) for i in range(4)] for c in range(clients)
    ]


def row(name: str, s: dict[str, float]) -> str:
    return (
        f"{name:<8} {s['requests']:>7.0f} {s['per_second']:>9.0f}/s  p50 {s['p50_ms']:6.2f} ms  "
        f"p99 {s['p99_ms']:6.2f} ms  max {s['max_ms']:7.2f} ms  >40ms {s['over_40ms']:<3.0f} "
        f"server CPU {s['cpu_ms']:.3f} ms/request"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of load before measuring")
    parser.add_argument("--kiosk", default="k2")
    parser.add_argument("--no-printer", action="store_true", help="kiosks without printers")
    parser.add_argument("--json", type=Path, help="write the runs and medians here")
    parser.add_argument("--baseline", type=Path, help="another checkout to run in the same repeats")
    args = parser.parse_args(argv)

    config = bench_config(printers=not args.no_printer)
    runs: dict[str, list[dict[str, float]]] = {"floor": [], "floor-sa": [], "tabour": []}
    baseline = TabourServer(config=config, root=args.baseline.resolve()) if args.baseline else None
    try:
        with FloorServer() as floor, FloorServer("session") as floor_sa, TabourServer(config=config) as server:
            tabour = tabour_plans(server.device_header("kiosk", args.kiosk), args.clients)
            floors = floor_plans(args.clients)
            assert floor.process is not None and floor_sa.process is not None
            targets = [
                ("floor", floor.process.pid, floor.port, floors),
                ("floor-sa", floor_sa.process.pid, floor_sa.port, floors),
                ("tabour", server.pid, server.port, tabour),
            ]
            if baseline is not None:
                baseline.start()
                runs["baseline"] = []
                plans = tabour_plans(baseline.device_header("kiosk", args.kiosk), args.clients)
                targets.append(("baseline", baseline.pid, baseline.port, plans))
            for _name, _pid, port, plans in targets:
                run_load(port, plans, duration=args.warmup)
            for repeat in range(1, args.repeats + 1):
                for name, pid, port, plans in targets:
                    cpu_before = cpu_seconds(pid)
                    result = run_load(port, plans, duration=args.seconds)
                    cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000 / max(1, result.count)
                    expected = 201
                    bad = {code: n for code, n in result.statuses.items() if code != expected}
                    if bad or result.errors:
                        print(f"{name}: unexpected answers {bad} {result.errors[:3]}", file=sys.stderr)
                        return 1
                    runs[name].append({**result.summary(), "cpu_ms": cpu_ms})
                    print(f"run {repeat} " + row(name, runs[name][-1]), flush=True)
    finally:
        if baseline is not None:
            baseline.stop()
        config.unlink()

    floor_median, tabour_median = medians(runs["floor"]), medians(runs["tabour"])
    sa_median = medians(runs["floor-sa"])
    ratio = tabour_median["per_second"] / floor_median["per_second"]
    sa_ratio = tabour_median["per_second"] / sa_median["per_second"]
    print(f"\nmedians of {args.repeats} runs, {args.clients} keep-alive clients, SQLite, one server process")
    print("median  " + row("floor", floor_median)[8:])
    print("median  " + row("floor-sa", sa_median)[8:])
    print("median  " + row("tabour", tabour_median)[8:])
    if baseline is not None:
        print("median  " + row("baseline", medians(runs["baseline"]))[8:] + f"   ({args.baseline})")
    print(f"tabour / floor throughput: {ratio:.2f} (sqlite3), {sa_ratio:.2f} (SQLAlchemy session)")
    checks = {
        f">= {TARGET_PER_SECOND} tickets/s": tabour_median["per_second"] >= TARGET_PER_SECOND,
        f"p99 <= {TARGET_P99_MS:.0f} ms": tabour_median["p99_ms"] <= TARGET_P99_MS,
        ">= half the sqlite3 floor": ratio >= 0.5,
        ">= half the SQLAlchemy floor": sa_ratio >= 0.5,
        # Nagle meeting a delayed ACK would hold every keep-alive answer ~40 ms: the p50 would sit there
        "no 40 ms Nagle stall (p50 of every run < 20 ms)": all(r["p50_ms"] < 20 for r in runs["tabour"]),
    }
    for name, ok in checks.items():
        print(f"  {'met   ' if ok else 'MISSED'} {name}")
    slow = {name: sum(r["over_40ms"] for r in results) for name, results in runs.items()}
    total = {name: sum(r["requests"] for r in results) for name, results in runs.items()}
    print("  answers over 40 ms (all runs): " + ", ".join(f"{n} {slow[n]:.0f} of {total[n]:.0f}" for n in runs))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"runs": runs, "medians": {"floor": floor_median, "floor-sa": sa_median, "tabour": tabour_median}},
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
