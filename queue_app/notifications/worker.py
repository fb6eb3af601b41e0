"""Background workers (objects with start()/stop(), started by run.py through workers.start):

- `NotificationWorker` plans the messages of new ticket events (`OutboxPlanner`), then drains the outbox:
  claims due rows (pending -> sending, a conditional UPDATE, so
  two processes never send the same row), sends each outside any transaction, then records sent, or
  pending again with a doubled delay, or failed after `max_attempts` (listed for staff).
It wakes on a timer (every `interval`, a second by default); every round catches and logs its errors, so
a database outage pauses it and it resumes by itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from ..settings import Notifications
from ..store.database import Database, utcnow
from ..store.models import Notification
from .planner import OutboxPlanner
from .senders import Message, Notifier, SendFailed

log = logging.getLogger("tabour.notifications")
BATCH = 20
MAX_DELAY = timedelta(minutes=30)


class NotificationWorker:
    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        config: Notifications,
        render: Callable[[dict[str, Any]], str],
        planner: OutboxPlanner | None = None,
        interval: float = 1.0,
    ) -> None:
        self.db = db
        self.planner = planner
        self.notifier = notifier
        self.config = config
        self.render = render
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        with self.db.transaction() as session:  # a process that died mid-send left rows "sending"
            session.execute(update(Notification).where(Notification.status == "sending").values(status="pending"))
            if self.planner is not None:
                self.planner.resume(session, utcnow())
        self._thread = threading.Thread(target=self._run, name="tabour-notify", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.plan()
                while self.process_due() and not self._stop.is_set():
                    self.plan()
            except Exception:  # keep the worker alive; the next round retries
                log.exception("notification worker round failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def plan(self, now: datetime | None = None) -> int:
        """Write the messages of the ticket events stored since the last round."""
        if self.planner is None:
            return 0
        with self.db.transaction() as session:
            return self.planner.plan(session, now or utcnow())

    def _claim(self, now: datetime) -> list[Notification]:
        with self.db.transaction() as session:
            due = list(
                session.scalars(
                    select(Notification)
                    .where(
                        Notification.status == "pending",
                        (Notification.next_try_at.is_(None)) | (Notification.next_try_at <= now),
                    )
                    .order_by(Notification.id)
                    .limit(BATCH)
                )
            )
            claimed = []
            for row in due:
                result = session.execute(
                    update(Notification)
                    .where(Notification.id == row.id, Notification.status == "pending")
                    .values(status="sending")
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount:  # type: ignore[attr-defined]
                    claimed.append(row)
            return claimed

    def process_due(self, now: datetime | None = None) -> int:
        """Send what is due now; returns how many were tried (the loop goes on while there is work)."""
        rows = self._claim(now or utcnow())
        for row in rows:
            payload = dict(row.payload)
            phone = payload.pop("phone", None)
            error: str | None = None
            try:
                message = Message(row.id, row.event, payload, self.render(row.payload), phone)
                self.notifier.send(message)
            except SendFailed as failure:
                error = str(failure) or "send failed"
            except Exception as failure:  # a bad template must not kill the worker
                log.exception("notification %s could not be sent", row.id)
                error = f"{type(failure).__name__}: {failure}"
            self._record(row, error)
        return len(rows)

    def _record(self, row: Notification, error: str | None) -> None:
        now = utcnow()
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts}
        if error is None:
            values.update(status="sent", sent_at=now, last_error=None, next_try_at=None)
        elif attempts >= self.config.max_attempts:
            values.update(status="failed", last_error=error[:500], next_try_at=None)
            log.warning("notification %s failed for good after %s attempts: %s", row.id, attempts, error)
        else:
            delay = min(timedelta(seconds=self.config.backoff_seconds * 2 ** (attempts - 1)), MAX_DELAY)
            values.update(status="pending", last_error=error[:500], next_try_at=now + delay)
        with self.db.transaction() as session:
            session.execute(update(Notification).where(Notification.id == row.id).values(**values))
