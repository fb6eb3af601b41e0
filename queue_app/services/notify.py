"""The notification outbox: rows written in the same transaction as the ticket change, sent later.

`OutboxRecorder` listens to the session's flushes (so every use case that changes a ticket, through
any handler, fills the outbox without knowing about it) and inserts `Notification` rows with plain
values: the event, the ticket's number, service, counter, people ahead, links. The worker in
queue_app/notifications sends them after the commit; nothing here does network I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, attributes

from ..settings import Notifications
from ..store.models import Notification, Ticket
from .catalog import Catalog, CentreCatalog

PENDING_FLAG = "tabour_notifications"


def tracking_link(public_url: str, tracking_code: str) -> str:
    """The tracking page's address (the worker has no request to build it from: keep in step with
    web/track.py's route)."""
    return f"{public_url.rstrip('/')}/t/{tracking_code}"


class OutboxRecorder:
    """An `after_flush` listener: ticket issued, called (or recalled), done, and "N ahead" for the
    tickets a call moved up. The SMS channel only writes rows for tickets with a phone number."""

    def __init__(self, config: Notifications, catalog: Catalog, public_url: str) -> None:
        self.config = config
        self.catalog = catalog
        self.public_url = public_url
        self.on_commit: Callable[[], None] | None = None

    def wants(self, ticket: Ticket, event: str) -> bool:
        if event not in self.config.events:
            return False
        return self.config.channel != "sms" or bool(ticket.phone)

    def after_flush(self, session: Session, _context: Any) -> None:
        rows: list[dict[str, Any]] = []
        moved: set[tuple[int, int]] = set()
        for obj in list(session.new) + list(session.dirty):
            if not isinstance(obj, Ticket) or obj.id is None:
                continue
            event = self._event_of(obj, obj in session.new)
            if event is None:
                continue
            if event == "called":
                moved.add((obj.centre_id, obj.service_id))
            if self.wants(obj, event):
                rows.append(self._row(obj, event, None))
        for centre_id, service_id in moved:
            rows += self._ahead_rows(session, centre_id, service_id)
        if rows:
            session.execute(insert(Notification), rows)
            session.info[PENDING_FLAG] = True

    def after_commit(self, session: Session) -> None:
        if session.info.pop(PENDING_FLAG, False) and self.on_commit is not None:
            self.on_commit()

    def after_rollback(self, session: Session) -> None:
        session.info.pop(PENDING_FLAG, None)

    @staticmethod
    def _event_of(ticket: Ticket, is_new: bool) -> str | None:
        if is_new:
            return "issued"
        called_at = attributes.get_history(ticket, "called_at")
        recalls = attributes.get_history(ticket, "recalls")
        if ticket.status == "called" and (
            (called_at.added and called_at.added[0] is not None) or (recalls.added and recalls.deleted)
        ):
            return "called"
        status = attributes.get_history(ticket, "status")
        if status.added and status.added[0] == "done" and status.deleted:
            return "done"
        return None

    def _row(self, ticket: Ticket, event: str, ahead: int | None) -> dict[str, Any]:
        centre = self.catalog.by_id(ticket.centre_id)
        service = centre.service_code(ticket.service_id)
        payload: dict[str, Any] = {
            "event": event,
            "centre": centre.code,
            "number": ticket.number,
            "service": service,
            "service_names": centre.service(service).names.as_dict(),
            "status": ticket.status,
            "lang": ticket.lang,
            "tracking_code": ticket.tracking_code,
            "tracking_url": tracking_link(self.public_url, ticket.tracking_code),
            "ahead": ahead,
            "counter": None,
            "phone": ticket.phone,
        }
        if event == "called" and ticket.counter_id is not None:
            code = centre.counter_code(ticket.counter_id)
            config = centre.config.counter(code)
            payload["counter"] = {"code": code, "names": config.names.as_dict() if config else {}}
        if event == "done":
            payload["rating_url"] = payload["tracking_url"] + "#rate"
        return {
            "centre_id": ticket.centre_id,
            "ticket_id": ticket.id,
            "event": event,
            "channel": self.config.channel,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "created_at": ticket_now(ticket),
            "next_try_at": None,
        }

    def _ahead_rows(self, session: Session, centre_id: int, service_id: int) -> list[dict[str, Any]]:
        """Waiting tickets of a service that a call brought to `ahead` or fewer people ahead, once each."""
        if "ahead" not in self.config.events:
            return []
        centre = self.catalog.by_id(centre_id)
        boosts = centre.config.priority.boosts()
        # the front of the queue is among the first few of each priority class: read only those
        waiting = [
            ticket
            for priority in ("none", "elderly", "disabled")
            for ticket in session.scalars(
                select(Ticket)
                .where(Ticket.service_id == service_id, Ticket.status == "waiting", Ticket.priority == priority)
                .order_by(Ticket.queued_at, Ticket.id)
                .limit(self.config.ahead + 1)
            )
        ]
        waiting.sort(key=lambda t: (t.queued_at - timedelta(minutes=boosts.get(t.priority, 0)), t.id))
        near = waiting[: self.config.ahead + 1]
        if not near:
            return []
        done = set(
            session.scalars(
                select(Notification.ticket_id).where(
                    Notification.event == "ahead", Notification.ticket_id.in_([t.id for t in near])
                )
            )
        )
        rows = []
        for position, ticket in enumerate(near):
            if ticket.id not in done and position <= self.config.ahead and self.wants(ticket, "ahead"):
                rows.append(self._row(ticket, "ahead", position))
        return rows


def ticket_now(ticket: Ticket) -> datetime:
    """The time of the change being recorded: the latest of the ticket's own timestamps."""
    times = [t for t in (ticket.issued_at, ticket.called_at, ticket.started_at, ticket.finished_at) if t is not None]
    return max(times)


def list_notifications(
    session: Session, centre: CentreCatalog, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The outbox for staff, newest first: failures are what they look at."""
    query = select(Notification).where(Notification.centre_id == centre.id)
    if status:
        query = query.where(Notification.status == status)
    rows = session.scalars(query.order_by(Notification.id.desc()).limit(limit))
    return [
        {
            "id": n.id,
            "event": n.event,
            "channel": n.channel,
            "number": n.payload.get("number"),
            "status": n.status,
            "attempts": n.attempts,
            "last_error": n.last_error,
            "created_at": n.created_at.isoformat() + "Z",
            "next_try_at": n.next_try_at.isoformat() + "Z" if n.next_try_at else None,
            "sent_at": n.sent_at.isoformat() + "Z" if n.sent_at else None,
        }
        for n in rows
    ]


def retry_notification(session: Session, centre: CentreCatalog, notification_id: int) -> bool:
    """Staff puts a failed message back in the queue."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.centre_id == centre.id,
            Notification.status == "failed",
        )
        .values(status="pending", attempts=0, next_try_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
