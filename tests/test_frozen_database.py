"""A PostgreSQL server that stops answering without closing its connections (a frozen process, a dead
link) used to hang every request of the hall, kiosks and counters included, for ever. Through a relay
that can freeze the real server's traffic: a kiosk ticket is answered 503 `temporarily_unavailable`
within the request deadline, /healthz says the database is down, and once the server answers again the
hall works without a restart (the connections that were cut are dropped, not reused)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy.engine import make_url

from tests.support.databases import fresh_postgres_database
from tests.support.frozen_relay import FrozenRelay
from tests.support.server import LiveServer


@dataclass
class DeadlineServer(LiveServer):
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {**super().env(), **self.extra_env}


def test_a_frozen_database_gets_a_clear_answer_and_the_hall_recovers(tmp_path: Path) -> None:
    with fresh_postgres_database() as url:
        relay = FrozenRelay(make_url(url).port or 5432)
        through_relay = make_url(url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        server = DeadlineServer(
            instance=tmp_path / "instance", database_url=through_relay, extra_env={"TABOUR_REQUEST_DEADLINE": "3"}
        )
        server.start()
        try:
            kiosk = server.device("kiosk", "k1")
            tickets = f"{server.url}/api/v1/centres/test/tickets"
            assert requests.post(tickets, json={"service": "traffic"}, headers=kiosk, timeout=30).status_code == 201

            relay.frozen.set()
            answer = requests.post(tickets, json={"service": "traffic"}, headers=kiosk, timeout=60)  # never hangs
            assert answer.status_code == 503, answer.text
            assert answer.json()["error"]["code"] == "temporarily_unavailable"
            health = requests.get(f"{server.url}/healthz", timeout=60)
            assert health.status_code == 503 and health.json()["database"] == "down"

            relay.frozen.clear()
            again = requests.post(tickets, json={"service": "traffic"}, headers=kiosk, timeout=30)
            assert again.status_code == 201, again.text
            numbers = [again.json()["number"]]
            assert numbers[0] in ("A002", "A003")  # the interrupted ticket either never was, or was committed
            assert requests.get(f"{server.url}/healthz", timeout=30).status_code == 200
        finally:
            server.stop()
            relay.close()


def test_a_phone_connecting_while_the_database_is_away_is_told_to_try_again(tmp_path: Path) -> None:
    """A socket connect that cannot look its ticket up is refused `temporarily_unavailable` (the page tries
    again 2-5 s later): it used to get no answer at all, and the phone waited until it gave up."""
    import socketio

    with fresh_postgres_database() as url:
        relay = FrozenRelay(make_url(url).port or 5432)
        through_relay = make_url(url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
        server = DeadlineServer(instance=tmp_path / "instance", database_url=through_relay)
        server.start()
        try:
            kiosk = server.device("kiosk", "k1")
            ticket = requests.post(
                f"{server.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=kiosk, timeout=30
            ).json()
            relay.close()  # the database is away: connections refused
            refusals: list[object] = []
            phone = socketio.Client(reconnection=False)
            phone.on("connect_error", refusals.append, namespace="/track")
            try:
                phone.connect(
                    server.url,
                    namespaces=["/track"],
                    auth={"tracking_code": ticket["tracking_code"]},
                    transports=["websocket"],
                    wait_timeout=60,
                )
            except socketio.exceptions.ConnectionError:
                pass  # refused: what the handler heard says why
            finally:
                phone.disconnect()
            assert refusals and "temporarily_unavailable" in str(refusals[0]), refusals
        finally:
            server.stop()
