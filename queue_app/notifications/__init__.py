"""Sending messages to visitors: one `Notifier` interface, picked by config (log, webhook, SMS), and
the background worker that drains the outbox (services/notify.py fills it)."""

from __future__ import annotations

from .senders import LogNotifier, Message, Notifier, SendFailed, SmsNotifier, WebhookNotifier, make_notifier
from .worker import HoldExpiryWorker, NotificationWorker

__all__ = [
    "HoldExpiryWorker",
    "LogNotifier",
    "Message",
    "NotificationWorker",
    "Notifier",
    "SendFailed",
    "SmsNotifier",
    "WebhookNotifier",
    "make_notifier",
]
