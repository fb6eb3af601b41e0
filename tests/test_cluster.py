"""deploy/cluster.py as an operator runs it: two server processes on PostgreSQL and Redis behind Debian's
nginx. Through the proxy: a call on one process reaches a screen's websocket, the visitor's own address
is recorded (not nginx's, and not one the client wrote itself), and /metrics is not served."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select

from queue_app.store.models import AuditEntry
from tests.support.server import ROOT, SMALL_CONFIG, LiveServer, free_port
from tests.test_realtime import hall_client

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is installed by make test (apt-test)")


def wait_until_up(url: str, process: subprocess.Popen[str], timeout: float = 120) -> None:
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


def test_two_processes_behind_nginx(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    port, first = free_port(), _two_free_ports()
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_")}
    env.update(TABOUR_DATABASE_URL=postgres_url, TABOUR_REDIS_URL=redis_url, TABOUR_CONFIG=str(SMALL_CONFIG))
    env["TABOUR_SECRET_KEY"] = "cluster-test-secret-not-for-production"
    command = [sys.executable, str(ROOT / "deploy" / "cluster.py"), "--processes", "2", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--first-port", str(first), "--instance", str(instance)]
    command += ["--config", str(SMALL_CONFIG)]
    cluster = subprocess.Popen(command, cwd=ROOT, env=env, text=True, start_new_session=True)
    # the hall's address is nginx's: the helper talks to it like to one server
    hall = LiveServer(instance=instance, database_url=postgres_url, redis_url=redis_url, port=port)
    hall.secret_key = env["TABOUR_SECRET_KEY"]
    try:
        wait_until_up(hall.url, cluster)
        for process_port in (first, first + 1):  # both processes serve
            assert requests.get(f"http://127.0.0.1:{process_port}/healthz", timeout=30).status_code == 200
        assert requests.get(f"{hall.url}/metrics", timeout=30).status_code == 403

        # a visitor at 127.0.0.2 signs in through nginx (which connects from 127.0.0.1), writing a false
        # X-Forwarded-For of their own: the audit records 127.0.0.2
        hall.add_user("cluster-clerk", "supervisor", "test")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=("127.0.0.2", 0))
        body = json.dumps({"username": "cluster-clerk", "password": "secret-pass-1"})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.9"}
        connection.request("POST", "/api/v1/auth/token", body=body, headers=headers)
        answer = connection.getresponse()
        assert answer.status == 200
        token = json.loads(answer.read())["token"]
        connection.close()
        engine = create_engine(postgres_url)
        with engine.connect() as db:
            ips = db.scalars(select(AuditEntry.ip).where(AuditEntry.actor == "cluster-clerk")).all()
        engine.dispose()
        assert ips == ["127.0.0.2"]

        # calls through the proxy reach a screen connected through the proxy, whichever process serves each
        staff = {"Authorization": f"Bearer {token}"}
        signed = requests.post(f"{hall.url}/api/v1/centres/test/counters/1/sign-in", headers=staff, timeout=30)
        assert signed.status_code == 200, signed.text
        display = {"token": _display_token(hall)}
        with hall_client(hall.url, display) as screen:
            screen.wait("hall_snapshot")
            numbers = []
            for _ in range(4):
                issued = requests.post(
                    f"{hall.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=staff, timeout=30
                )
                assert issued.status_code == 201, issued.text
                call = f"{hall.url}/api/v1/centres/test/counters/1/call-next"
                numbers.append(requests.post(call, headers=staff, timeout=30).json()["number"])
            heard = [screen.wait("ticket_called")["number"] for _ in numbers]
            assert heard == numbers
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        cluster.wait(timeout=60)


def _two_free_ports() -> int:
    """A free port whose next one is free too (the cluster's processes take consecutive ports)."""
    while True:
        first = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", first + 1))
                return first
            except OSError:
                continue


def _display_token(hall: LiveServer) -> str:
    """Pair the hall screen again from the CLI (the first run's links went to the cluster's output)."""
    output = hall.flask("devices", "pair", "display", "hall", "--centre", "test")
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("token: "))
