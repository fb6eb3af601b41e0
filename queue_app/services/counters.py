"""What a clerk does at a counter: call next, recall, start, complete, no-show, transfer, pause.

Two counters calling at the same instant never get the same ticket: the candidate is claimed with a
conditional UPDATE (status must still be `waiting`); on PostgreSQL the row is first taken with
FOR UPDATE SKIP LOCKED so a busy row is skipped rather than waited for. On SQLite writes are serialised.

Call-next, call-a-number, complete and no-show are what a clerk presses all day: they read and write
through services/counter_rows.py (prepared statements, plain records `CounterState` and `TicketRecord`).
The rarer actions (recall, start, transfer, pause, sign-in/out) use the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain import tickets as rules
from ..domain.errors import Conflict, NotFound
from ..domain.policy import order_candidates
from ..store.models import Counter, StaffEvent, Ticket
from . import counter_rows as rows
from . import hall
from .catalog import CentreCatalog
from .counter_rows import CounterState
from .events import CounterChanged, Event, QueueChanged, TicketCalled, TicketChanged
from .queue_state import counter_services
from .tickets import TicketRecord, record_event

CLAIM_ROUNDS = 5  # re-read the heads when other counters took every candidate (PostgreSQL)


@dataclass(frozen=True)
class Actor:
    """Who acts: the signed-in clerk (None for a system action)."""

    user_id: int | None


@dataclass(frozen=True)
class CounterResult:
    counter: Counter | CounterState
    ticket: Ticket | TicketRecord | None
    events: tuple[Event, ...]


class OpenCounter(Protocol):
    """What finishing a counter's current ticket needs: a `Counter` or a `CounterState`."""

    @property
    def id(self) -> int: ...
    @property
    def current_ticket_id(self) -> int | None: ...


def _counter_changed(
    session: Session, centre: CentreCatalog, counter: CounterState, ticket: TicketRecord | None
) -> CounterChanged:
    """The event, with the counter's hall entry built from what the use case holds."""
    entry = hall.counter_entry(centre, counter, counter, hall.username(session, counter.user_id), ticket)
    return CounterChanged(centre.code, counter.code, entry)


def load_counter(session: Session, centre: CentreCatalog, code: str, lock: bool = True) -> Counter:
    statement = select(Counter).where(Counter.id == centre.counter_id(code))
    if lock and session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    counter = session.scalars(statement).one()
    return counter


def _current(session: Session, counter: Counter) -> Ticket:
    if counter.current_ticket_id is None:
        raise Conflict("no_current_ticket")
    ticket = session.get(Ticket, counter.current_ticket_id)
    if ticket is None or ticket.status not in (rules.Status.CALLED, rules.Status.SERVING):
        raise Conflict("no_current_ticket")
    return ticket


def _open_counter(counter: Counter, actor: Actor, now: datetime) -> None:
    if actor.user_id is not None:
        counter.user_id = actor.user_id
    counter.changed_at = now


def _finish_current(
    session: Session, centre: CentreCatalog, counter: OpenCounter, actor: Actor, now: datetime
) -> list[Event]:
    """Calling next with a ticket still open completes it (the configured default)."""
    if counter.current_ticket_id is None:
        return []
    if not centre.config.counter_rules.auto_complete_on_next:
        current = rows.ticket_record(session, counter.current_ticket_id)
        if current is not None and current.status in (rules.Status.CALLED, rules.Status.SERVING):
            raise Conflict("ticket_still_open", number=current.number)
        return []
    ticket = rows.finish(session, counter.current_ticket_id, rules.Status.DONE.value, now)
    if ticket is None:
        return []
    record_event(session, ticket, "done", now, counter.id, actor.user_id, {"auto": True})
    return [TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status)]


def _called(
    session: Session, centre: CentreCatalog, counter: CounterState, ticket: TicketRecord, actor: Actor, now: datetime
) -> tuple[CounterState, list[Event]]:
    streak = counter.priority_streak + 1 if ticket.priority != "none" else 0
    counter = rows.save_counter(session, counter, actor.user_id, now, "calling", ticket.id, streak)
    record_event(session, ticket, "called", now, counter.id, actor.user_id)
    service = centre.service_code(ticket.service_id)
    return counter, [
        TicketCalled(centre.code, ticket.id, ticket.number, counter.code, service, ticket.tracking_code, False, now),
        TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status),
        _counter_changed(session, centre, counter, ticket),
        QueueChanged(centre.code, (service,)),
    ]


def _idle(counter: Counter, actor: Actor, now: datetime) -> None:
    counter.current_ticket_id = None
    counter.state = "idle"
    _open_counter(counter, actor, now)


def call_next(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    """Give the counter the next ticket by the call-next policy; ticket None when nobody waits."""
    counter = rows.counter_state(session, centre, code)
    if counter.state == "paused":
        raise Conflict("counter_paused")
    events = _finish_current(session, centre, counter, actor, now)
    services = counter_services(centre, counter)
    config = centre.config.priority
    for _round in range(CLAIM_ROUNDS):
        ordered = order_candidates(
            rows.candidates(session, centre, services),
            services,
            now,
            config.boosts(),
            config.max_consecutive,
            counter.priority_streak,
        )
        if not ordered:
            break
        for candidate in ordered:
            claimed = rows.claim(session, candidate.ticket_id, counter.id, now)
            if claimed is not None:
                counter, called = _called(session, centre, counter, claimed, actor, now)
                return CounterResult(counter, claimed, (*events, *called))
    counter = rows.save_counter(session, counter, actor.user_id, now, "idle", None, counter.priority_streak)
    events.append(_counter_changed(session, centre, counter, None))
    return CounterResult(counter, None, tuple(events))


def call_number(
    session: Session, centre: CentreCatalog, code: str, number: str, actor: Actor, now: datetime
) -> CounterResult:
    """Call a specific waiting number (a visitor who stepped out), if the counter serves its service."""
    counter = rows.counter_state(session, centre, code)
    events = _finish_current(session, centre, counter, actor, now)
    ids = [centre.service_ids[s] for s in counter_services(centre, counter)]
    row = rows.find_number(session, centre, number.strip().upper(), ids)
    if row is None:
        raise NotFound("unknown_number", number=number)
    claimed = rows.claim(session, row.id, counter.id, now) if row.status == rules.Status.WAITING else None
    if claimed is None:
        raise Conflict("invalid_transition", action="call", status=row.status)
    counter, called = _called(session, centre, counter, claimed, actor, now)
    return CounterResult(counter, claimed, (*events, *called))


def recall(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    counter = load_counter(session, centre, code)
    ticket = _current(session, counter)
    rules.next_status(ticket.status, "recall")
    if ticket.recalls >= centre.config.counter_rules.max_recalls:
        raise Conflict("recall_limit", maximum=centre.config.counter_rules.max_recalls)
    ticket.recalls += 1
    _open_counter(counter, actor, now)
    record_event(session, ticket, "recalled", now, counter.id, actor.user_id, {"recalls": ticket.recalls})
    service = centre.service_code(ticket.service_id)
    called = TicketCalled(centre.code, ticket.id, ticket.number, counter.code, service, ticket.tracking_code, True, now)
    return CounterResult(counter, ticket, (called, CounterChanged(centre.code, counter.code)))


def start(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    counter = load_counter(session, centre, code)
    ticket = _current(session, counter)
    ticket.status = rules.next_status(ticket.status, "start").value
    ticket.started_at = now
    counter.state = "serving"
    _open_counter(counter, actor, now)
    record_event(session, ticket, "started", now, counter.id, actor.user_id)
    return CounterResult(
        counter,
        ticket,
        (
            TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status),
            CounterChanged(centre.code, counter.code),
        ),
    )


def _close_current(
    session: Session, centre: CentreCatalog, code: str, action: str, actor: Actor, now: datetime
) -> CounterResult:
    counter = rows.counter_state(session, centre, code)
    current = rows.ticket_record(session, counter.current_ticket_id) if counter.current_ticket_id is not None else None
    if current is None or current.status not in (rules.Status.CALLED, rules.Status.SERVING):
        raise Conflict("no_current_ticket")
    ticket = rows.finish(session, current.id, rules.next_status(current.status, action).value, now)
    if ticket is None:
        raise Conflict("no_current_ticket")
    record_event(session, ticket, ticket.status, now, counter.id, actor.user_id)
    counter = rows.save_counter(session, counter, actor.user_id, now, "idle", None, counter.priority_streak)
    return CounterResult(
        counter,
        ticket,
        (
            TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status),
            _counter_changed(session, centre, counter, None),
        ),
    )


def complete(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    return _close_current(session, centre, code, "complete", actor, now)


def no_show(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    return _close_current(session, centre, code, "no_show", actor, now)


def transfer(
    session: Session, centre: CentreCatalog, code: str, service: str, note: str | None, actor: Actor, now: datetime
) -> CounterResult:
    """Send the current visitor to another service; they keep their place in time (queued_at)."""
    counter = load_counter(session, centre, code)
    ticket = _current(session, counter)
    events = list(transfer_ticket(session, centre, ticket, service, note, actor, now, counter.id))
    _idle(counter, actor, now)
    events.append(CounterChanged(centre.code, counter.code))
    return CounterResult(counter, ticket, tuple(events))


def transfer_ticket(
    session: Session,
    centre: CentreCatalog,
    ticket: Ticket,
    service: str,
    note: str | None,
    actor: Actor,
    now: datetime,
    counter_id: int | None = None,
) -> tuple[Event, ...]:
    """Move a ticket (waiting or at a counter) to another service's queue, keeping queued_at."""
    centre.service(service)
    old_service = centre.service_code(ticket.service_id)
    if service == old_service and ticket.status == rules.Status.WAITING:
        raise Conflict("same_service")
    ticket.status = rules.next_status(ticket.status, "transfer").value
    ticket.service_id = centre.service_ids[service]
    ticket.counter_id = None
    ticket.called_at = None
    ticket.started_at = None
    ticket.recalls = 0
    ticket.note = (note or "").strip()[:500] or None
    record_event(
        session,
        ticket,
        "transferred",
        now,
        counter_id,
        actor.user_id,
        {"from": old_service, "to": service, "note": ticket.note},
    )
    return (
        TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status),
        QueueChanged(centre.code, (old_service, service)),
    )


def pause(
    session: Session, centre: CentreCatalog, code: str, reason: str | None, actor: Actor, now: datetime
) -> CounterResult:
    counter = load_counter(session, centre, code)
    if counter.current_ticket_id is not None:
        current = session.get(Ticket, counter.current_ticket_id)
        if current is not None and current.status in (rules.Status.CALLED, rules.Status.SERVING):
            raise Conflict("ticket_still_open", number=current.number)
    if counter.state == "paused":
        raise Conflict("counter_paused")
    counter.state = "paused"
    counter.pause_reason = (reason or "").strip()[:120] or None
    _open_counter(counter, actor, now)
    _staff_event(session, centre, counter, actor, "pause", counter.pause_reason, now)
    return CounterResult(counter, None, (CounterChanged(centre.code, counter.code),))


def resume(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    counter = load_counter(session, centre, code)
    if counter.state != "paused":
        raise Conflict("counter_not_paused")
    counter.state = "idle"
    counter.pause_reason = None
    _open_counter(counter, actor, now)
    _staff_event(session, centre, counter, actor, "resume", None, now)
    return CounterResult(counter, None, (CounterChanged(centre.code, counter.code),))


def sign_in(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    """A clerk takes a counter: it opens (idle) and the presence is recorded."""
    counter = load_counter(session, centre, code)
    if counter.state in ("closed", None):
        counter.state = "idle"
    _open_counter(counter, actor, now)
    _staff_event(session, centre, counter, actor, "sign_in", None, now)
    return CounterResult(counter, None, (CounterChanged(centre.code, counter.code),))


def sign_out(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    counter = load_counter(session, centre, code)
    events: list[Event] = list(_finish_current(session, centre, counter, actor, now))
    _staff_event(session, centre, counter, actor, "sign_out", None, now)
    counter.state = "closed"
    counter.current_ticket_id = None
    counter.user_id = None
    counter.pause_reason = None
    counter.changed_at = now
    events.append(CounterChanged(centre.code, counter.code))
    return CounterResult(counter, None, tuple(events))


def _staff_event(
    session: Session,
    centre: CentreCatalog,
    counter: Counter,
    actor: Actor,
    kind: str,
    reason: str | None,
    now: datetime,
) -> None:
    if actor.user_id is None:
        return
    session.add(
        StaffEvent(centre_id=centre.id, user_id=actor.user_id, counter_id=counter.id, kind=kind, reason=reason, at=now)
    )
