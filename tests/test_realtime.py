"""Namespace `/hall` through real servers and real python-socketio clients (websocket transport)."""

from __future__ import annotations

import queue
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.support.server import LiveServer

HALL_KEYS = {"centre", "names", "at", "counters", "services", "recent_calls"}


class HallClient:
    """A real Socket.IO client in `/hall` that queues every event it receives."""

    def __init__(self) -> None:
        self.sio = socketio.Client(reconnection=False)
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.seen: list[str] = []  # every event name received, in order (wait() consumes `events`)
        self.received: list[tuple[str, Any]] = []  # every event with its data, in order
        for name in ("hall_snapshot", "ticket_called", "queue_changed", "counter_changed", "resync"):
            self.sio.on(name, lambda data, _name=name: self._got(_name, data), namespace="/hall")

    def _got(self, name: str, data: Any) -> None:
        self.seen.append(name)
        self.received.append((name, data))
        self.events.put((name, data))

    def connect(self, url: str, auth: dict[str, str] | None, headers: dict[str, str] | None = None) -> HallClient:
        self.sio.connect(
            url, namespaces=["/hall"], auth=auth, headers=headers or {}, transports=["websocket"], wait_timeout=15
        )
        return self

    def wait(self, name: str, timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if got == name:
                return data
        raise AssertionError(f"no {name} within {timeout} s")


@contextmanager
def hall_client(url: str, auth: dict[str, str] | None, headers: dict[str, str] | None = None) -> Iterator[HallClient]:
    client = HallClient().connect(url, auth, headers)
    try:
        yield client
    finally:
        client.sio.disconnect()


def issue(server: LiveServer, service: str = "traffic") -> dict[str, Any]:
    response = requests.post(
        f"{server.url}/api/v1/centres/test/tickets", json={"service": service}, headers=server.device("kiosk", "k1")
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.mark.parametrize("auth", [None, {}, {"token": "not-a-token"}, "kiosk"], ids=["none", "empty", "bad", "kiosk"])
def test_hall_refuses_anything_but_a_display_token(live_server: LiveServer, auth: Any) -> None:
    if auth == "kiosk":
        auth = {"token": live_server.tokens[("test", "kiosk", "k1")]}
    with pytest.raises(socketio.exceptions.ConnectionError):
        HallClient().connect(live_server.url, auth)


def _clerk(server: LiveServer) -> dict[str, str]:
    if not hasattr(server, "_clerk_headers"):
        server._clerk_headers = server.clerk_at("1", "clerk-rt")  # type: ignore[attr-defined]
    return server._clerk_headers  # type: ignore[attr-defined,no-any-return]


def test_display_gets_snapshot_then_calls_queue_and_counter_changes(live_server: LiveServer) -> None:
    token = live_server.tokens[("test", "display", "hall")]
    ticket = issue(live_server)
    clerk = _clerk(live_server)  # signed in at counter 1 before the screens connect
    other = live_server.tokens[("other", "display", "hall")]
    above_counter = {"token": live_server.tokens[("test", "display", "counter-1")]}
    with (
        hall_client(live_server.url, {"token": token}) as client,
        hall_client(live_server.url, {"token": other}) as elsewhere,
        hall_client(live_server.url, above_counter) as small,
    ):
        assert elsewhere.wait("hall_snapshot")["centre"] == "other"
        snapshot = client.wait("hall_snapshot")
        assert set(snapshot) >= HALL_KEYS
        api = requests.get(f"{live_server.url}/api/v1/centres/test/hall").json()
        assert set(snapshot) == set(api)
        assert {s["code"]: s["waiting"] for s in snapshot["services"]}["traffic"] == 1
        response = requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk)
        assert response.status_code == 200
        called = client.wait("ticket_called")
        assert called["number"] == ticket["number"] and called["recall"] is False
        assert called["counter"]["code"] == "1" and called["counter"]["names"]["ar"]
        assert called["service"]["code"] == "traffic" and called["service"]["names"]["en"]
        assert called["zone"] == "main" and called["called_at"].endswith("Z")
        changed = small.wait("counter_changed")  # the screen above counter 1
        assert changed["counter"]["code"] == "1" and changed["counter"]["current"]["number"] == ticket["number"]
        waiting = client.wait("queue_changed")
        assert "counter_changed" not in client.seen  # the hall screen shows calls and counts only
        assert {s["code"]: s["waiting"] for s in waiting["services"]}["traffic"] == 0
        requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/recall", headers=_clerk(live_server))
        recalled = client.wait("ticket_called")
        assert recalled["number"] == ticket["number"] and recalled["recall"] is True
        with pytest.raises(AssertionError):
            elsewhere.wait("ticket_called", timeout=0.3)  # another centre's screen hears nothing of this one


def test_call_on_one_process_reaches_a_display_on_another(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    """Two server processes, one PostgreSQL database, one Redis message queue."""
    first = LiveServer(instance=tmp_path / "a", database_url=postgres_url, redis_url=redis_url).start()
    try:
        second = LiveServer(instance=tmp_path / "b", database_url=postgres_url, redis_url=redis_url)
        second.tokens = first.tokens  # paired once, in the shared database
        second.start()
        try:
            token = first.tokens[("test", "display", "hall")]
            with hall_client(second.url, {"token": token}) as on_b:
                on_b.wait("hall_snapshot")
                ticket = issue(first)
                clerk = first.clerk_at("2", "clerk-redis")
                answered = requests.post(f"{first.url}/api/v1/centres/test/counters/2/call-next", headers=clerk)
                assert answered.status_code == 200
                called = on_b.wait("ticket_called", timeout=15)
                assert called["number"] == ticket["number"] and called["counter"]["code"] == "2"
                assert on_b.wait("queue_changed", timeout=15)["centre"] == "test"
        finally:
            second.stop()
    finally:
        first.stop()


def test_snapshot_goes_only_to_the_screen_that_connects(live_server: LiveServer) -> None:
    """A screen gets one snapshot when it connects, not one more each time another screen connects."""
    auth = {"token": live_server.tokens[("test", "display", "hall")]}
    with hall_client(live_server.url, auth) as first:
        first.wait("hall_snapshot")
        with hall_client(live_server.url, auth) as second:
            second.wait("hall_snapshot")
            time.sleep(0.5)
            later = [name for name, _data in list(first.events.queue)]
            assert "hall_snapshot" not in later, later


def test_a_phone_hears_its_new_place_only_when_places_change(live_server: LiveServer) -> None:
    """A plain ticket joining the end moves nobody (no frame to every phone in the queue); a priority
    ticket goes ahead of people, and a call moves everyone up: the phone is told its new place and wait,
    the same place the API gives, without reading its ticket again."""
    mine = issue(live_server)
    heard: queue.Queue[Any] = queue.Queue()
    phone = socketio.Client(reconnection=False)
    phone.on("place_changed", heard.put, namespace="/track")
    phone.connect(
        live_server.url,
        namespaces=["/track"],
        auth={"tracking_code": mine["tracking_code"]},
        transports=["websocket"],
        wait_timeout=5,
    )

    def read() -> dict[str, Any]:
        return dict(requests.get(f"{live_server.url}/api/v1/tickets/{mine['tracking_code']}").json())

    try:
        before = read()["position"]
        issue(live_server)
        with pytest.raises(queue.Empty):
            heard.get(timeout=2)
        elderly = requests.post(
            f"{live_server.url}/api/v1/centres/test/tickets",
            json={"service": "traffic", "priority": "elderly"},
            headers=live_server.device("kiosk", "k1"),
        )
        assert elderly.status_code == 201, elderly.text
        behind = heard.get(timeout=15)
        assert behind["tracking_code"] == mine["tracking_code"]
        assert behind["position"] == before + 1 == read()["position"]
        low, high = behind["eta_range"]
        assert 0 <= low <= behind["eta_minutes"] <= high
        called = requests.post(
            f"{live_server.url}/api/v1/centres/test/counters/1/call-next", headers=_clerk(live_server)
        )
        assert called.status_code == 200 and called.json()["number"] != mine["number"]
        moved_up = heard.get(timeout=15)
        assert moved_up["position"] == before == read()["position"]
        assert set(moved_up) == {"tracking_code", "position", "eta_minutes", "eta_range"}  # one service, not a visit
    finally:
        phone.disconnect()


def signed_in_cookie(server: LiveServer, username: str) -> dict[str, str]:
    """The Cookie header of a browser session signed in on the site's form."""
    browser = requests.Session()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', browser.get(server.url + "/login").text)
    assert token is not None
    form = {"username": username, "password": "secret-pass-1", "csrf_token": token.group(1)}
    assert browser.post(server.url + "/login", data=form).status_code == 200
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())}


def test_a_supervisor_of_some_bodies_hears_only_those_bodies(live_server: LiveServer) -> None:
    """A Ministry of Health supervisor's board socket carries Health's services and counters, never the
    Interior's (before, the board hid them but the socket carried every event of the centre)."""
    server = live_server
    server.flask("users", "add", "hana", "--role", "supervisor", "--centre", "test", "--bodies", "civil-health",
                 stdin="secret-pass-1\n")  # fmt: skip
    server.add_user("sami", "supervisor", "test")
    scoped_cookie, whole_cookie = signed_in_cookie(server, "hana"), signed_in_cookie(server, "sami")
    with (
        hall_client(server.url, {"centre": "test"}, scoped_cookie) as scoped,
        hall_client(server.url, {"centre": "test"}, whole_cookie) as whole,
    ):
        snapshot = scoped.wait("hall_snapshot")
        assert {s["code"] for s in snapshot["services"]} == {"civil-id", "medical"}
        assert {c["code"] for c in snapshot["counters"]} == {"4", "5", "6"}
        assert {s["code"] for s in whole.wait("hall_snapshot")["services"]} == {
            "traffic",
            "residency",
            "civil-id",
            "medical",
        }

        issue(server, "traffic")
        assert any(s["code"] == "traffic" for s in whole.wait("queue_changed")["services"])
        server.clerk_at("1", "desk1")  # an Interior counter opens ...
        assert whole.wait("counter_changed")["counter"]["code"] == "1"
        issue(server, "medical")
        server.clerk_at("6", "desk6")  # ... then a Health one
        assert scoped.wait("counter_changed")["counter"]["code"] == "6"
        heard = scoped.received
        assert "queue_changed" in scoped.seen  # the Health queue's change reached it
        assert all(s["code"] in ("civil-id", "medical") for name, data in heard if name == "queue_changed"
                   for s in data["services"])  # fmt: skip
        assert scoped.seen.count("counter_changed") == 1  # counter 1's change never reached it
