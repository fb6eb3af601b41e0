"""What a clerk does at a counter: call next, recall, start, complete, no-show, transfer, pause.

Two counters calling at the same instant never get the same ticket: the candidate is claimed with a
conditional UPDATE (status must still be `waiting`); on PostgreSQL the row is first taken with
FOR UPDATE SKIP LOCKED so a busy row is skipped rather than waited for. On SQLite writes are serialised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, union, update
from sqlalchemy.orm import Session

from ..domain import tickets as rules
from ..domain.errors import Conflict, NotFound
from ..domain.policy import Candidate, order_candidates
from ..store.models import Counter, StaffEvent, Ticket
from .catalog import CentreCatalog
from .events import CounterChanged, Event, QueueChanged, TicketCalled, TicketChanged
from .queue_state import counter_services
from .tickets import record_event

CANDIDATES_PER_GROUP = 16


@dataclass(frozen=True)
class Actor:
    """Who acts: the signed-in clerk (None for a system action)."""

    user_id: int | None


@dataclass(frozen=True)
class CounterResult:
    counter: Counter
    ticket: Ticket | None
    events: tuple[Event, ...]


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


def _candidates(session: Session, centre: CentreCatalog, services: list[str]) -> list[Candidate]:
    """Enough waiting, callable tickets for the policy to choose: the oldest few of each service, and
    the oldest few priority tickets of them all. One statement of small index range scans, so its cost
    does not grow with the length of the queue."""
    ids = [centre.service_ids[s] for s in services if s in centre.service_ids]
    if not ids:
        return []
    columns = (Ticket.id, Ticket.service_id, Ticket.priority, Ticket.queued_at)
    callable_now = or_(Ticket.needs_check_in.is_(False), Ticket.checked_in_at.is_not(None))
    oldest_first = (Ticket.queued_at, Ticket.id)
    groups = [
        select(*columns)
        .where(Ticket.service_id == service_id, Ticket.status == "waiting", callable_now)
        .order_by(*oldest_first)
        .limit(CANDIDATES_PER_GROUP)
        .subquery()
        for service_id in ids
    ]
    groups.append(
        select(*columns)
        .where(Ticket.service_id.in_(ids), Ticket.status == "waiting", Ticket.priority != "none", callable_now)
        .order_by(*oldest_first)
        .limit(CANDIDATES_PER_GROUP * len(ids))
        .subquery()
    )
    rows = session.execute(union(*(select(group) for group in groups)))  # UNION drops the duplicates
    return [
        Candidate(
            ticket_id=row.id,
            service=centre.service_code(row.service_id),
            priority=row.priority,
            queued_at=row.queued_at,
        )
        for row in rows
    ]


def _claim(session: Session, ticket_id: int) -> Ticket | None:
    """Take one waiting ticket for this counter (one UPDATE ... RETURNING), or None if another
    counter got it first."""
    if session.get_bind().dialect.name == "postgresql":
        locked = session.scalar(
            select(Ticket.id)
            .where(Ticket.id == ticket_id, Ticket.status == "waiting")
            .with_for_update(skip_locked=True)
        )
        if locked is None:
            return None
    claimed = session.scalars(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status == "waiting")
        .values(status="called")  # the rest is set on the object, so the flush sees the call
        .returning(Ticket)
        .execution_options(populate_existing=True)
    ).first()
    return claimed


def _open_counter(counter: Counter, actor: Actor, now: datetime) -> None:
    if actor.user_id is not None:
        counter.user_id = actor.user_id
    counter.changed_at = now


def _finish_current(
    session: Session, centre: CentreCatalog, counter: Counter, actor: Actor, now: datetime
) -> list[Event]:
    """Calling next with a ticket still open completes it (the configured default)."""
    if counter.current_ticket_id is None:
        return []
    ticket = session.get(Ticket, counter.current_ticket_id)
    if ticket is None or ticket.status not in (rules.Status.CALLED, rules.Status.SERVING):
        return []
    if not centre.config.counter_rules.auto_complete_on_next:
        raise Conflict("ticket_still_open", number=ticket.number)
    ticket.status = rules.Status.DONE.value
    ticket.finished_at = now
    record_event(session, ticket, "done", now, counter.id, actor.user_id, {"auto": True})
    return [TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status)]


def _called(
    session: Session, centre: CentreCatalog, counter: Counter, ticket: Ticket, actor: Actor, now: datetime
) -> list[Event]:
    ticket.status = rules.Status.CALLED.value
    ticket.called_at = now
    ticket.counter_id = counter.id
    counter.current_ticket_id = ticket.id
    counter.state = "calling"
    counter.priority_streak = counter.priority_streak + 1 if ticket.priority != "none" else 0
    _open_counter(counter, actor, now)
    record_event(session, ticket, "called", now, counter.id, actor.user_id)
    service = centre.service_code(ticket.service_id)
    return [
        TicketCalled(centre.code, ticket.id, ticket.number, counter.code, service, ticket.tracking_code, False, now),
        TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status),
        CounterChanged(centre.code, counter.code),
        QueueChanged(centre.code, (service,)),
    ]


def _idle(counter: Counter, actor: Actor, now: datetime) -> None:
    counter.current_ticket_id = None
    counter.state = "idle"
    _open_counter(counter, actor, now)


def call_next(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    """Give the counter the next ticket by the call-next policy; ticket None when nobody waits."""
    counter = load_counter(session, centre, code)
    if counter.state == "paused":
        raise Conflict("counter_paused")
    events = _finish_current(session, centre, counter, actor, now)
    services = counter_services(centre, counter)
    config = centre.config.priority
    ordered = order_candidates(
        _candidates(session, centre, services),
        services,
        now,
        config.boosts(),
        config.max_consecutive,
        counter.priority_streak,
    )
    for candidate in ordered:
        claimed = _claim(session, candidate.ticket_id)
        if claimed is not None:
            events += _called(session, centre, counter, claimed, actor, now)
            return CounterResult(counter, claimed, tuple(events))
    _idle(counter, actor, now)
    events.append(CounterChanged(centre.code, counter.code))
    return CounterResult(counter, None, tuple(events))


def call_number(
    session: Session, centre: CentreCatalog, code: str, number: str, actor: Actor, now: datetime
) -> CounterResult:
    """Call a specific waiting number (a visitor who stepped out), if the counter serves its service."""
    counter = load_counter(session, centre, code)
    events = _finish_current(session, centre, counter, actor, now)
    ids = [centre.service_ids[s] for s in counter_services(centre, counter)]
    ticket = session.scalars(
        select(Ticket)
        .where(Ticket.centre_id == centre.id, Ticket.number == number.strip().upper(), Ticket.service_id.in_(ids))
        .order_by(Ticket.issued_at.desc())
    ).first()
    if ticket is None:
        raise NotFound("unknown_number", number=number)
    claimed = _claim(session, ticket.id) if ticket.status == rules.Status.WAITING else None
    if claimed is None:
        raise Conflict("invalid_transition", action="call", status=ticket.status)
    events += _called(session, centre, counter, claimed, actor, now)
    return CounterResult(counter, ticket, tuple(events))


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
    counter = load_counter(session, centre, code)
    ticket = _current(session, counter)
    ticket.status = rules.next_status(ticket.status, action).value
    ticket.finished_at = now
    record_event(session, ticket, ticket.status, now, counter.id, actor.user_id)
    _idle(counter, actor, now)
    return CounterResult(
        counter,
        ticket,
        (
            TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status),
            CounterChanged(centre.code, counter.code),
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
