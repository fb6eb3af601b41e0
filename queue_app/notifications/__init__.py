"""Sending messages to visitors: one `Notifier` interface, picked by config (log, webhook, SMS), and
the planner that turns stored ticket events into messages, and the background worker that plans and
sends them."""

from __future__ import annotations

from .planner import OutboxPlanner
from .senders import LogNotifier, Message, Notifier, SendFailed, SmsNotifier, WebhookNotifier, make_notifier
from .worker import NotificationWorker

__all__ = [
    "LogNotifier",
    "Message",
    "NotificationWorker",
    "Notifier",
    "OutboxPlanner",
    "SendFailed",
    "SmsNotifier",
    "WebhookNotifier",
    "make_notifier",
]
