"""A national day, on loopback (issue 13): 52 centres in one deployment served by N processes on one
PostgreSQL database and one Redis; their kiosks issuing, their clerks calling, a hall screen per centre,
and 20,000 visitors' phones following their tickets (as track.js does).

Phases of a run (fresh database and servers each run):
  1. seed: --phones tickets issued through the kiosks' API, spread over the centres (their phones' tickets);
  2. connect: one screen per centre on /hall and one phone per ticket on /track, over the processes;
  3. the day: --seconds of clerks calling next (open loop, --calls per second over every counter of every
     centre) while kiosks issue --issues per second more; then the figures:
     calls per second held, errors, false 204s (every queue holds hundreds: any 204 is false), call -> screen
     and call -> the called phone (from the request's start, as a visitor sees it), phones' re-reads,
     kiosk latency, and the memory of each server process.

Run:  .venv/bin/python bench/national_day.py --processes 2 --phones 20000 --seconds 60 --runs 1
(PostgreSQL and Redis: TABOUR_TEST_POSTGRES_URL / TABOUR_TEST_REDIS_URL, by default the local servers that
`make test` uses.) Results: printed, and appended as JSON lines to bench/results/national_day.jsonl.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import append_results, cpu_seconds  # noqa: E402
from crowd_client import loader  # noqa: E402
from fanout import memory_mb, percentile  # noqa: E402

from tests.support.server import SMALL_CONFIG, LiveServer  # noqa: E402

os.environ.setdefault("TABOUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("TABOUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")

# each centre's counters that work the day, and the services they call (tests/fixtures/small_config.yaml)
COUNTERS = {"1": ("traffic", "residency"), "4": ("civil-id",), "6": ("medical",)}
SERVICES = ("traffic", "residency", "civil-id", "medical")


def national_config(folder: Path, centres: int) -> Path:
    """The test centre, `centres` times: c01 .. c52, one hall screen and one kiosk (a memory printer) each."""
    data = yaml.safe_load(SMALL_CONFIG.read_text(encoding="utf-8"))
    template = next(c for c in data["centres"] if c["code"] == "test")
    template["displays"] = [d for d in template["displays"] if d["code"] == "hall"]
    template["kiosks"] = [{**template["kiosks"][0], "printer": {"backend": "memory", "paper": 80}}]
    data["centres"] = []
    for index in range(1, centres + 1):
        centre = copy.deepcopy(template)
        centre["code"] = f"c{index:02d}"
        centre["names"] = {"ar": f"مركز {index}", "en": f"Centre {index}"}
        data["centres"].append(centre)
    path = folder / "national.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def add_clerks(database_url: str, centres: list[str]) -> None:
    """One clerk per working counter, written straight into the database (the CLI would start an app each)."""
    from queue_app.services import accounts
    from queue_app.store import models
    from queue_app.store.database import Database, utcnow

    db = Database(database_url)
    with db.transaction() as session:
        ids = {c.code: c.id for c in session.query(models.Centre).all()}
        for centre in centres:
            for counter in COUNTERS:
                name = f"{centre}-{counter}"
                accounts.create_user(session, name, "national-day-1", "clerk", ids[centre], utcnow(), 8)


class Recorder:
    """Thread-safe lists of what the driver saw."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: dict[tuple[str, str], tuple[float, float]] = {}  # (centre, number) -> (sent, answered)
        self.statuses: dict[str, dict[int, int]] = {"call": {}, "issue": {}}
        self.issue_ms: list[float] = []
        self.false_204 = 0

    def status(self, kind: str, code: int) -> None:
        with self.lock:
            self.statuses[kind][code] = self.statuses[kind].get(code, 0) + 1


def one_run(args: argparse.Namespace) -> dict[str, Any]:
    with ExitStack() as stack:
        from tests.support.databases import fresh_postgres_database

        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="national-")))
        database_url = stack.enter_context(fresh_postgres_database())
        redis_url = os.environ["TABOUR_TEST_REDIS_URL"]
        config = national_config(tmp, args.centres)
        centres = [f"c{i:02d}" for i in range(1, args.centres + 1)]
        started = time.monotonic()
        first = LiveServer(instance=tmp / "p0", config=config, database_url=database_url, redis_url=redis_url)
        first.start(timeout=300)
        stack.callback(first.stop)
        servers = [first]
        for index in range(1, args.processes):
            other = LiveServer(
                instance=tmp / f"p{index}", config=config, database_url=database_url, redis_url=redis_url
            )
            other.secret_key, other.tokens = first.secret_key, first.tokens
            servers.append(other.start(timeout=300))
            stack.callback(other.stop)
        print(f"  {args.processes} processes up in {time.monotonic() - started:.0f} s", flush=True)
        add_clerks(database_url, centres)
        urls = [s.url for s in servers]
        pids = [s.process.pid for s in servers if s.process]
        rss_idle = [round(memory_mb(pid)[0]) for pid in pids]

        # clerks sign in at their counters
        clerks: list[tuple[str, str, dict[str, str], str]] = []  # (centre, counter, headers, base url)
        for index, centre in enumerate(centres):
            base = urls[index % len(urls)]
            for counter in COUNTERS:
                body = {"username": f"{centre}-{counter}", "password": "national-day-1"}
                token = requests.post(f"{base}/api/v1/auth/token", json=body, timeout=30).json()["token"]
                headers = {"Authorization": f"Bearer {token}"}
                signed = requests.post(f"{base}/api/v1/centres/{centre}/counters/{counter}/sign-in", headers=headers)
                assert signed.status_code == 200, signed.text
                clerks.append((centre, counter, headers, base))

        # 1. the tickets the phones follow, issued at reception (the kiosks print; these need not)
        local = threading.local()

        def session() -> requests.Session:
            if not hasattr(local, "session"):
                local.session = requests.Session()
            return local.session  # type: ignore[no-any-return]

        def issue(index: int) -> dict[str, Any] | None:
            centre = centres[index % len(centres)]
            service = SERVICES[(index // len(centres)) % len(SERVICES)]
            _centre, _counter, headers, base = clerks[(index % len(centres)) * len(COUNTERS)]
            answer = session().post(
                f"{base}/api/v1/centres/{centre}/tickets", json={"service": service}, headers=headers, timeout=30
            )
            return answer.json() if answer.status_code == 201 else None

        seeded = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            tickets = [t for t in pool.map(issue, range(args.phones)) if t]
        seed_s = time.monotonic() - seeded
        print(f"  {len(tickets)} tickets seeded in {seed_s:.0f} s ({len(tickets) / seed_s:.0f}/s)", flush=True)
        by_code = {t["tracking_code"]: t for t in tickets}

        # 2. screens and phones
        context = multiprocessing.get_context("spawn")
        targets = [("127.0.0.1", s.port) for s in servers]
        screens = [(c, first.tokens[(c, "display", "hall")]) for c in centres]
        codes = [] if args.no_phones else list(by_code)  # the baseline: the same day without the phones
        pipes, procs = [], []
        connecting = time.monotonic()
        for part in range(args.loaders):
            mine, theirs = context.Pipe()
            proc = context.Process(
                target=loader,
                args=(targets, screens[part :: args.loaders], codes[part :: args.loaders], theirs),
                daemon=True,
            )
            proc.start()
            pipes.append(mine)
            procs.append(proc)
        connected, failures = 0, 0
        for pipe in pipes:
            if not pipe.poll(900):
                raise RuntimeError("a load generator did not connect its clients within 900 s")
            report = pipe.recv()
            connected += report["ready"]
            failures += report["failures"]
            if report["failed"]:
                print("  failed connections, e.g.:", report["failed"], file=sys.stderr)
        connect_s = time.monotonic() - connecting
        rss_connected = [round(memory_mb(pid)[0]) for pid in pids]
        print(f"  {connected} sockets connected in {connect_s:.0f} s ({failures} failed)", flush=True)

        # 3. the day: open-loop calls and issues
        seen = Recorder()

        def call(clerk: tuple[str, str, dict[str, str], str]) -> None:
            centre, counter, headers, base = clerk
            sent = time.monotonic()
            url = f"{base}/api/v1/centres/{centre}/counters/{counter}/call-next"
            answer = session().post(url, headers=headers, timeout=30)
            done = time.monotonic()
            seen.status("call", answer.status_code)
            if answer.status_code == 200:
                with seen.lock:
                    seen.calls[(centre, str(answer.json()["number"]))] = (sent, done)
            elif answer.status_code == 204:
                with seen.lock:
                    seen.false_204 += 1  # every queue holds hundreds all day long

        def more(index: int) -> None:
            centre = centres[index % len(centres)]
            sent = time.monotonic()
            answer = session().post(
                f"{urls[index % len(urls)]}/api/v1/centres/{centre}/tickets",
                json={"service": SERVICES[index % len(SERVICES)]},
                headers={"Authorization": f"Bearer {first.tokens[(centre, 'kiosk', 'k1')]}"},
                timeout=30,
            )
            seen.status("issue", answer.status_code)
            with seen.lock:
                seen.issue_ms.append((time.monotonic() - sent) * 1000)

        loader_pids = [proc.pid for proc in procs if proc.pid]
        cpu_before = ([cpu_seconds(p) for p in pids], [cpu_seconds(p) for p in loader_pids], time.process_time())
        day_start = time.monotonic()
        scheduled = 0
        with ThreadPoolExecutor(args.threads) as pool:
            events = sorted(
                [(i / args.calls, "call", i) for i in range(int(args.calls * args.seconds))]
                + [(i / args.issues, "issue", i) for i in range(int(args.issues * args.seconds))]
            )
            for offset, kind, index in events:
                delay = day_start + offset - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if kind == "call":
                    pool.submit(call, clerks[index % len(clerks)])
                else:
                    pool.submit(more, index)
                scheduled += 1
        day_s = time.monotonic() - day_start
        cpu_after = ([cpu_seconds(p) for p in pids], [cpu_seconds(p) for p in loader_pids], time.process_time())
        cores = os.cpu_count() or 1

        def share(before: float, after: float) -> float:
            """Of all the machine's cores over the day, the share used, in %."""
            return round(100 * (after - before) / (day_s * cores), 1)

        cpu = {
            "servers": share(sum(cpu_before[0]), sum(cpu_after[0])),
            "generators": share(sum(cpu_before[1]), sum(cpu_after[1])),
            "driver": share(cpu_before[2], cpu_after[2]),
        }
        rss_peak = [round(memory_mb(pid)[1]) for pid in pids]
        for pipe in pipes:
            pipe.send("stop")
        screen_ms: list[float] = []
        phone_ms: list[float] = []
        delivered = 0
        reads, read_ms, read_statuses, moves = 0, [], {}, 0
        for pipe in pipes:
            if not pipe.poll(120):
                raise RuntimeError("a load generator did not report")
            report = pipe.recv()
            for centre, received in report["screens"].items():
                for at, number in received:
                    if (centre, str(number)) in seen.calls:
                        screen_ms.append((at - seen.calls[(centre, str(number))][0]) * 1000)
                        delivered += 1
            for code, times in report["phones"].items():
                ticket = by_code.get(code)
                key = (ticket["centre"] if ticket else "", str(ticket["number"]) if ticket else "")
                if ticket and key in seen.calls and times:
                    phone_ms.append((times[0] - seen.calls[key][0]) * 1000)
            reads += report["reads"]
            read_ms += [x * 1000 for x in report["read_latencies"]]
            for status, count in report["read_statuses"].items():
                read_statuses[status] = read_statuses.get(status, 0) + count
            moves += report["place_frames"]
        for proc in procs:
            proc.join(timeout=20)
            if proc.is_alive():
                proc.kill()
        answered = len(seen.calls)
        errors = sum(n for s, n in seen.statuses["call"].items() if s not in (200, 204))
        errors += sum(n for s, n in seen.statuses["issue"].items() if s != 201)
        errors += sum(n for s, n in read_statuses.items() if int(s) != 200)
        return {
            "centres": args.centres,
            "processes": args.processes,
            "phones_connected": connected - len(screens),
            "connect_failures": failures,
            "connect_s": round(connect_s),
            "seed_per_s": round(len(tickets) / seed_s),
            "calls_asked_per_s": args.calls,
            "calls_held_per_s": round(answered / day_s, 2),
            "call_statuses": seen.statuses["call"],
            "false_204": seen.false_204,
            "errors": errors,
            "screen_p50_ms": round(percentile(screen_ms, 50), 1) if screen_ms else None,
            "screen_p99_ms": round(percentile(screen_ms, 99), 1) if screen_ms else None,
            "screen_max_ms": round(max(screen_ms), 1) if screen_ms else None,
            "screens_missed": answered - delivered,
            "phone_p50_ms": round(percentile(phone_ms, 50), 1) if phone_ms else None,
            "phone_p99_ms": round(percentile(phone_ms, 99), 1) if phone_ms else None,
            "phones_told": len(phone_ms),
            "place_frames": moves,
            "rereads": reads,
            "reread_per_s": round(reads / day_s),
            "reread_p50_ms": round(percentile(read_ms, 50), 1) if read_ms else None,
            "reread_p99_ms": round(percentile(read_ms, 99), 1) if read_ms else None,
            "issue_p50_ms": round(statistics.median(seen.issue_ms), 1) if seen.issue_ms else None,
            "issue_p99_ms": round(percentile(seen.issue_ms, 99), 1) if seen.issue_ms else None,
            "cpu_share_pct": cpu,  # of the machine's cores during the day
            "rss_mb_idle": rss_idle,
            "rss_mb_connected": rss_connected,
            "rss_mb_peak": rss_peak,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--centres", type=int, default=52)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--phones", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--calls", type=float, default=10.0, help="call-next per second, over every counter")
    parser.add_argument("--issues", type=float, default=5.0, help="kiosk tickets per second during the day")
    parser.add_argument("--threads", type=int, default=24, help="the driver's HTTP threads")
    parser.add_argument("--loaders", type=int, default=4, help="load-generator processes for the sockets")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-phones", action="store_true", help="the baseline: tickets seeded, no phone connected")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it
    runs = []
    for index in range(args.runs):
        result = one_run(args)
        print(f"  run {index + 1}: {json.dumps(result)}", flush=True)
        runs.append(result)
    append_results("national_day", runs)


if __name__ == "__main__":
    main()
