"""The background workers of a serving process, built from Settings in one place (the composition root of
create_app) and started by run.py only: the kiosk print pipeline, the visitor notification outbox and its
sender, and the day's sweeps (remote holds that start or expire, tickets closed at closing). Nothing is built
or started at import time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from . import live_config
from .domain.tickets import tracking_link
from .extensions import Runtime, socketio
from .notifications import NotificationWorker, OutboxPlanner, make_notifier
from .notifications.texts import message_text
from .services import appointments, closing, remote, reports, visits
from .services.printing import PrintWorker, retry_policy
from .store.database import utcnow

log = logging.getLogger("tabour.sweeps")


class SweepWorker:
    """Every `interval` seconds, one round of the day's sweeps; a failed round is logged and the next one
    runs as usual (a database outage pauses it, nothing more)."""

    def __init__(self, sweep: Callable[[], object], interval: float = 15.0) -> None:
        self.sweep = sweep
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tabour-sweeps", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:
                log.exception("sweep failed")


def build(app: Flask, rt: Runtime) -> None:
    """Every worker of this app, on `rt.workers`."""
    rt.workers["print"] = _print_worker(rt)
    notifier = _notification_worker(app, rt)
    if notifier is not None:
        rt.workers["notify"] = notifier
    rt.workers["sweeps"] = SweepWorker(lambda: _sweep(rt))
    rt.workers["hall"] = SweepWorker(lambda: live_config.adopt_newest(rt), interval=live_config.WATCH_SECONDS)
    rt.workers["privacy"] = SweepWorker(lambda: erase_personal_data(rt), interval=3600.0)
    rt.workers["reports"] = SweepWorker(lambda: roll_up_reports(rt), interval=3600.0)


def _print_worker(rt: Runtime) -> PrintWorker:
    """Spoolers for every kiosk printer, the links to kiosks' print agents, printer states for staff."""
    from .realtime.printing import AgentLinks
    from .web.kiosk import print_texts

    links = AgentLinks(socketio)
    settings = rt.settings

    def on_change(centre: str, job: dict[str, Any] | None, printer: dict[str, Any]) -> None:
        if rt.publisher is not None and centre:
            rt.publisher.print_status(centre, job, printer)

    worker = PrintWorker(
        db=rt.db,
        catalog=rt.catalog,
        texts=print_texts,
        tracking_url=lambda code: tracking_link(settings.public_url, code),
        agent_backend=links.backend,
        on_change=on_change,
        retry=retry_policy(settings.print_retry_base, settings.print_retry_deadline),
        status_interval=settings.print_status_interval,
    )
    worker.agents = links
    return worker


def _notification_worker(app: Flask, rt: Runtime) -> NotificationWorker | None:
    """The outbox (every ticket transition records its messages in its own transaction) and its sender."""
    config = rt.settings.hall.notifications
    notifier = make_notifier(config)
    if notifier is None:
        return None
    planner = OutboxPlanner(config, rt.catalog, rt.settings.public_url)
    return NotificationWorker(rt.db, notifier, config, lambda payload: message_text(app, payload), planner)


SWEEPS = (remote.mark_due, remote.expire_holds, closing.close_at_closing, appointments.sweep, visits.replan)


def _sweep(rt: Runtime) -> None:
    """The time-driven changes, each in its own transaction (one failing does not hold up the others):
    remote tickets that became due or outstayed their hold, tickets still waiting at closing time, and
    family visits that should wait in another of their queues now. Screens and phones hear each change."""
    for sweep in SWEEPS:
        with rt.db.transaction() as session:
            events: list[Any] = sweep(session, rt.catalog, utcnow())
        if events and rt.publisher is not None:
            rt.publisher.publish(events)


def roll_up_reports(rt: Runtime) -> int:
    """Keep each finished day of every centre in `report_days` (services/reports.py); the days kept."""
    with rt.db.transaction() as session:
        return reports.rollup_finished_days(session, rt.catalog, utcnow())


def erase_personal_data(rt: Runtime) -> int:
    """Erase what has outlived `security.personal_data_days`, in short transactions; returns the rows."""
    from .services import privacy

    days, total = rt.settings.hall.security.personal_data_days, 0
    while True:
        with rt.db.transaction() as session:
            erased = privacy.erase_batch(session, utcnow(), days)
        total += erased.total
        if erased.total == 0:
            return total


def start(app: Flask) -> None:
    """Start every background worker registered on the runtime."""
    for worker in app.extensions["tabour"].workers.values():
        start_fn = getattr(worker, "start", None)
        if start_fn is not None:
            start_fn()


def stop(app: Flask) -> None:
    for worker in app.extensions["tabour"].workers.values():
        stop_fn = getattr(worker, "stop", None)
        if stop_fn is not None:
            stop_fn()
