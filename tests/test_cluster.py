"""deploy/cluster.py as an operator runs it: two server processes on PostgreSQL and Redis behind Debian's
nginx. Through the proxy: a call on one process reaches a screen's websocket, the visitor's own address
is recorded (not nginx's, and not one the client wrote itself), and /metrics is not served; a process
killed with kill -9 is started again and its screens come back through the proxy."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import create_engine, select

from queue_app.store.models import AuditEntry
from tests.support.cluster import running_cluster
from tests.test_realtime import hall_client

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is installed by make test (apt-test)")


def test_two_processes_behind_nginx(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    with running_cluster(tmp_path, postgres_url, redis_url, processes=2) as cluster:
        hall = cluster.hall
        assert requests.get(f"{hall.url}/metrics", timeout=30).status_code == 403

        # a visitor at 127.0.0.2 signs in through nginx (which connects from 127.0.0.1), writing a false
        # X-Forwarded-For of their own: the audit records 127.0.0.2
        hall.add_user("cluster-clerk", "supervisor", "test")
        connection = http.client.HTTPConnection("127.0.0.1", hall.port, timeout=30, source_address=("127.0.0.2", 0))
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
        display = {"token": cluster.display_token()}
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

        # kill -9 of one process: the cluster starts it again; the screens it served reconnect through nginx
        # and read the hall again; a call afterwards reaches every screen
        screens = [Screen(hall.url, display) for _ in range(2)]  # least_conn: one on each process, usually
        try:
            killed_at = time.monotonic()
            os.kill(cluster.pid_serving(1), signal.SIGKILL)
            cluster.wait_healthy(1)  # started again
            for screen_after in screens:
                assert screen_after.connected.wait(60), "a screen did not reconnect"
            resynced = [s.snapshots[-1] - killed_at for s in screens if s.snapshots[-1] > killed_at]
            print(f"screens that lost their process read the hall again after {resynced} s (bench/resync.py)")
            issued = requests.post(
                f"{hall.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=staff, timeout=30
            )
            assert issued.status_code == 201, issued.text
            called = requests.post(f"{hall.url}/api/v1/centres/test/counters/1/call-next", headers=staff, timeout=30)
            assert called.status_code == 200, called.text
            for screen_after in screens:
                assert called.json()["number"] in screen_after.wait_for_call(60)
        finally:
            for screen_after in screens:
                screen_after.sio.disconnect()


class Screen:
    """A hall screen through the proxy that reconnects by itself, as displays/static/display.js does."""

    def __init__(self, url: str, auth: dict[str, str]) -> None:
        self.snapshots: list[float] = []
        self.calls: list[str] = []
        self.connected = threading.Event()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2)
        self.sio.on("hall_snapshot", self._snapshot, namespace="/hall")
        self.sio.on("ticket_called", lambda data: self.calls.append(data["number"]), namespace="/hall")
        self.sio.on("disconnect", lambda *_: self.connected.clear(), namespace="/hall")
        self.sio.connect(url, namespaces=["/hall"], auth=auth, transports=["websocket"], wait_timeout=15)
        assert self.connected.wait(15)

    def _snapshot(self, _data: object) -> None:
        self.snapshots.append(time.monotonic())
        self.connected.set()

    def wait_for_call(self, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while not self.calls and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.calls
