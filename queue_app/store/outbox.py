"""The notification outbox's SQL: the cursor over ticket events, the events after it with their tickets,
the front of a queue, and the message rows (see services/notify.py for the rules)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from ..domain.tickets import PriorityClass, Status
from .models import Notification, NotificationCursor, Ticket, TicketEvent, table

_CURSOR = table(NotificationCursor)
_EVENTS = table(TicketEvent)
_TICKETS = table(Ticket)
_NOTIFICATIONS = table(Notification)
CURSOR_ID = 1


def lock_cursor(session: Session) -> int:
    """The last event already turned into messages, locked until the transaction ends (one planner at a
    time across processes; SQLite serialises writers anyway)."""
    query = select(_CURSOR.c.last_event_id).where(_CURSOR.c.id == CURSOR_ID).with_for_update()
    return int(session.scalar(query) or 0)


def advance_cursor(session: Session, last_event_id: int) -> None:
    session.execute(update(_CURSOR).where(_CURSOR.c.id == CURSOR_ID).values(last_event_id=last_event_id))


def last_event_before(session: Session, cutoff: datetime) -> int:
    """The newest event older than `cutoff` (0 when there is none): where a planner that was off resumes."""
    newest = session.scalar(select(func.max(_EVENTS.c.id)).where(_EVENTS.c.at < cutoff))
    return int(newest or 0)


def events_after(session: Session, cursor: int, limit: int) -> Sequence[Any]:
    """The next `limit` events after `cursor`, in id order, each with the facts a message needs of its
    ticket."""
    query = (
        select(
            _EVENTS.c.id.label("event_id"),
            _EVENTS.c.kind,
            _EVENTS.c.at,
            _EVENTS.c.counter_id.label("event_counter_id"),
            _TICKETS.c.id,
            _TICKETS.c.centre_id,
            _TICKETS.c.service_id,
            _TICKETS.c.number,
            _TICKETS.c.lang,
            _TICKETS.c.tracking_code,
            _TICKETS.c.phone,
            _TICKETS.c.counter_id,
            _TICKETS.c.status,
        )
        .join(_TICKETS, _TICKETS.c.id == _EVENTS.c.ticket_id)
        .where(_EVENTS.c.id > cursor)
        .order_by(_EVENTS.c.id)
        .limit(limit)
    )
    return session.execute(query).all()


_FRONT = (
    select(_TICKETS)
    .where(
        _TICKETS.c.service_id == bindparam("service_id"),
        _TICKETS.c.status == Status.WAITING.value,
        _TICKETS.c.priority == bindparam("priority"),
    )
    .order_by(_TICKETS.c.queued_at, _TICKETS.c.id)
    .limit(bindparam("n"))
)


def front_by_class(session: Session, service_id: int, n: int) -> list[Any]:
    """The first `n` waiting tickets of each priority class of a service: the front of the queue is among
    them, whatever the boosts (the caller orders them with `domain.policy.queue_key`)."""
    return [
        row
        for priority in PriorityClass
        for row in session.execute(_FRONT, {"service_id": service_id, "priority": priority, "n": n})
    ]


def already_sent(session: Session, event: str, ticket_ids: Iterable[int]) -> set[int]:
    """Which of these tickets already have a message of kind `event`."""
    query = select(_NOTIFICATIONS.c.ticket_id).where(
        _NOTIFICATIONS.c.event == event, _NOTIFICATIONS.c.ticket_id.in_(list(ticket_ids))
    )
    return {int(ticket_id) for ticket_id in session.scalars(query)}


def insert_messages(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(_NOTIFICATIONS.insert(), rows)


def pending_count(session: Session) -> int:
    """Messages still to send, all centres (the outbox's backlog)."""
    query = select(func.count()).select_from(_NOTIFICATIONS).where(_NOTIFICATIONS.c.status == "pending")
    return int(session.scalar(query) or 0)


def messages_of_centre(session: Session, centre_id: int, status: str | None, limit: int) -> Sequence[Any]:
    """A centre's messages, newest first (optionally of one status)."""
    query = select(_NOTIFICATIONS).where(_NOTIFICATIONS.c.centre_id == centre_id)
    if status:
        query = query.where(_NOTIFICATIONS.c.status == status)
    return session.execute(query.order_by(_NOTIFICATIONS.c.id.desc()).limit(limit)).all()
