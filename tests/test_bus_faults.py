"""The bus between server processes under faults, on a private Redis this test can freeze: a call never
waits on a frozen bus, /healthz names the bus as down, screens on the other process are told to read
their state again once it is back, and two deployments sharing one Redis never hear each other."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from tests.support.server import LiveServer, free_port
from tests.test_counter_console_browser import sign_in
from tests.test_realtime import hall_client, issue
from tests.test_supervisor_board import text_is


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 30

    while True:
        try:
            redis.Redis.from_url(url, socket_timeout=1).ping()
            break
        except redis.RedisError:
            assert time.monotonic() < deadline, "private redis-server did not start"
            time.sleep(0.1)
    try:
        yield url, process
    finally:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.browser
def test_a_frozen_bus_never_holds_a_call_and_screens_resync_after_it(
    tmp_path: Path, postgres_url: str, private_redis: tuple[str, subprocess.Popen[bytes]], browser: Any
) -> None:
    """Screens, the supervisor's board and a visitor's phone on the second process miss a call made on
    the first while Redis is frozen; once it is back they are told to resync, and show it."""
    redis_url, redis_process = private_redis
    first = LiveServer(instance=tmp_path / "a", database_url=postgres_url, redis_url=redis_url).start()
    second = LiveServer(instance=tmp_path / "b", database_url=postgres_url, redis_url=redis_url)
    other_deployment = LiveServer(instance=tmp_path / "c", redis_url=redis_url)  # its own (SQLite) database
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en")
    try:
        second.tokens = first.tokens
        second.start()
        other_deployment.start()
        clerk = first.clerk_at("2", "clerk-bus")
        call = f"{first.url}/api/v1/centres/test/counters/2/call-next"
        display = {"token": first.tokens[("test", "display", "hall")]}
        elsewhere = {"token": other_deployment.tokens[("test", "display", "hall")]}
        with hall_client(second.url, display) as on_b, hall_client(other_deployment.url, elsewhere) as on_c:
            on_b.wait("hall_snapshot")
            on_c.wait("hall_snapshot")
            # the bus works, within one deployment only
            issue(first)
            assert requests.post(call, headers=clerk, timeout=30).status_code == 200
            on_b.wait("ticket_called", timeout=15)
            first.add_user("sup-bus", "supervisor", "test")
            board = context.new_page()
            sign_in(board, second, "sup-bus", "/supervisor/test")
            board.wait_for_selector('#live[data-connected="true"]', timeout=15_000)
            time.sleep(1)
            assert "ticket_called" not in on_c.seen, "another deployment on the same Redis heard the call"

            os.kill(redis_process.pid, signal.SIGSTOP)  # Redis frozen: connections stay open, nothing answers
            during = issue(first)
            phone = context.new_page()
            phone.goto(str(during["tracking_url"]).replace(first.url, second.url) + "?lang=en")
            phone.wait_for_selector("#ticket[data-live='socket']", timeout=15_000)
            # the call is committed and answered; before, it waited on the bus for ever
            answered = requests.post(call, headers=clerk, timeout=60)
            assert answered.status_code == 200 and answered.json()["number"] == during["number"]
            health = requests.get(f"{first.url}/healthz", timeout=60)
            assert health.status_code == 503 and health.json() == {"status": "down", "database": "ok", "bus": "down"}

            os.kill(redis_process.pid, signal.SIGCONT)
            assert requests.get(f"{first.url}/healthz", timeout=60).json()["status"] == "ok"
            deadline = time.monotonic() + 60
            while "resync" not in on_b.seen:  # the first message through after the pause brings the resync
                assert time.monotonic() < deadline, on_b.seen
                issue(first)
                time.sleep(1)
            # the screen asks for its state again, and what it missed is in it
            on_b.sio.emit("snapshot", namespace="/hall")
            snapshot = on_b.wait("hall_snapshot", timeout=15)
            assert during["number"] in [c["number"] for c in snapshot["recent_calls"]]
            # the board and the phone caught up by themselves (live.js answers resync)
            text_is(board, '#counters tr[data-counter="2"] .current', str(during["number"]))
            phone.wait_for_selector("#turn:not([hidden])", timeout=15_000)
    finally:
        context.close()
        other_deployment.stop()
        second.stop()
        first.stop()
