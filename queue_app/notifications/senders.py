"""Notifiers: move one message to the outside world, or raise SendFailed. No database, no Flask.

- `webhook`: JSON POST; headers X-Tabour-Timestamp, X-Tabour-Delivery (the outbox id, for
  idempotency) and X-Tabour-Signature: sha256=HMAC-SHA256(secret, "<timestamp>.<body>") in hex.
- `sms`: an HTTP gateway; the URL and body are templates with $phone and $text.
- `log`: writes the message to the log (development, or a hall without a gateway yet).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from string import Template
from typing import Any, Protocol

from ..settings import Notifications, SmsGateway, Webhook

log = logging.getLogger("tabour.notifications")


class SendFailed(Exception):
    """The message did not get through (network error, non-2xx answer); the worker retries."""


@dataclass(frozen=True)
class Message:
    """One outbox row, rendered: `text` is in the visitor's language (SMS and log); `payload` is the
    plain JSON the webhook receives."""

    id: int
    event: str
    payload: dict[str, Any]
    text: str
    phone: str | None


class Notifier(Protocol):
    channel: str

    def send(self, message: Message) -> None: ...


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The webhook signature: hex HMAC-SHA256 of "<timestamp>.<body>"."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _http(request: urllib.request.Request, timeout: float) -> None:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        raise SendFailed(f"HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        raise SendFailed(str(getattr(error, "reason", error))) from None


class LogNotifier:
    channel = "log"

    def send(self, message: Message) -> None:
        log.info("notification %s #%s %s: %s", message.event, message.id, message.payload.get("number"), message.text)


class WebhookNotifier:
    channel = "webhook"

    def __init__(self, config: Webhook) -> None:
        self.config = config

    def send(self, message: Message) -> None:
        body = json.dumps({"id": message.id, **message.payload, "text": message.text}, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Tabour-Notifier/1",
            "X-Tabour-Timestamp": timestamp,
            "X-Tabour-Delivery": str(message.id),
            "X-Tabour-Event": message.event,
            "X-Tabour-Signature": "sha256=" + sign(self.config.secret_value(), timestamp, body),
        }
        _http(urllib.request.Request(self.config.url, data=body, headers=headers, method="POST"), self.config.timeout)


class SmsNotifier:
    channel = "sms"

    def __init__(self, config: SmsGateway) -> None:
        self.config = config

    def _escape(self, value: str) -> str:
        if "json" in self.config.content_type:
            return json.dumps(value, ensure_ascii=False)[1:-1]
        return urllib.parse.quote_plus(value)

    def send(self, message: Message) -> None:
        if not message.phone:
            return  # nothing to send to: the outbox only holds SMS rows for tickets with a phone
        values = {"phone": message.phone, "text": message.text}
        url = Template(self.config.url).safe_substitute({k: urllib.parse.quote(v) for k, v in values.items()})
        headers = dict(self.config.headers)
        data = None
        if self.config.method == "POST":
            data = Template(self.config.body).safe_substitute({k: self._escape(v) for k, v in values.items()}).encode()
            headers.setdefault("Content-Type", self.config.content_type)
        _http(urllib.request.Request(url, data=data, headers=headers, method=self.config.method), self.config.timeout)


def make_notifier(config: Notifications) -> Notifier | None:
    """The notifier the config names (None for channel none)."""
    if config.channel == "webhook" and config.webhook is not None:
        return WebhookNotifier(config.webhook)
    if config.channel == "sms" and config.sms is not None:
        return SmsNotifier(config.sms)
    if config.channel == "log":
        return LogNotifier()
    return None
