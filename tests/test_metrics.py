"""Prometheus metrics of a real server: the hall read from the database, what this process did (calls,
waits, requests), its socket clients; and the optional token."""

from __future__ import annotations

from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.print_server import PrintServer
from tests.support.server import LiveServer
from tests.test_realtime import hall_client, issue


def samples(server: LiveServer, **headers: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = requests.get(f"{server.url}/metrics", headers=headers, timeout=30)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def test_metrics_show_the_hall_and_what_this_process_did(live_server: LiveServer) -> None:
    clerk = live_server.clerk_at("1", "clerk-metrics")
    for _ in range(3):
        issue(live_server)
    called = requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk, timeout=30)
    assert called.status_code == 200
    display = {"token": live_server.tokens[("test", "display", "hall")]}
    with hall_client(live_server.url, display) as screen:
        screen.wait("hall_snapshot")
        found = samples(live_server)
    assert value(found, "tabour_waiting", centre="test", service="traffic") == 2
    assert value(found, "tabour_waiting", centre="test", service="medical") == 0
    assert value(found, "tabour_counters_open", centre="test", service="traffic") >= 1
    assert value(found, "tabour_calls_total", centre="test", service="traffic", recall="false") == 1
    assert value(found, "tabour_wait_seconds_count", centre="test", service="traffic") == 1
    assert value(found, "tabour_ticket_transitions_total", centre="test", status="called") == 1
    assert value(found, "tabour_socket_clients", namespace="/hall") == 1
    assert value(found, "tabour_outbox_pending") >= 0
    issued = value(
        found, "tabour_request_seconds_count", method="POST", route="/api/v1/centres/<centre>/tickets", status="201"
    )
    assert issued == 3  # labelled by the route pattern, never by the raw path


def test_metrics_ask_for_the_token_when_one_is_set(tmp_path: Path) -> None:
    server = PrintServer(instance=tmp_path / "instance", extra_env={"TABOUR_METRICS_TOKEN": "scrape-me-please"}).start()
    try:
        refused = requests.get(f"{server.url}/metrics", timeout=30)
        assert refused.status_code == 401
        wrong = requests.get(f"{server.url}/metrics", headers={"Authorization": "Bearer nope"}, timeout=30)
        assert wrong.status_code == 401
        assert samples(server, Authorization="Bearer scrape-me-please")
    finally:
        server.stop()
