"""Fan-out benchmark: N websocket clients in `/hall`, repeated call-next through the API, and the time
from the API's answer to the `ticket_called` receipt at every client.

Scenarios (each run starts fresh servers, Tabour's then its baseline's: a bare python-socketio server doing
the same fan-out; --reconnects N first connects and drops every client N times, as after a network cut):
  tabour-1p   one Tabour process (run.py, gevent, SQLite), N clients
  tabour-2p   two Tabour processes on one PostgreSQL database and one Redis message queue, N/2 clients each,
              the calls made on process A
  bare-1p / bare-2p   bench/fanout_bare_server.py, same client load

Run:  .venv/bin/python bench/fanout.py --clients 2000 --servers 1 --runs 3
      .venv/bin/python bench/fanout.py --clients 4000 --servers 2 --runs 3
(--servers 2 needs PostgreSQL and Redis: TABOUR_TEST_POSTGRES_URL / TABOUR_TEST_REDIS_URL, defaulting to the
local servers that `make test` uses.) Clients run in --loaders separate processes (bench/fanout_client.py).
Results: printed, and appended as JSON lines to bench/results/fanout.jsonl.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import append_results  # noqa: E402
from fanout_client import loader  # noqa: E402

from tests.support.server import LiveServer, free_port  # noqa: E402

os.environ.setdefault("TABOUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("TABOUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class Target:
    """The servers under test: where clients connect, how a call is made, which pids to weigh."""

    targets: list[tuple[str, int]]
    auth: dict[str, str]
    pids: list[int]

    def call(self) -> str:
        raise NotImplementedError


@contextmanager
def tabour(servers: int, calls: int) -> Iterator[Target]:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fanout-")))
        database_url = redis_url = None
        if servers > 1:
            from tests.support.databases import fresh_postgres_database

            database_url = stack.enter_context(fresh_postgres_database())
            redis_url = os.environ["TABOUR_TEST_REDIS_URL"]
        first = LiveServer(instance=tmp / "a", database_url=database_url, redis_url=redis_url).start()
        stack.callback(first.stop)
        running = [first]
        for index in range(1, servers):
            other = LiveServer(instance=tmp / f"s{index}", database_url=database_url, redis_url=redis_url)
            other.tokens = first.tokens
            running.append(other.start())
            stack.callback(other.stop)
        clerk = first.staff("bench-supervisor", "supervisor", "test")
        for counter in ("1", "2"):  # open both counters (404 on a checkout from before API sign-in: not needed)
            session_open = requests.post(f"{first.url}/api/v1/centres/test/counters/{counter}/sign-in", headers=clerk)
            assert session_open.status_code in (200, 404), session_open.text
        kiosk = first.device("kiosk", "k1")
        session = requests.Session()
        for _ in range(calls + 5):
            session.post(f"{first.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=kiosk)
        target = Target()
        target.targets = [("127.0.0.1", s.port) for s in running]
        target.auth = {"token": first.tokens[("test", "display", "hall")]}
        target.pids = [s.process.pid for s in running if s.process]
        counters = iter(range(10**9))

        def call() -> str:
            counter = "1" if next(counters) % 2 == 0 else "2"
            response = session.post(f"{first.url}/api/v1/centres/test/counters/{counter}/call-next", headers=clerk)
            assert response.status_code == 200, response.text
            return str(response.json()["number"])

        target.call = call  # type: ignore[method-assign]
        yield target


@contextmanager
def bare(servers: int) -> Iterator[Target]:
    redis_url = os.environ["TABOUR_TEST_REDIS_URL"] if servers > 1 else None
    ports = [free_port() for _ in range(servers)]
    processes = []
    try:
        for port in ports:
            args = [sys.executable, str(ROOT / "bench" / "fanout_bare_server.py"), str(port)]
            process = subprocess.Popen([*args, *([redis_url] if redis_url else [])], stdout=subprocess.PIPE, text=True)
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            processes.append(process)
        time.sleep(0.3)
        session = requests.Session()
        target = Target()
        target.targets = [("127.0.0.1", port) for port in ports]
        target.auth = {"token": "any"}
        target.pids = [p.pid for p in processes]
        target.call = lambda: str(session.post(f"http://127.0.0.1:{ports[0]}/call").json()["number"])  # type: ignore[method-assign]
        yield target
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def one_run(target: Target, clients: int, loaders: int, calls: int, interval: float) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    pipes, procs = [], []
    share = [clients // loaders + (1 if i < clients % loaders else 0) for i in range(loaders)]
    rss_idle = [memory_mb(pid)[0] for pid in target.pids]
    started = time.monotonic()
    for count in share:
        mine, theirs = context.Pipe()
        proc = context.Process(target=loader, args=(target.targets, target.auth, count, theirs), daemon=True)
        proc.start()
        pipes.append(mine)
        procs.append(proc)
    ready = 0
    for pipe in pipes:
        if not pipe.poll(180):
            raise RuntimeError("load generator did not connect its clients within 180 s")
        report = pipe.recv()
        ready += report["ready"]
        if report["failed"]:
            print("  failed connections, e.g.:", report["failed"], file=sys.stderr)
    connect_seconds = time.monotonic() - started
    rss_connected = [memory_mb(pid)[0] for pid in target.pids]
    time.sleep(1.0)
    answered: dict[str, float] = {}
    api_ms = []
    for _ in range(calls):
        before = time.monotonic()
        number = target.call()
        answered[number] = time.monotonic()
        api_ms.append((answered[number] - before) * 1000)
        time.sleep(interval)
    time.sleep(1.0)
    for pipe in pipes:
        pipe.send("stop")
    latencies: list[float] = []
    received = 0
    for pipe in pipes:
        if not pipe.poll(60):
            raise RuntimeError("load generator did not report")
        report = pipe.recv()
        for number, times in report["received"].items():
            if number in answered:
                latencies.extend((t - answered[number]) * 1000 for t in times)
                received += len(times)
    for proc in procs:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
    peaks = [memory_mb(pid)[1] for pid in target.pids]
    return {
        "clients_ready": ready,
        "connect_s": round(connect_seconds, 1),
        "calls": calls,
        "expected": ready * calls,
        "received": received,
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
        "api_p50_ms": round(statistics.median(api_ms), 1),
        "rss_mb_idle": [round(r) for r in rss_idle],
        "rss_mb_connected": [round(r) for r in rss_connected],
        "rss_mb_peak": [round(p) for p in peaks],
    }


def summarise(name: str, runs: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    summary = {
        "scenario": name,
        "clients": args.clients,
        "servers": args.servers,
        "runs": len(runs),
        "median_p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "median_p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "median_max_ms": statistics.median(r["max_ms"] for r in runs),
        "lost": sum(r["expected"] - r["received"] for r in runs),
        "median_peak_rss_mb": statistics.median(max(r["rss_mb_peak"]) for r in runs),
        "max_peak_rss_mb": max(max(r["rss_mb_peak"]) for r in runs),
        "per_run": runs,
    }
    print(
        f"{name}: N={args.clients} servers={args.servers} p50={summary['median_p50_ms']} ms "
        f"p99={summary['median_p99_ms']} ms max={summary['median_max_ms']} ms lost={summary['lost']} "
        f"peak RSS={summary['median_peak_rss_mb']} MB (max {summary['max_peak_rss_mb']}) "
        f"(medians of {len(runs)} runs)",
        flush=True,
    )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--servers", type=int, default=1, choices=[1, 2])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--calls", type=int, default=15, help="call-next requests per run")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between calls")
    parser.add_argument("--loaders", type=int, default=4, help="load-generator processes")
    parser.add_argument("--only", choices=["tabour", "bare"], help="skip the other scenario")
    parser.add_argument("--reconnects", type=int, default=0, help="connect every client this many times first")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it
    # Every run starts fresh servers (a run is one hall's screens connecting once), Tabour then its
    # baseline, so each pair shares the machine's conditions. --reconnects N connects the clients N more
    # times to the same servers first (all screens coming back after a network cut).
    names = [n for n in ("tabour", "bare") if args.only in (None, n)]
    runs: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for index in range(args.runs):
        for name in names:
            start = tabour(args.servers, args.calls * (args.reconnects + 1)) if name == "tabour" else bare(args.servers)
            with start as target:
                for _again in range(args.reconnects):
                    one_run(target, args.clients, args.loaders, args.calls, args.interval)
                result = one_run(target, args.clients, args.loaders, args.calls, args.interval)
            print(f"  {name}-{args.servers}p run {index + 1}: {json.dumps(result)}", flush=True)
            runs[name].append(result)
            time.sleep(2)
    results = [summarise(f"{name}-{args.servers}p", runs[name], args) for name in names]
    append_results("fanout", results)


if __name__ == "__main__":
    main()
