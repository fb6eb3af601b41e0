"""The notification outbox: rows written in the same transaction as the ticket change, sent later.

`OutboxRecorder.on_transition` is called by `tickets.record_event`, the one function every ticket
transition goes through (ORM use cases and the plain-SQL hot paths alike), inside its transaction. It
inserts `Notification` rows with plain values: the event, the ticket's number, service, counter,
people ahead, links. The worker in queue_app/notifications sends them after the commit; nothing here
does network I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ..domain.messages import MESSAGE_FOR, Message
from ..domain.policy import queue_key
from ..domain.tickets import EventKind, PriorityClass, Status, tracking_link
from ..settings import Notifications
from ..store.database import Database
from ..store.models import Notification, Ticket, table
from .catalog import Catalog, CentreCatalog

PENDING_FLAG = "tabour_notifications"
SESSION_KEY = "tabour_outbox"  # Session.info key under which record_event() finds the recorder
NOTIFICATIONS = table(Notification)
TICKETS = table(Ticket)


class TicketFacts(Protocol):
    """What a message needs of a ticket: an ORM `Ticket`, a Core row or a `TicketRecord` all have it."""

    @property
    def id(self) -> int: ...
    @property
    def centre_id(self) -> int: ...
    @property
    def service_id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def tracking_code(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def counter_id(self) -> int | None: ...


class OutboxRecorder:
    """Messages for a ticket issued, called (or recalled), done, and "N ahead" for the tickets a call
    moved up. The SMS channel only writes rows for tickets with a phone number."""

    def __init__(self, config: Notifications, catalog: Catalog, public_url: str) -> None:
        self.config = config
        self.catalog = catalog
        self.public_url = public_url
        self.on_commit: Callable[[], None] | None = None

    def attach(self, db: Database) -> None:
        """Make every session of `db` carry this recorder, and wake `on_commit` after a commit that
        wrote messages."""
        db.sessions.configure(info={SESSION_KEY: self})
        sa_event.listen(db.sessions, "after_commit", self.after_commit)
        sa_event.listen(db.sessions, "after_rollback", self.after_rollback)

    def wants(self, ticket: TicketFacts, event: str) -> bool:
        if event not in self.config.events:
            return False
        return self.config.channel != "sms" or bool(ticket.phone)

    def on_transition(self, session: Session, ticket: TicketFacts, kind: str, at: datetime) -> None:
        """A ticket went through transition `kind` at `at` (its new state already written)."""
        event = MESSAGE_FOR.get(EventKind(kind))
        if event is None:
            return
        rows = [self._row(ticket, event, None, at)] if self.wants(ticket, event) else []
        if event == Message.CALLED:
            rows += self._ahead_rows(session, ticket.centre_id, ticket.service_id, at)
        if rows:
            session.execute(NOTIFICATIONS.insert(), rows)
            session.info[PENDING_FLAG] = True

    def after_commit(self, session: Session) -> None:
        if session.info.pop(PENDING_FLAG, False) and self.on_commit is not None:
            self.on_commit()

    def after_rollback(self, session: Session) -> None:
        session.info.pop(PENDING_FLAG, None)

    def _row(self, ticket: TicketFacts, event: str, ahead: int | None, at: datetime) -> dict[str, Any]:
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
        if event == Message.CALLED and ticket.counter_id is not None:
            code = centre.counter_code(ticket.counter_id)
            config = centre.config.counter(code)
            payload["counter"] = {"code": code, "names": config.names.as_dict() if config else {}}
        if event == Message.DONE:
            payload["rating_url"] = payload["tracking_url"] + "#rate"
        return {
            "centre_id": ticket.centre_id,
            "ticket_id": ticket.id,
            "event": event,
            "channel": self.config.channel,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "created_at": at,
            "next_try_at": None,
        }

    def _ahead_rows(self, session: Session, centre_id: int, service_id: int, at: datetime) -> list[dict[str, Any]]:
        """Waiting tickets of a service that a call brought to `ahead` or fewer people ahead, once each."""
        if Message.AHEAD not in self.config.events:
            return []
        centre = self.catalog.by_id(centre_id)
        boosts = centre.config.priority.boosts()
        # the front of the queue is among the first few of each priority class: read only those
        waiting = [
            row
            for priority in PriorityClass
            for row in session.execute(
                _FRONT, {"service_id": service_id, "priority": priority, "n": self.config.ahead + 1}
            )
        ]
        waiting.sort(key=lambda t: queue_key(t.priority, t.queued_at, t.id, boosts))
        near = waiting[: self.config.ahead + 1]
        if not near:
            return []
        done = set(
            session.scalars(
                select(NOTIFICATIONS.c.ticket_id).where(
                    NOTIFICATIONS.c.event == Message.AHEAD.value, NOTIFICATIONS.c.ticket_id.in_([t.id for t in near])
                )
            )
        )
        return [
            self._row(ticket, Message.AHEAD, position, at)
            for position, ticket in enumerate(near)
            if ticket.id not in done and position <= self.config.ahead and self.wants(ticket, Message.AHEAD)
        ]


_FRONT = (
    select(TICKETS)
    .where(
        TICKETS.c.service_id == bindparam("service_id"),
        TICKETS.c.status == Status.WAITING.value,
        TICKETS.c.priority == bindparam("priority"),
    )
    .order_by(TICKETS.c.queued_at, TICKETS.c.id)
    .limit(bindparam("n"))
)


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
