"""Notifications: the webhook notifier against a real local HTTP server that checks the HMAC signature,
retries after the server was down; the worker marks a message failed after its attempts and staff can
list and retry it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
import yaml

from queue_app.notifications import NotificationWorker, OutboxPlanner, WebhookNotifier
from queue_app.services import notify
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.settings import Notifications, Webhook
from queue_app.store.database import utcnow
from queue_app.views.messages import outbox_listing
from tests.support.server import ROOT, LiveServer, free_port

SECRET = "test-webhook-secret"


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []
    bad_signatures = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers["X-Tabour-Timestamp"]
        expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(self.headers["X-Tabour-Signature"], "sha256=" + expected):
            type(self).bad_signatures += 1
            self.send_response(401)
            self.end_headers()
            return
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_webhook_signed_and_retried_after_the_receiver_was_down(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there yet: the first attempts fail
    config = yaml.safe_load((ROOT / "tests/fixtures/visitor_config.yaml").read_text())
    config["notifications"]["webhook"]["url"] = f"http://127.0.0.1:{port}/hook"
    config["notifications"]["max_attempts"] = 10
    for centre in config["centres"]:
        centre["remote"]["check_in_required"] = False
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    server = LiveServer(instance=tmp_path / "instance", config=path).start()
    receiver = None
    try:
        supervisor = server.staff("sup-notify", "supervisor", "test")
        issued = requests.post(
            f"{server.url}/api/v1/centres/test/tickets",
            json={"service": "traffic", "lang": "en"},
            headers=server.device("kiosk", "k1"),
        ).json()
        outbox = f"{server.url}/api/v1/centres/test/notifications"
        deadline = time.monotonic() + 5
        rows: list[dict] = []
        while time.monotonic() < deadline:
            rows = requests.get(outbox, headers=supervisor).json()
            if rows and rows[0]["attempts"] >= 2:
                break
            time.sleep(0.1)
        assert rows and rows[0]["status"] == "pending" and rows[0]["attempts"] >= 2 and rows[0]["last_error"]
        # the receiver comes up: the next retry gets through, signed
        Hook.received, Hook.bad_signatures = [], 0
        receiver = ThreadingHTTPServer(("127.0.0.1", port), Hook)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not Hook.received:
            time.sleep(0.1)
        assert Hook.bad_signatures == 0
        assert Hook.received, requests.get(outbox, headers=supervisor).json()
        message = Hook.received[0]
        assert message["event"] == "issued" and message["number"] == issued["number"]
        assert message["tracking_url"].endswith("/t/" + issued["tracking_code"])
        assert issued["number"] in message["text"]
        sent = requests.get(outbox + "?status=sent", headers=supervisor).json()
        assert sent and sent[0]["attempts"] >= 3
        # a call sends "called" with the counter
        clerk = server.clerk_at("1", "clerk-notify")
        requests.post(f"{server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(m["event"] == "called" for m in Hook.received):
            time.sleep(0.05)
        called = next(m for m in Hook.received if m["event"] == "called")
        assert called["counter"]["code"] == "1"
    finally:
        if receiver is not None:
            receiver.shutdown()
        server.stop()


def test_worker_marks_failed_and_staff_can_retry(database, catalog) -> None:
    config = Notifications(
        channel="webhook",
        webhook=Webhook(url=f"http://127.0.0.1:{free_port()}/down", secret=SECRET, timeout=1),
        max_attempts=2,
        backoff_seconds=0.01,
        events=["issued", "ahead", "called", "done"],
    )
    planner = OutboxPlanner(config, catalog, "http://hall.example")
    centre = catalog.centre("test")
    with database.transaction() as session:
        for _ in range(5):
            issue_ticket(session, centre, TicketRequest(service="traffic", lang="ar"), utcnow())
    worker = NotificationWorker(database, WebhookNotifier(config.webhook), config, lambda p: p["number"], planner)
    assert worker.plan() == 5
    assert worker.process_due() == 5
    time.sleep(0.05)
    assert worker.process_due() == 5
    with database.reading() as session:
        failed = outbox_listing(session, centre, "failed")
    assert len(failed) == 5 and all(f["attempts"] == 2 and f["last_error"] for f in failed)
    with database.transaction() as session:
        assert notify.retry_notification(session, centre, failed[0]["id"])
    with database.reading() as session:
        assert len(outbox_listing(session, centre, "pending")) == 1
