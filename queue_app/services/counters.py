"""What a clerk does at a counter: sign in, call next, call a number, recall, start, complete, no-show,
transfer, park and call back, requeue a no-show, pause, resume, sign out.

Every action goes through `acting_counter()`, which reads the counter (locked on PostgreSQL) and applies the
ownership rule of domain/counters.py, so the console and the API behave the same. Rows are read and
written only through store/counters.py, as plain records. Two counters calling at the same instant never
get the same ticket: a candidate is claimed with a conditional UPDATE (see store.counters.claim).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..domain import tickets as rules
from ..domain.counters import Actor, CounterStatus, check_may_act
from ..domain.errors import Conflict, NotFound
from ..domain.policy import Candidate, order_candidates
from ..domain.tickets import AT_COUNTER, EventKind, Status
from ..store import counters as store
from ..store import tickets as tickets_store
from ..store.records import CounterRecord, TicketRecord
from ..store.tickets import record_event
from . import audit, visits
from .catalog import CentreCatalog
from .events import CalledOutOfTurn, CounterChanged, Event, QueueChanged, TicketCalled, TicketChanged
from .queue_state import counter_services
from .tickets import cancel_ticket

__all__ = ["Actor", "CounterResult"]

CLAIM_ROUNDS_BEFORE_YIELD = 5  # re-read the heads at once this often, then let the others commit first
CLAIM_PATIENCE = timedelta(seconds=10)  # heads locked by others for this long: refuse, never a false "nobody"
ONE_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class CounterResult:
    counter: CounterRecord
    ticket: TicketRecord | None
    events: tuple[Event, ...]


def username(session: Session, centre: CentreCatalog, user_id: int | None) -> str | None:
    """A staff member's name, read once per app (names never change: a call need not read `users`)."""
    if user_id is None:
        return None
    if user_id not in centre.usernames:
        name = store.username(session, user_id)
        if name is None:
            return None
        centre.usernames[user_id] = name
    return centre.usernames[user_id]


def acting_counter(session: Session, centre: CentreCatalog, code: str, actor: Actor) -> CounterRecord:
    """The counter, once the actor may act on it (the ownership rule, for every action but sign-in)."""
    counter = store.counter(session, centre.counter_id(code))
    holder = username(session, centre, counter.user_id) if counter.user_id != actor.user_id else None
    check_may_act(actor, centre.id, code, counter.state, counter.user_id, holder)
    return counter


def counter_changed(
    session: Session, centre: CentreCatalog, counter: CounterRecord, ticket: TicketRecord | None
) -> Event:
    """The counter changed: with what the use case holds of it, so the publisher need not read it back."""
    return CounterChanged(centre.code, counter.code, counter, ticket, username(session, centre, counter.user_id))


def ticket_changed(centre: CentreCatalog, ticket: TicketRecord) -> TicketChanged:
    return TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status)


def current_ticket(session: Session, counter: CounterRecord) -> TicketRecord:
    ticket = tickets_store.ticket(session, counter.current_ticket_id) if counter.current_ticket_id is not None else None
    if ticket is None or ticket.status not in AT_COUNTER:
        raise Conflict("no_current_ticket")
    return ticket


def finish_current(
    session: Session, centre: CentreCatalog, counter: CounterRecord, actor: Actor, now: datetime
) -> list[Event]:
    """Calling with a ticket still open completes it (the configured default), else refuses."""
    if counter.current_ticket_id is None:
        return []
    if not centre.config.counter_rules.auto_complete_on_next:
        current = tickets_store.ticket(session, counter.current_ticket_id)
        if current is not None and current.status in AT_COUNTER:
            raise Conflict("ticket_still_open", number=current.number)
        return []
    ticket = store.finish(session, counter.current_ticket_id, Status.DONE, now)
    if ticket is None:
        return []
    if ticket.legs > 1 and (next_leg := visits.leg_done(session, centre, ticket, counter.id, actor.user_id, now)):
        return list(next_leg[1])  # the visitor goes on to their next leg's queue
    record_event(session, ticket, EventKind.DONE, now, counter.id, actor.user_id, {"auto": True})
    return [ticket_changed(centre, ticket)]


def _called(
    session: Session,
    centre: CentreCatalog,
    counter: CounterRecord,
    ticket: TicketRecord,
    actor: Actor,
    now: datetime,
    detail: dict[str, object] | None = None,
) -> tuple[CounterRecord, list[Event]]:
    streak = counter.priority_streak + 1 if ticket.priority != rules.PriorityClass.NONE else 0
    counter = store.save_counter(session, counter, now, CounterStatus.CALLING, ticket.id, streak)
    record_event(session, ticket, EventKind.CALLED, now, counter.id, actor.user_id, detail)
    service = centre.service_code(ticket.service_id)
    return counter, [
        TicketCalled(
            centre.code,
            ticket.id,
            ticket.number,
            counter.code,
            service,
            ticket.tracking_code,
            False,
            now,
            waited=(now - ticket.queued_at).total_seconds(),
        ),
        ticket_changed(centre, ticket),
        counter_changed(session, centre, counter, ticket),
        QueueChanged(centre.code, (service,)),
    ]


def _ordered(session: Session, centre: CentreCatalog, counter: CounterRecord, now: datetime) -> list[Candidate]:
    """The counter's callable tickets in the order call-next takes them (domain/policy.py)."""
    services = [s for s in counter_services(centre, counter) if s in centre.service_ids]
    heads = store.queue_heads(session, [centre.service_ids[s] for s in services])
    candidates = [Candidate(h.id, centre.service_code(h.service_id), h.priority, h.queued_at) for h in heads]
    config = centre.config.priority
    return order_candidates(candidates, services, now, config.boosts(), config.max_consecutive, counter.priority_streak)


def call_next(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    """Give the counter the next ticket by the call-next policy; ticket None only when nobody waits.

    Another counter may claim every head this one read: then the heads are read again, until one is
    claimed or none is left. A lost claim means that ticket left the queue, so this ends."""
    counter = acting_counter(session, centre, code, actor)
    if counter.state == CounterStatus.PAUSED:
        raise Conflict("counter_paused")
    events = finish_current(session, centre, counter, actor, now)
    rounds, started = 0, time.monotonic()
    while ordered := _ordered(session, centre, counter, now):
        for candidate in ordered:
            claimed = store.claim(session, candidate.ticket_id, counter.id, now)
            if claimed is not None:
                counter, called = _called(session, centre, counter, claimed, actor, now)
                return CounterResult(counter, claimed, (*events, *called))
        rounds += 1
        if rounds % CLAIM_ROUNDS_BEFORE_YIELD == 0:
            if time.monotonic() - started > CLAIM_PATIENCE.total_seconds():
                raise Conflict("queue_busy")
            time.sleep(0.002)  # every head is being claimed by another transaction: let them commit
    counter = store.save_counter(session, counter, now, CounterStatus.IDLE, None)
    events.append(counter_changed(session, centre, counter, None))
    return CounterResult(counter, None, tuple(events))


def call_number(
    session: Session,
    centre: CentreCatalog,
    code: str,
    number: str,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
) -> CounterResult:
    """Call a specific waiting number. Calling it ahead of its turn needs a reason (CALL_REASONS): the
    event is flagged, the audit trail keeps it, and the supervisors' board shows it."""
    counter = acting_counter(session, centre, code, actor)
    if counter.state == CounterStatus.PAUSED:
        raise Conflict("counter_paused")
    ids = [centre.service_ids[s] for s in counter_services(centre, counter) if s in centre.service_ids]
    found = tickets_store.by_number(session, centre.id, number.strip().upper(), ids)
    if found is None:
        raise NotFound("unknown_number", number=number)
    rules.next_status(found.status, "call")
    ordered = _ordered(session, centre, counter, now)
    out_of_turn = bool(ordered) and ordered[0].ticket_id != found.id
    detail: dict[str, object] | None = None
    if out_of_turn:
        detail = {"out_of_turn": True, "reason": rules.check_call_reason(reason), "next": _number_of(session, ordered)}
    events = finish_current(session, centre, counter, actor, now)
    claimed = store.claim(session, found.id, counter.id, now)
    if claimed is None:
        raise Conflict("invalid_transition", action="call", status=Status.CALLED.value)
    counter, called = _called(session, centre, counter, claimed, actor, now, detail)
    if detail is not None:
        service = centre.service_code(claimed.service_id)
        audit.record(
            session,
            "call_out_of_turn",
            actor.username or "system",
            now,
            centre_id=centre.id,
            user_id=actor.user_id,
            target=f"ticket:{claimed.number}",
            detail={"counter": code, "service": service, **detail},
        )
        called.append(
            CalledOutOfTurn(centre.code, claimed.number, code, service, str(detail["reason"]), actor.username, now)
        )
    return CounterResult(counter, claimed, (*events, *called))


def _number_of(session: Session, ordered: list[Candidate]) -> str | None:
    """The number that was due instead (for the audit trail)."""
    due = tickets_store.ticket(session, ordered[0].ticket_id)
    return due.number if due is not None else None


def recall(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    """Call the counter's ticket again (up to max_recalls times)."""
    counter = acting_counter(session, centre, code, actor)
    ticket = current_ticket(session, counter)
    rules.next_status(ticket.status, "recall")
    maximum = centre.config.counter_rules.max_recalls
    if ticket.recalls >= maximum:
        raise Conflict("recall_limit", maximum=maximum)
    ticket = tickets_store.change_ticket(session, ticket.id, {Status.CALLED}, recalls=ticket.recalls + 1) or ticket
    record_event(session, ticket, EventKind.RECALLED, now, counter.id, actor.user_id, {"recalls": ticket.recalls})
    service = centre.service_code(ticket.service_id)
    called = TicketCalled(centre.code, ticket.id, ticket.number, counter.code, service, ticket.tracking_code, True, now)
    return CounterResult(counter, ticket, (called, ticket_changed(centre, ticket)))


def start(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    """The visitor arrived at the counter: service starts."""
    counter = acting_counter(session, centre, code, actor)
    current = current_ticket(session, counter)
    target = rules.next_status(current.status, "start")
    ticket = tickets_store.change_ticket(session, current.id, {Status.CALLED}, status=target, started_at=now)
    if ticket is None:
        raise Conflict("no_current_ticket")
    counter = store.save_counter(session, counter, now, CounterStatus.SERVING, ticket.id)
    record_event(session, ticket, EventKind.STARTED, now, counter.id, actor.user_id)
    return CounterResult(
        counter, ticket, (ticket_changed(centre, ticket), counter_changed(session, centre, counter, ticket))
    )


def _close_current(
    session: Session, centre: CentreCatalog, code: str, action: str, actor: Actor, now: datetime
) -> CounterResult:
    counter = acting_counter(session, centre, code, actor)
    current = current_ticket(session, counter)
    ticket = store.finish(session, current.id, rules.next_status(current.status, action), now)
    if ticket is None:
        raise Conflict("no_current_ticket")
    if ticket.legs > 1 and ticket.status == Status.DONE:
        next_leg = visits.leg_done(session, centre, ticket, counter.id, actor.user_id, now)
        if next_leg is not None:  # the visitor goes on to their next leg's queue
            counter = store.save_counter(session, counter, now, CounterStatus.IDLE, None)
            moved, events = next_leg
            return CounterResult(counter, moved, (*events, counter_changed(session, centre, counter, None)))
    record_event(session, ticket, EventKind(ticket.status), now, counter.id, actor.user_id)
    counter = store.save_counter(session, counter, now, CounterStatus.IDLE, None)
    return CounterResult(
        counter, ticket, (ticket_changed(centre, ticket), counter_changed(session, centre, counter, None))
    )


def complete(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    return _close_current(session, centre, code, "complete", actor, now)


def no_show(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    return _close_current(session, centre, code, "no_show", actor, now)


def transfer(
    session: Session, centre: CentreCatalog, code: str, service: str, note: str | None, actor: Actor, now: datetime
) -> CounterResult:
    """Send the current visitor to another service; they keep their place in time (queued_at)."""
    counter = acting_counter(session, centre, code, actor)
    current = current_ticket(session, counter)
    ticket, events = transfer_ticket(session, centre, current, service, note, actor, now, counter.id)
    audit.record(  # a visitor sent to another queue keeps their place: the trail says who sent them
        session,
        "ticket_transferred",
        actor.username or f"user:{actor.user_id}",
        now,
        user_id=actor.user_id,
        centre_id=centre.id,
        target=f"ticket:{ticket.number}",
        detail={"from": centre.service_code(current.service_id), "to": service},
    )
    counter = store.save_counter(session, counter, now, CounterStatus.IDLE, None)
    return CounterResult(counter, ticket, (*events, counter_changed(session, centre, counter, None)))


def transfer_ticket(
    session: Session,
    centre: CentreCatalog,
    ticket: TicketRecord,
    service: str,
    note: str | None,
    actor: Actor,
    now: datetime,
    counter_id: int | None = None,
) -> tuple[TicketRecord, tuple[Event, ...]]:
    """Move a ticket (waiting or at a counter) to another service's queue, keeping queued_at."""
    centre.service(service)
    old_service = centre.service_code(ticket.service_id)
    if service == old_service and ticket.status == Status.WAITING:
        raise Conflict("same_service")
    target = rules.next_status(ticket.status, "transfer")
    note = (note or "").strip()[:500] or None
    moved = tickets_store.change_ticket(
        session,
        ticket.id,
        {Status(ticket.status)},
        status=target,
        service_id=centre.service_ids[service],
        counter_id=None,
        called_at=None,
        started_at=None,
        recalls=0,
        note=note,
    )
    if moved is None:
        raise Conflict("invalid_transition", action="transfer", status=ticket.status)
    visits.leg_moved(session, moved, moved.service_id)
    detail = {"from": old_service, "to": service, "note": note}
    record_event(session, moved, EventKind.TRANSFERRED, now, counter_id, actor.user_id, detail)
    return moved, (ticket_changed(centre, moved), QueueChanged(centre.code, (old_service, service)))


def leave(
    session: Session, centre: CentreCatalog, ticket: TicketRecord, now: datetime
) -> tuple[TicketRecord, tuple[Event, ...]]:
    """The visitor leaves (from their phone): the ticket is cancelled, and a counter that was calling them
    is free again, so no counter stays "calling" a ticket that is gone (found by tests/test_queue_stateful.py)."""
    cancelled, events = cancel_ticket(session, centre, ticket, now)
    if ticket.status != Status.CALLED or ticket.counter_id is None:
        return cancelled, events
    counter = store.counter(session, ticket.counter_id)
    if counter.current_ticket_id != ticket.id:
        return cancelled, events
    counter = store.save_counter(session, counter, now, CounterStatus.IDLE, None)
    return cancelled, (*events, counter_changed(session, centre, counter, None))
