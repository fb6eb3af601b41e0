"""The notification outbox: which messages each ticket transition sends, planned from the stored events.

Every transition already stores a ticket event in its own transaction (`tickets.record_event`), so the
events are the outbox: `OutboxPlanner.plan` turns the events after a cursor into `Notification` rows
(issued, called or recalled, done, and "N ahead" for the tickets a call brought near the front), moving
the cursor in the same transaction; the worker in queue_app/notifications sends them. A ticket
transition itself writes no message and reads no queue for one.

Event ids are taken from a sequence before their transaction commits, so an id may appear after a higher
one: the planner waits at such a gap for `GAP_WAIT` seconds (a transaction still running) before it
takes the gap for a rolled-back one and passes it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..domain.messages import MESSAGE_FOR, Message
from ..domain.policy import queue_key
from ..domain.tickets import EventKind
from ..services.catalog import Catalog
from ..settings import Notifications
from ..store import outbox
from ..views.messages import MessageFacts, message_payload

log = logging.getLogger("tabour.notifications")
BATCH = 500  # events read per round
GAP_WAIT = 10.0  # seconds an unseen event id may still be a running transaction
STALE = timedelta(minutes=30)  # older events send nothing (a planner that was off does not flood phones)


class OutboxPlanner:
    """Turns stored ticket events into messages. The SMS channel only writes rows for tickets with a phone
    number. One planner per process; the locked cursor makes them take turns."""

    def __init__(
        self,
        config: Notifications,
        catalog: Catalog,
        public_url: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.catalog = catalog
        self.public_url = public_url
        self.clock = clock
        self._gaps: dict[int, float] = {}  # an unseen event id -> when this planner first waited at it

    def wants(self, ticket: MessageFacts, event: Message) -> bool:
        if event not in self.config.events:
            return False
        return self.config.channel != "sms" or bool(ticket.phone)

    def resume(self, session: Session, now: datetime) -> None:
        """Skip the events too old to send (notifications were off, or the planner was down)."""
        cursor = outbox.lock_cursor(session)
        stale = outbox.last_event_before(session, now - STALE)
        if stale > cursor:
            outbox.advance_cursor(session, stale)

    def plan(self, session: Session, now: datetime) -> int:
        """Write the messages of the events after the cursor and move it; returns how many were written."""
        cursor = outbox.lock_cursor(session)
        last = cursor
        rows: list[dict[str, Any]] = []
        calls: set[tuple[int, int]] = set()  # (centre, service) queues that moved
        for event in outbox.events_after(session, cursor, BATCH):
            if event.event_id != last + 1 and not self._passes_gap(last + 1):
                break
            last = event.event_id
            message = MESSAGE_FOR.get(EventKind(event.kind))
            if message is None or now - event.at > STALE:
                continue
            if self.wants(event, message):
                rows.append(self._row(event, message, None, event.event_counter_id, event.at))
            if message == Message.CALLED:
                calls.add((event.centre_id, event.service_id))
        for centre_id, service_id in sorted(calls):
            rows += self._ahead_rows(session, centre_id, service_id, now)
        if rows:
            outbox.insert_messages(session, rows)
        if last != cursor:
            outbox.advance_cursor(session, last)
            self._gaps = {gap: seen for gap, seen in self._gaps.items() if gap > last}
        return len(rows)

    def _passes_gap(self, event_id: int) -> bool:
        """True once the planner has waited long enough at a missing event id to take it for a rollback."""
        first_seen = self._gaps.setdefault(event_id, self.clock())
        if self.clock() - first_seen < GAP_WAIT:
            return False
        log.info("ticket event %s never appeared: taken for a rolled-back transaction", event_id)
        return True

    def _row(
        self, ticket: MessageFacts, event: Message, ahead: int | None, counter_id: int | None, at: datetime
    ) -> dict[str, Any]:
        centre = self.catalog.by_id(ticket.centre_id)
        return {
            "centre_id": ticket.centre_id,
            "ticket_id": ticket.id,
            "event": event.value,
            "channel": self.config.channel,
            "payload": message_payload(centre, ticket, event, ahead, counter_id, self.public_url),
            "status": "pending",
            "attempts": 0,
            "created_at": at,
            "next_try_at": None,
        }

    def _ahead_rows(self, session: Session, centre_id: int, service_id: int, at: datetime) -> list[dict[str, Any]]:
        """Waiting tickets of a service now `ahead` or fewer people from the front, told once each."""
        if Message.AHEAD not in self.config.events:
            return []
        boosts = self.catalog.by_id(centre_id).config.priority.boosts()
        waiting = outbox.front_by_class(session, service_id, self.config.ahead + 1)
        waiting.sort(key=lambda t: queue_key(t.priority, t.queued_at, t.id, boosts))
        near = waiting[: self.config.ahead + 1]
        if not near:
            return []
        told = outbox.already_sent(session, Message.AHEAD.value, (t.id for t in near))
        return [
            self._row(ticket, Message.AHEAD, position, None, at)
            for position, ticket in enumerate(near)
            if ticket.id not in told and self.wants(ticket, Message.AHEAD)
        ]
