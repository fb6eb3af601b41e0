"""deploy/cluster.py started as an operator starts it (N server processes on PostgreSQL and Redis behind
Debian's nginx), for tests/test_cluster.py and bench/resync.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from .server import ROOT, SMALL_CONFIG, LiveServer, free_port


@dataclass
class Cluster:
    process: subprocess.Popen[str]
    hall: LiveServer  # nginx's address: talked to like one server
    first_port: int  # the server processes listen on first_port, first_port + 1, ...

    def pid_serving(self, index: int) -> int:
        """The server process the cluster started on its index-th port (run.py ... --port N)."""
        port = str(self.first_port + index).encode()
        for proc in Path("/proc").iterdir():
            try:
                words = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(w.endswith(b"run.py") for w in words) and port in words:
                return int(proc.name)
        raise AssertionError(f"no server process on port {self.first_port + index}")

    def healthy(self, index: int) -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{self.first_port + index}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def wait_healthy(self, index: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "deploy/cluster.py stopped"
            if self.healthy(index):
                return
            time.sleep(0.2)
        raise AssertionError(f"server process {index} did not answer within {timeout} s")

    def display_token(self, centre: str = "test", display: str = "hall") -> str:
        """Pair a screen again from the CLI (the first run's links went to the cluster's output)."""
        output = self.hall.flask("devices", "pair", "display", display, "--centre", centre)
        return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("token: "))


@contextmanager
def running_cluster(
    folder: Path, postgres_url: str, redis_url: str, processes: int = 2, config: Path = SMALL_CONFIG
) -> Iterator[Cluster]:
    port, first = free_port(), _free_ports(processes)
    instance = folder / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_")}
    env.update(TABOUR_DATABASE_URL=postgres_url, TABOUR_REDIS_URL=redis_url, TABOUR_CONFIG=str(config))
    env["TABOUR_SECRET_KEY"] = "cluster-test-secret-not-for-production"
    command = [sys.executable, str(ROOT / "deploy" / "cluster.py"), "--processes", str(processes)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--first-port", str(first), "--instance", str(instance)]
    command += ["--config", str(config)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, text=True, start_new_session=True)
    hall = LiveServer(instance=instance, database_url=postgres_url, redis_url=redis_url, port=port)
    hall.secret_key = env["TABOUR_SECRET_KEY"]
    cluster = Cluster(process, hall, first)
    try:
        _wait_up(hall.url, process)
        for index in range(processes):
            cluster.wait_healthy(index)
        yield cluster
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def _wait_up(url: str, process: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "deploy/cluster.py stopped"
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the cluster did not answer within {timeout} s")


def _free_ports(count: int) -> int:
    """A free port whose next count - 1 are free too (the cluster's processes take consecutive ports)."""
    while True:
        first = free_port()
        try:
            for offset in range(1, count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", first + offset))
            return first
        except OSError:
            continue
