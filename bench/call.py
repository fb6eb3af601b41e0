"""Benchmark call-next: 20 counters calling at once over shared services, on SQLite, one server process.

    .venv/bin/python bench/call.py [--counters 20] [--tickets 4000] [--runs 3] [--auto] [--rate 500]
                                   [--family-share 0.2] [--baseline DIR]   (another checkout: git worktree add)

Each run starts `run.py` (gevent, TCP_NODELAY listener) on a fresh SQLite file with a generated config
(the small test config; centre `test` gets N counters that all serve all four services, so every call
races for the same few candidates), pre-issues tickets through the API, then starts one client process
per counter. A client holds ONE keep-alive HTTP/1.1 connection (raw socket, TCP_NODELAY) and loops
`call-next` then `complete` (or only `call-next` with --auto: the next call completes the previous
ticket) until the queue is empty (204). Afterwards the database must show every ticket called exactly
once per leg and done, and the numbers the clients received must be exactly the issued ones.
`--family-share F`: that share of the tickets are family visits of two services (docs/visits.md); each
visit is called once per service, its second leg joining a queue when the first is done.

Figures: call-next requests per second over the wall time of the run, call-next p50/p99 latency
(complete latency shown too). Medians over the runs. Loopback only; every loop is bounded.

Two ways to load the server:
- closed loop (the default): each counter calls again as soon as it has its answer. This measures the
  most calls per second the server can give; latency is then only the queue of the other counters
  (Little's law: 20 counters at 500 calls/s wait 40 ms on average, whatever one call costs).
- open loop (`--rate R`): the counters call on a fixed timetable, R calls per second between them
  (counter c calls at t0 + (k + c/N) * N/R), as clerks do, who do not wait for each other. Latency is
  measured from the time the call was due, so a server that falls behind is charged for the calls that
  waited (no coordinated omission). This is the latency a clerk sees at a given hall-wide call rate.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("traffic", "residency", "civil-id", "medical")
TARGET_PER_SECOND = 500
TARGET_P99_MS = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(directory: Path, counters: int) -> Path:
    """The small test config with high daily caps and N counters on centre `test` serving every service."""
    text = (ROOT / "tests" / "fixtures" / "small_config.yaml").read_text()
    text = re.sub(r"daily_cap: \d+", "daily_cap: 9999", text)
    head, rest = text.split("    counters:\n", 1)
    tail = rest[rest.index("    displays:\n") :]
    block = "".join(
        f'      - code: "{i}"\n'
        f'        names: {{ar: "كاونتر {i}", en: "Counter {i}"}}\n'
        "        zone: main\n"
        f"        services: [{', '.join(SERVICES[i % 4 :] + SERVICES[: i % 4])}]\n"
        for i in range(1, counters + 1)
    )
    path = directory / "bench-call.yaml"
    path.write_text(head + "    counters:\n" + block + tail)
    return path


class Connection:
    """A keep-alive HTTP/1.1 client on a raw socket with TCP_NODELAY (Content-Length bodies only)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.host = f"127.0.0.1:{port}"

    def request(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> tuple[int, bytes]:
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(payload)}"]
        lines += ["Content-Type: application/json"] if body is not None else []
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        length = int(match.group(1)) if match else 0
        while len(self.buffer) < length:
            self._fill()
        data, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, data

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk


def counter_client(
    port: int, counter: str, auth: str, auto: bool, ready: Any, go: Any, results: Any, interval: float, offset: float
) -> None:
    """One counter: call-next (+ complete) until nobody waits; report latencies and the numbers called.
    With `interval` > 0 the k-th call is due at start + offset + k * interval (open loop), and its latency
    counts from then."""
    headers = {"Authorization": auth}
    base = f"/api/v1/centres/test/counters/{counter}"
    connection = Connection(port)
    calls: list[float] = []
    completes: list[float] = []
    numbers: list[str] = []
    errors: list[str] = []
    ready.release()
    go.wait()
    started = time.monotonic()
    timetable = time.perf_counter() + offset
    for k in range(100_000):  # bounded: far more than any run issues
        sent = time.perf_counter()
        if interval > 0:
            due = timetable + k * interval
            if due > sent:
                time.sleep(due - sent)
            sent = due
        status, body = connection.request("POST", base + "/call-next", headers)
        calls.append((time.perf_counter() - sent) * 1000)
        if status == 204:
            break
        if status != 200:
            errors.append(f"call-next {status} {body[:160]!r}")
            break
        numbers.append(json.loads(body)["number"])
        if not auto:
            sent = time.perf_counter()
            status, body = connection.request("POST", base + "/complete", headers)
            completes.append((time.perf_counter() - sent) * 1000)
            if status != 200:
                errors.append(f"complete {status} {body[:160]!r}")
                break
    results.put((counter, calls, completes, numbers, errors, started, time.monotonic()))


def start_server(directory: Path, config: Path, root: Path = ROOT) -> tuple[subprocess.Popen[str], int, dict[str, str]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_")}
    env.update(
        TABOUR_INSTANCE=str(directory),
        TABOUR_CONFIG=str(config),
        TABOUR_SECRET_KEY="bench-secret-key",
        TABOUR_DATABASE_URL=f"sqlite:///{directory / 'tabour.db'}",
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, str(root / "run.py"), "--config", str(config), "--port", str(port)]
    log = open(directory / "server.log", "a")  # noqa: SIM115 - kept open for the process
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Tabour is serving on"):
            break
    else:
        raise RuntimeError(f"server exited: see {log.name}")
    password = "counters-call-fast-2026"
    # a supervisor opens every counter (a clerk holds one counter at a time) and calls at each
    add = [sys.executable, "-m", "flask", "--app", "queue_app", "users", "add", "bench", "--role", "supervisor"]
    subprocess.run(
        [*add, "--centre", "test"], cwd=root, env=env, input=password + "\n", check=True, capture_output=True, text=True
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token",
        data=json.dumps({"username": "bench", "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        token = json.load(answer)["token"]
    return process, port, {"Authorization": f"Bearer {token}"}


def open_counters(port: int, headers: dict[str, str], counters: int) -> None:
    """Sign in at every counter (a closed counter takes no calls). A checkout from before sign-in existed
    in the API answers 404 here and needs none: the baseline runs unchanged."""
    for code in range(1, counters + 1):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/centres/test/counters/{code}/sign-in", headers=headers, method="POST"
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise


def issue_tickets(port: int, headers: dict[str, str], total: int, family_share: float = 0.0) -> list[str]:
    """Pre-issue `total` tickets spread over the four services (staff-issued: no printing); every
    1/`family_share`-th one a family visit of two services. The numbers, once per leg (one call each)."""
    every = round(1 / family_share) if family_share else 0

    def issue(indices: range) -> list[str]:
        connection = Connection(port)
        numbers = []
        for i in indices:
            body: dict[str, Any] = {"source": "staff", "priority": "elderly" if i % 17 == 0 else "none"}
            if every and i % every == 0:
                body["legs"] = [{"service": SERVICES[i % 4]}, {"service": SERVICES[(i + 1) % 4]}]
            else:
                body["service"] = SERVICES[i % 4]
            status, data = connection.request("POST", "/api/v1/centres/test/tickets", headers, body)
            if status != 201:
                raise RuntimeError(f"issue: {status} {data[:200]!r}")
            numbers += [json.loads(data)["number"]] * len(body.get("legs", [None]))
        return numbers

    workers = 8
    chunks = [range(w, total, workers) for w in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        return [n for chunk in pool.map(issue, chunks) for n in chunk]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def verify(database: Path, issued: list[str], called: list[str]) -> dict[str, int]:
    """Every ticket called exactly once per leg (events), all done, and the clients got exactly the issued
    numbers (`issued`: a number once per leg)."""
    with sqlite3.connect(database) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(tickets)")}
        legs = "t.legs" if "legs" in columns else "1"  # a baseline from before family visits
        twice = db.execute(
            "SELECT COUNT(*) FROM (SELECT t.id FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id"
            f" AND e.kind = 'called' GROUP BY t.id HAVING COUNT(e.id) <> MAX({legs}))"
        ).fetchone()[0]
        never = db.execute(
            "SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS"
            " (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'called')"
        ).fetchone()[0]
        not_done = db.execute("SELECT COUNT(*) FROM tickets WHERE status <> 'done'").fetchone()[0]
    duplicates = sum((Counter(called) - Counter(issued)).values())
    missing = sum((Counter(issued) - Counter(called)).values())
    return {
        "called_twice": twice,
        "never_called": never,
        "not_done": not_done,
        "dup_numbers": duplicates,
        "missing": missing,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(
    counters: int, tickets: int, auto: bool, rate: float = 0.0, root: Path = ROOT, family_share: float = 0.0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="tabour-bench-call-") as tmp:
        directory = Path(tmp)
        config = write_config(directory, counters)
        process, port, headers = start_server(directory, config, root)
        try:
            open_counters(port, headers, counters)
            issued = issue_tickets(port, headers, tickets, family_share)
            ctx = mp.get_context("spawn")
            ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
            clients = [
                ctx.Process(
                    target=counter_client,
                    args=(
                        port,
                        str(c),
                        headers["Authorization"],
                        auto,
                        ready,
                        go,
                        results,
                        counters / rate if rate else 0.0,
                        (c - 1) / rate if rate else 0.0,
                    ),
                )
                for c in range(1, counters + 1)
            ]
            for client in clients:
                client.start()
            for _ in clients:
                if not ready.acquire(timeout=60):
                    raise RuntimeError("a client did not connect")
            cpu_before = cpu_seconds(process.pid)
            go.set()
            collected = [results.get(timeout=600) for _ in clients]
            server_cpu = cpu_seconds(process.pid) - cpu_before
            for client in clients:
                client.join(timeout=30)
        finally:
            process.terminate()
            process.wait(timeout=15)
        calls = [x for c in collected for x in c[1]]
        completes = [x for c in collected for x in c[2]]
        called = [n for c in collected for n in c[3]]
        errors = [e for c in collected for e in c[4]]
        seconds = max(c[6] for c in collected) - min(c[5] for c in collected)
        checks = verify(directory / "tabour.db", issued, called)
    return {
        "tickets": len(set(issued)),
        "calls": len(called),
        "seconds": round(seconds, 3),
        "calls_per_s": round(len(called) / seconds, 1),
        # CPU the server spent per request: steadier than throughput on a shared machine
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, len(calls) + len(completes)), 3),
        "requests_per_s": round((len(calls) + len(completes)) / seconds, 1),
        "call_p50_ms": round(percentile(calls, 50), 2),
        "call_p99_ms": round(percentile(calls, 99), 2),
        "complete_p50_ms": round(percentile(completes, 50), 2) if completes else None,
        "complete_p99_ms": round(percentile(completes, 99), 2) if completes else None,
        "errors": errors[:5],
        **checks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counters", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--auto", action="store_true", help="call-next only (it completes the previous ticket)")
    parser.add_argument("--rate", type=float, default=0.0, help="open loop: calls per second over all counters")
    parser.add_argument("--baseline", type=Path, help="another checkout, run alternately with this one")
    parser.add_argument("--family-share", type=float, default=0.0, help="share of two-service family visits")
    parser.add_argument(
        "--baseline-family-share", type=float, default=None, help="the baseline's share (default: --family-share)"
    )
    args = parser.parse_args()
    baseline_share = args.family_share if args.baseline_family_share is None else args.baseline_family_share
    runs, baseline_runs = [], []
    for i in range(args.runs):
        result = one_run(args.counters, args.tickets, args.auto, args.rate, family_share=args.family_share)
        print(f"run {i + 1}: {json.dumps(result)}", flush=True)
        runs.append(result)
        if args.baseline:
            result = one_run(args.counters, args.tickets, args.auto, args.rate, args.baseline.resolve(), baseline_share)
            print(f"baseline run {i + 1}: {json.dumps(result)}", flush=True)
            baseline_runs.append(result)
    keys = (
        "calls_per_s",
        "requests_per_s",
        "server_cpu_ms_per_request",
        "call_p50_ms",
        "call_p99_ms",
        "complete_p50_ms",
        "complete_p99_ms",
    )
    median = {k: statistics.median(r[k] for r in runs) for k in keys if runs[0][k] is not None}
    if baseline_runs:
        base = {k: statistics.median(r[k] for r in baseline_runs) for k in keys if baseline_runs[0][k] is not None}
        print(f"baseline median over {len(baseline_runs)} runs ({args.baseline}): {json.dumps(base)}")
    ok = all(
        r["called_twice"] == r["never_called"] == r["not_done"] == r["dup_numbers"] == r["missing"] == 0 for r in runs
    )
    ok = ok and all(not r["errors"] for r in runs)
    print(f"median over {len(runs)} runs: {json.dumps(median)}")
    print("every ticket called exactly once: " + ("yes" if ok else "NO"))
    if args.rate:
        kept_up = median["calls_per_s"] >= 0.97 * args.rate
        fast = median["call_p99_ms"] <= TARGET_P99_MS
        print(f"  {'met   ' if kept_up else 'MISSED'} kept up with {args.rate:.0f} calls/s (open loop)")
        print(f"  {'met   ' if fast else 'MISSED'} call-next p99 <= {TARGET_P99_MS:.0f} ms at that rate")
    else:
        print(
            f"  {'met   ' if median['calls_per_s'] >= TARGET_PER_SECOND else 'MISSED'} >= {TARGET_PER_SECOND} calls/s"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
