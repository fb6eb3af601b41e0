"""Resync after kill -9 behind nginx (issue 13): how long the screens and phones whose server process was
killed take to be connected again and up to date, over many kills.

deploy/cluster.py (--processes, default 2) on PostgreSQL and Redis behind Debian's nginx; --screens hall
screens and --phones visitors' phones connected through nginx with python-socketio clients that reconnect
as the pages do (display.js: 0.5 s doubling to 5 s; track.js: 1 s doubling to 10 s; both with
socket.io's random factor). Each run: kill -9 of one server process; for every client that lost its
connection, the time from the kill until it is connected again *and* has its state (a screen: a fresh
`hall_snapshot`; a phone: its ticket read again over HTTP, as track.js does on connect); then a call must
reach every screen. The next run starts once the killed process is back (the cluster restarts it).

Run:  .venv/bin/python bench/resync.py --runs 10 --screens 20 --phones 200
(PostgreSQL and Redis: TABOUR_TEST_POSTGRES_URL / TABOUR_TEST_REDIS_URL, as `make test` sets them.)
Results: printed, and appended as JSON lines to bench/results/resync.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import append_results  # noqa: E402

from tests.support.cluster import running_cluster  # noqa: E402
from tests.support.databases import fresh_postgres_database  # noqa: E402

os.environ.setdefault("TABOUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
os.environ.setdefault("TABOUR_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


class Client:
    """One screen or phone through nginx: when it lost its connection, and when it had its state again."""

    def __init__(self, url: str, namespace: str, auth: dict[str, str], delay: float, delay_max: float) -> None:
        self.url, self.namespace = url, namespace
        self.lost_at: float | None = None
        self.state_at: list[float] = []
        self.calls: list[str] = []
        self.sio = socketio.Client(reconnection=True, reconnection_delay=delay, reconnection_delay_max=delay_max)
        self.sio.on("disconnect", self._lost, namespace=namespace)
        if namespace == "/hall":
            self.sio.on("hall_snapshot", lambda _data: self.state_at.append(time.monotonic()), namespace=namespace)
            self.sio.on("ticket_called", lambda data: self.calls.append(data["number"]), namespace=namespace)
        else:
            self.code = auth["tracking_code"]
            self.sio.on("connect", self._read_ticket, namespace=namespace)
        self.sio.connect(url, namespaces=[namespace], auth=auth, transports=["websocket"], wait_timeout=30)

    def _lost(self, *_args: Any) -> None:
        if self.lost_at is None:
            self.lost_at = time.monotonic()

    def _read_ticket(self) -> None:
        threading.Thread(target=self._read, daemon=True).start()  # not in the client's event thread

    def _read(self) -> None:
        for _attempt in range(20):
            try:
                if requests.get(f"{self.url}/api/v1/tickets/{self.code}", timeout=10).status_code == 200:
                    self.state_at.append(time.monotonic())
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)

    def resynced_after(self, killed_at: float) -> float | None:
        """Seconds from the kill to its state again, if it lost its connection (None: it did not, or not yet)."""
        if self.lost_at is None or self.lost_at < killed_at:
            return None
        later = [at for at in self.state_at if at > self.lost_at]
        return later[0] - killed_at if later else float("inf")


def one_run(cluster: Any, clients: list[Client], staff: dict[str, str], victim: int, limit: float) -> dict[str, Any]:
    for client in clients:
        client.lost_at = None
    killed_at = time.monotonic()
    os.kill(cluster.pid_serving(victim), signal.SIGKILL)
    deadline = killed_at + limit
    while time.monotonic() < deadline:  # until every client that lost its process has its state again
        time.sleep(0.2)
        lost = [c for c in clients if c.lost_at is not None]
        if lost and all(c.resynced_after(killed_at) not in (None, float("inf")) for c in lost):
            break
    times = [t for c in clients if (t := c.resynced_after(killed_at)) is not None]
    cluster.wait_healthy(victim)
    back_s = time.monotonic() - killed_at
    hall = cluster.hall.url
    issued = requests.post(f"{hall}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=staff)
    called = requests.post(f"{hall}/api/v1/centres/test/counters/1/call-next", headers=staff, timeout=30)
    number = called.json()["number"] if called.status_code == 200 else None
    screens = [c for c in clients if c.namespace == "/hall"]
    reached = 0
    until = time.monotonic() + 30
    while time.monotonic() < until:
        reached = sum(1 for s in screens if number in s.calls)
        if reached == len(screens):
            break
        time.sleep(0.1)
    done = [t for t in times if t != float("inf")]
    return {
        "lost": len(times),
        "resynced": len(done),
        "median_s": round(statistics.median(done), 2) if done else None,
        "max_s": round(max(done), 2) if done else None,
        "over_5s": sum(1 for t in done if t > 5),
        "process_back_s": round(back_s, 1),
        "call_reached_every_screen": reached == len(screens),
        "issued": issued.status_code,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--screens", type=int, default=20)
    parser.add_argument("--phones", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--limit", type=float, default=60, help="seconds a run waits for every client")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="resync-") as folder, fresh_postgres_database() as database_url:
        redis_url = os.environ["TABOUR_TEST_REDIS_URL"]
        with running_cluster(Path(folder), database_url, redis_url, processes=args.processes) as cluster:
            hall = cluster.hall
            hall.add_user("resync-clerk", "supervisor", "test")
            body = {"username": "resync-clerk", "password": "secret-pass-1"}
            token = requests.post(f"{hall.url}/api/v1/auth/token", json=body, timeout=30).json()["token"]
            staff = {"Authorization": f"Bearer {token}"}
            signed = requests.post(f"{hall.url}/api/v1/centres/test/counters/1/sign-in", headers=staff, timeout=30)
            assert signed.status_code == 200, signed.text
            codes = []
            for _ in range(args.phones):
                issued = requests.post(
                    f"{hall.url}/api/v1/centres/test/tickets", json={"service": "residency"}, headers=staff
                )
                codes.append(issued.json()["tracking_code"])
            display = {"token": cluster.display_token()}
            with ThreadPoolExecutor(16) as pool:
                screens = list(pool.map(lambda _i: Client(hall.url, "/hall", display, 0.5, 5), range(args.screens)))
                phones = list(pool.map(lambda c: Client(hall.url, "/track", {"tracking_code": c}, 1, 10), codes))
            clients = screens + phones
            time.sleep(2)
            runs = []
            for index in range(args.runs):
                result = one_run(cluster, clients, staff, index % args.processes, args.limit)
                print(f"  run {index + 1}: {json.dumps(result)}", flush=True)
                runs.append(result)
                # the cluster gives up past 5 restarts a minute (deploy/cluster.py): one kill every 15 s at most
                time.sleep(max(0.0, 15 - result["process_back_s"]) + 1)
            for client in clients:
                client.sio.disconnect()
    worst = [r["max_s"] for r in runs if r["max_s"] is not None]
    summary = {
        "processes": args.processes,
        "screens": args.screens,
        "phones": args.phones,
        "runs": len(runs),
        "clients_lost_per_run": [r["lost"] for r in runs],
        "all_resynced": all(r["resynced"] == r["lost"] for r in runs),
        "median_of_medians_s": round(statistics.median(r["median_s"] for r in runs if r["median_s"]), 2),
        "median_of_max_s": round(statistics.median(worst), 2) if worst else None,
        "max_s": max(worst) if worst else None,
        "calls_reached_every_screen": all(r["call_reached_every_screen"] for r in runs),
    }
    print(json.dumps(summary), flush=True)
    append_results("resync", [{**summary, "each": runs}])


if __name__ == "__main__":
    main()
