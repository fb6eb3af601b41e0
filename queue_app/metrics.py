"""Prometheus metrics at /metrics (prometheus-client), in two kinds.

The hall as it stands (people waiting, the longest wait, the outbox's backlog) is read from the database
at each scrape, so every process answers the same figures. What passes through one process (calls,
ticket transitions, waits, request latency) is counted by that process, and its socket clients and
printers are its own: scrape every process and sum (docs/operations.md). Each app has its own registry,
so two apps in one process (tests) never share counters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .extensions import Runtime
from .services.events import Event, TicketCalled, TicketChanged
from .store import outbox
from .store.database import utcnow
from .views import hall

WAIT_BUCKETS = (60, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200)  # seconds: targets are 10-30 min
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class HallCollector(Collector):
    """Gauges read at scrape time: waiting and longest wait per service, the outbox backlog, this
    process's socket clients and printers."""

    def __init__(self, rt: Runtime, socket_clients: Callable[[], dict[str, int]]) -> None:
        self.rt = rt
        self.socket_clients = socket_clients

    def collect(self) -> Iterable[Any]:
        waiting = GaugeMetricFamily("tabour_waiting", "Tickets waiting, per service", labels=["centre", "service"])
        longest = GaugeMetricFamily(
            "tabour_longest_wait_seconds", "Wait of the oldest waiting ticket", labels=["centre", "service"]
        )
        expected = GaugeMetricFamily(
            "tabour_expected_wait_minutes", "Wait a visitor arriving now is told", labels=["centre", "service"]
        )
        counters = GaugeMetricFamily("tabour_counters_open", "Counters serving a service", labels=["centre", "service"])
        now = utcnow()
        with self.rt.db.reading() as session:
            for centre in self.rt.catalog.centres.values():
                for service in hall.services_summary(session, centre, now):
                    labels = [centre.code, service["code"]]
                    waiting.add_metric(labels, service["waiting"])
                    longest.add_metric(labels, service["longest_wait_minutes"] * 60)
                    expected.add_metric(labels, service["eta_minutes"])
                    counters.add_metric(labels, service["counters"])
            backlog = outbox.pending_count(session)
        yield from (waiting, longest, expected, counters)
        yield GaugeMetricFamily("tabour_outbox_pending", "Visitor messages still to send", value=backlog)
        clients = GaugeMetricFamily("tabour_socket_clients", "Socket.IO clients of this process", labels=["namespace"])
        for namespace, count in sorted(self.socket_clients().items()):
            clients.add_metric([namespace], count)
        yield clients
        printers = GaugeMetricFamily(
            "tabour_printer_status",
            "Kiosk printers of this process, 1 for their status",
            labels=["centre", "kiosk", "status"],
        )
        worker = self.rt.workers.get("print")
        for key, printer in sorted(worker.printers.items()) if worker is not None else ():
            centre, kiosk = key.split("/", 1)
            printers.add_metric([centre, kiosk, printer.state.status], 1)
        yield printers


class Metrics:
    """One app's registry: counters fed by the published events, request latency, the hall collector."""

    def __init__(self, rt: Runtime, socket_clients: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.calls = Counter(
            "tabour_calls", "Calls made by this process", ["centre", "service", "recall"], registry=self.registry
        )
        self.transitions = Counter(
            "tabour_ticket_transitions",
            "Ticket state changes by this process",
            ["centre", "status"],
            registry=self.registry,
        )
        self.waits = Histogram(
            "tabour_wait_seconds",
            "Time in the queue of tickets called from it",
            ["centre", "service"],
            buckets=WAIT_BUCKETS,
            registry=self.registry,
        )
        self.latency = Histogram(
            "tabour_request_seconds",
            "HTTP request latency in this process",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(HallCollector(rt, socket_clients))

    def observe(self, events: list[Event]) -> None:
        """Count what the events say happened (the publisher calls this after each commit)."""
        for event in events:
            if isinstance(event, TicketCalled):
                self.calls.labels(event.centre, event.service, str(event.recall).lower()).inc()
                if event.waited is not None:
                    self.waits.labels(event.centre, event.service).observe(max(0.0, event.waited))
            elif isinstance(event, TicketChanged):
                self.transitions.labels(event.centre, event.status).inc()

    def exposition(self) -> Response:
        return Response(generate_latest(self.registry), mimetype=CONTENT_TYPE_LATEST)

    def time_requests(self, app: Flask) -> None:
        """Observe every request's latency, labelled by its route pattern (never the raw path)."""

        @app.before_request
        def _started() -> None:
            g.metrics_started = time.perf_counter()

        @app.after_request
        def _finished(response: Response) -> Response:
            started = g.pop("metrics_started", None)
            if started is not None:
                route = request.url_rule.rule if request.url_rule is not None else "unmatched"
                self.latency.labels(request.method, route, str(response.status_code)).observe(
                    time.perf_counter() - started
                )
            return response
