"""Visitors who step away and come back: park the visitor who must fetch a document and call them back
from this counter's list; put today's no-show back in line when they return late."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..domain import tickets as rules
from ..domain.counters import Actor, CounterStatus
from ..domain.errors import Conflict, NotFound
from ..domain.tickets import AT_COUNTER, EventKind, Status
from ..store import counters as store
from ..store import tickets as tickets_store
from ..store.tickets import record_event
from .catalog import CentreCatalog
from .closing import closing_cutoff
from .counters import (
    ONE_SECOND,
    CounterResult,
    acting_counter,
    counter_changed,
    current_ticket,
    finish_current,
    ticket_changed,
)
from .events import QueueChanged, TicketCalled


def park(
    session: Session, centre: CentreCatalog, code: str, note: str | None, actor: Actor, now: datetime
) -> CounterResult:
    """The visitor goes to fetch a document: the ticket waits aside at this counter, which serves the next."""
    counter = acting_counter(session, centre, code, actor)
    current = current_ticket(session, counter)
    target = rules.next_status(current.status, "park")
    note = (note or "").strip()[:500] or current.note
    ticket = tickets_store.change_ticket(session, current.id, AT_COUNTER, status=target, parked_at=now, note=note)
    if ticket is None:
        raise Conflict("no_current_ticket")
    record_event(session, ticket, EventKind.PARKED, now, counter.id, actor.user_id, {"note": note})
    counter = store.save_counter(session, counter, now, CounterStatus.IDLE, None)
    return CounterResult(
        counter, ticket, (ticket_changed(centre, ticket), counter_changed(session, centre, counter, None))
    )


def unpark(
    session: Session, centre: CentreCatalog, code: str, number: str, actor: Actor, now: datetime
) -> CounterResult:
    """Call back a ticket parked at this counter (the screens announce it like a call)."""
    counter = acting_counter(session, centre, code, actor)
    if counter.state == CounterStatus.PAUSED:
        raise Conflict("counter_paused")
    wanted = number.strip().upper()
    parked = next((t for t in store.parked_at_counter(session, counter.id) if t.number == wanted), None)
    if parked is None:
        raise NotFound("unknown_parked", number=number)
    events = finish_current(session, centre, counter, actor, now)
    target = rules.next_status(parked.status, "unpark")
    ticket = tickets_store.change_ticket(
        session, parked.id, {Status.PARKED}, status=target, called_at=now, parked_at=None
    )
    if ticket is None:
        raise NotFound("unknown_parked", number=number)
    counter = store.save_counter(session, counter, now, CounterStatus.CALLING, ticket.id)
    record_event(session, ticket, EventKind.CALLED, now, counter.id, actor.user_id, {"unparked": True})
    service = centre.service_code(ticket.service_id)
    called = TicketCalled(
        centre.code, ticket.id, ticket.number, counter.code, service, ticket.tracking_code, False, now
    )
    return CounterResult(
        counter,
        ticket,
        (*events, called, ticket_changed(centre, ticket), counter_changed(session, centre, counter, ticket)),
    )


def requeue(
    session: Session, centre: CentreCatalog, code: str, number: str, actor: Actor, now: datetime
) -> CounterResult:
    """A visitor who missed their call is back: staff put today's no-show in line again, at the configured
    place (`front` of the queue, or their `original` time), at most `max_requeues` times."""
    counter = acting_counter(session, centre, code, actor)
    rules_config = centre.config.counter_rules
    found = tickets_store.by_number(session, centre.id, number.strip().upper(), list(centre.service_ids.values()))
    # only a ticket the closing policy would still keep in line (today's, and this shift's under `close`)
    if found is None or found.finished_at is None or found.issued_at < closing_cutoff(session, centre, now):
        raise NotFound("unknown_number", number=number)
    target = rules.next_status(found.status, "requeue")
    if found.requeues >= rules_config.max_requeues:
        raise Conflict("requeue_limit", maximum=rules_config.max_requeues)
    queued_at = found.queued_at
    if rules_config.requeue_place == "front":
        front = store.front_of_queue(session, found.service_id)
        if front is not None and front <= queued_at:
            queued_at = front - ONE_SECOND
    ticket = tickets_store.change_ticket(
        session,
        found.id,
        {Status.NO_SHOW},
        status=target,
        queued_at=queued_at,
        counter_id=None,
        called_at=None,
        started_at=None,
        finished_at=None,
        recalls=0,
        requeues=found.requeues + 1,
    )
    if ticket is None:
        raise Conflict("invalid_transition", action="requeue", status=found.status)
    place = rules_config.requeue_place
    record_event(session, ticket, EventKind.REQUEUED, now, counter.id, actor.user_id, {"place": place})
    service = centre.service_code(ticket.service_id)
    return CounterResult(counter, ticket, (ticket_changed(centre, ticket), QueueChanged(centre.code, (service,))))
