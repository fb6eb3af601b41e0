"""Wiring of the visitor features that are not a page: the notification outbox (filled by every ticket transition),
its sending worker and the expiry of remote holds. Called once by create_app; nothing starts here
(run.py starts `runtime().workers`)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from ..extensions import Runtime
from ..notifications import HoldExpiryWorker, NotificationWorker, make_notifier
from ..notifications.texts import message_text
from ..services import remote
from ..services.notify import OutboxRecorder
from ..store.database import utcnow


def init_visitor(app: Flask, rt: Runtime) -> None:
    config = rt.settings.hall.notifications
    notifier = make_notifier(config)
    if notifier is not None:
        recorder = OutboxRecorder(config, rt.catalog, rt.settings.public_url)
        recorder.attach(rt.db)
        worker = NotificationWorker(rt.db, notifier, config, lambda payload: message_text(app, payload))
        recorder.on_commit = worker.wake
        rt.workers["notify"] = worker

    def sweep_holds() -> None:
        with rt.db.transaction() as session:
            events: list[Any] = remote.expire_holds(session, rt.catalog, utcnow())
        if events and rt.publisher is not None:
            rt.publisher.publish(events)

    rt.workers["remote_holds"] = HoldExpiryWorker(sweep_holds)
