"""The write model of a counter and the tickets at it: every statement a clerk's action runs.

Each function runs one statement and returns plain records (`CounterRecord`, `TicketRecord`): the use
cases in services/counters.py never see a model or SQL. The busiest ones (read the counter, the queue
heads, claim, finish, save) are `Prepared` (compiled once, run on the driver; store/prepared.py).
Ticket writes are conditional on the state they start from, so a row another counter or process
changed since it was read is refused (None), never overwritten.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import CompoundSelect, bindparam, func, or_, select, union_all, update
from sqlalchemy.orm import Session

from ..domain.counters import CounterStatus
from ..domain.tickets import AT_COUNTER, PriorityClass, Status
from .models import Counter, StaffEvent, Ticket, User, table
from .prepared import Prepared
from .records import CounterRecord, TicketRecord
from .tickets import ticket_record

CANDIDATES_PER_GROUP = 4

_TICKETS = table(Ticket)
_COUNTERS = table(Counter)
_COUNTER_ROW = select(_COUNTERS).where(_COUNTERS.c.id == bindparam("counter_id"))
_COUNTER_STATE = {
    "sqlite": Prepared(_COUNTER_ROW),
    "postgresql": Prepared(_COUNTER_ROW.with_for_update()),
}
_LOCK_WAITING = Prepared(
    select(_TICKETS.c.id)
    .where(_TICKETS.c.id == bindparam("ticket_id"), _TICKETS.c.status == Status.WAITING.value)
    .with_for_update(skip_locked=True)
)
_CLAIM = Prepared(
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("ticket_id"), _TICKETS.c.status == Status.WAITING.value)
    .values(status=Status.CALLED.value, called_at=bindparam("at"), counter_id=bindparam("to_counter"))
    .returning(*_TICKETS.c)
)
_FINISH = Prepared(
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("ticket_id"), or_(*(_TICKETS.c.status == s.value for s in AT_COUNTER)))
    .values(status=bindparam("to_status"), finished_at=bindparam("at"))
    .returning(*_TICKETS.c)
)
_SAVE_COUNTER = Prepared(
    update(_COUNTERS)
    .where(_COUNTERS.c.id == bindparam("counter_id"))
    .values(
        state=bindparam("to_state"),
        current_ticket_id=bindparam("to_ticket"),
        priority_streak=bindparam("to_streak"),
        user_id=bindparam("to_user"),
        changed_at=bindparam("at"),
    )
)
_USERNAME = Prepared(select(User.username).where(User.id == bindparam("user_id")))


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# -- counters -------------------------------------------------------------------------------------


def counter(session: Session, counter_id: int, lock: bool = True) -> CounterRecord:
    """The counter as plain values, its row locked on PostgreSQL until the commit (one writer at a time)
    unless `lock` is false (a read for a screen)."""
    statement = _COUNTER_STATE["postgresql" if lock and _postgres(session) else "sqlite"]
    return CounterRecord(**statement.execute(session, {"counter_id": counter_id}).one()._asdict())


def save_counter(
    session: Session,
    counter: CounterRecord,
    now: datetime,
    state: CounterStatus,
    current: int | None,
    streak: int | None = None,
    user_id: int | None = None,
) -> CounterRecord:
    """Write the counter's state, current ticket and streak (keeping its clerk when `user_id` is None)."""
    user_id = user_id if user_id is not None else counter.user_id
    streak = counter.priority_streak if streak is None else streak
    values = {"to_state": state.value, "to_ticket": current, "to_streak": streak, "to_user": user_id, "at": now}
    _SAVE_COUNTER.execute(session, {"counter_id": counter.id, **values})
    return replace(
        counter, state=state.value, current_ticket_id=current, priority_streak=streak, user_id=user_id, changed_at=now
    )


def update_counter(session: Session, counter: CounterRecord, **values: Any) -> CounterRecord:
    """Write any of the counter's columns (the rarer actions: pause, sign-in, services)."""
    session.execute(update(_COUNTERS).where(_COUNTERS.c.id == counter.id).values(**values))
    return replace(counter, **values)


def counters_of_centre(session: Session, centre_id: int) -> list[CounterRecord]:
    rows = session.execute(select(_COUNTERS).where(_COUNTERS.c.centre_id == centre_id))
    return [CounterRecord(**row._asdict()) for row in rows]


def counters_held_by(session: Session, centre_id: int, user_id: int) -> list[CounterRecord]:
    """The open counters of a centre this staff member holds (a clerk holds one at a time)."""
    rows = session.execute(
        select(_COUNTERS).where(
            _COUNTERS.c.centre_id == centre_id,
            _COUNTERS.c.user_id == user_id,
            _COUNTERS.c.state != CounterStatus.CLOSED.value,
        )
    )
    return [CounterRecord(**row._asdict()) for row in rows]


def record_presence(
    session: Session, centre_id: int, user_id: int | None, counter_id: int, kind: str, reason: str | None, at: datetime
) -> None:
    """A staff member's presence at a counter: sign_in, sign_out, pause (with reason), resume."""
    if user_id is not None:
        session.execute(
            table(StaffEvent).insert(),
            {
                "centre_id": centre_id,
                "user_id": user_id,
                "counter_id": counter_id,
                "kind": kind,
                "reason": reason,
                "at": at,
            },
        )


def username(session: Session, user_id: int) -> str | None:
    return _USERNAME.execute(session, {"user_id": user_id}).scalar()  # type: ignore[no-any-return]


# -- tickets at a counter -------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _candidates_statement(services: int) -> Prepared:
    """The candidates query for a counter serving `services` services (ids bound as s0, s1, ...), built
    once per size: building it per call cost more CPU than running it."""
    columns = (Ticket.id, Ticket.service_id, Ticket.priority, Ticket.queued_at)
    callable_now = or_(Ticket.needs_check_in.is_(False), Ticket.checked_in_at.is_not(None))
    statement: CompoundSelect[Any] = union_all(
        *(
            select(
                select(*columns)
                .where(Ticket.service_id == bindparam(f"s{i}"), Ticket.status == Status.WAITING.value)
                .where(Ticket.priority == priority.value, callable_now)
                .order_by(Ticket.queued_at, Ticket.id)
                .limit(CANDIDATES_PER_GROUP)
                .subquery()
            )
            for i in range(services)
            for priority in PriorityClass
        )
    )
    return Prepared(statement)


def queue_heads(session: Session, service_ids: list[int]) -> list[Any]:
    """The heads of these queues: the oldest few callable tickets of each service and priority class
    (index ix_tickets_queue_priority), rows of (id, service_id, priority, queued_at). The policy's choice
    is always the head of one of them; the few behind each head are there for when another counter
    claims a head first. One statement of small index range scans: its cost does not grow with the queues."""
    if not service_ids:
        return []
    return list(
        _candidates_statement(len(service_ids)).execute(session, {f"s{i}": v for i, v in enumerate(service_ids)})
    )


def claim(session: Session, ticket_id: int, counter_id: int, now: datetime) -> TicketRecord | None:
    """Take one waiting ticket for this counter (one UPDATE ... RETURNING), or None if another counter
    got it first. On PostgreSQL a row another transaction is claiming is skipped, not waited for."""
    parameters = {"ticket_id": ticket_id}
    if _postgres(session) and _LOCK_WAITING.execute(session, parameters).first() is None:
        return None
    return ticket_record(_CLAIM.execute(session, {**parameters, "at": now, "to_counter": counter_id}).first())


def finish(session: Session, ticket_id: int, status: Status, now: datetime) -> TicketRecord | None:
    """Close a called or serving ticket (done or no-show); None if it is no longer at a counter."""
    return ticket_record(
        _FINISH.execute(session, {"ticket_id": ticket_id, "to_status": status.value, "at": now}).first()
    )


def parked_at_counter(session: Session, counter_id: int) -> list[TicketRecord]:
    """The tickets parked at this counter, in the order they were parked (ix_tickets_counter_status)."""
    rows = session.execute(
        select(_TICKETS)
        .where(_TICKETS.c.counter_id == counter_id, _TICKETS.c.status == Status.PARKED.value)
        .order_by(_TICKETS.c.parked_at, _TICKETS.c.id)
    )
    return [TicketRecord(**row._asdict()) for row in rows]


def missed_since(session: Session, centre_id: int, service_ids: list[int], since: datetime) -> list[TicketRecord]:
    """No-shows of these services finished since `since`, newest first (ix_tickets_centre_finished)."""
    if not service_ids:
        return []
    rows = session.execute(
        select(_TICKETS)
        .where(
            _TICKETS.c.centre_id == centre_id,
            _TICKETS.c.status == Status.NO_SHOW.value,
            _TICKETS.c.finished_at >= since,
            _TICKETS.c.service_id.in_(service_ids),
        )
        .order_by(_TICKETS.c.finished_at.desc())
        .limit(20)
    )
    return [TicketRecord(**row._asdict()) for row in rows]


def front_of_queue(session: Session, service_id: int) -> datetime | None:
    """The earliest `queued_at` waiting in a service's queue (one index seek), or None when it is empty."""
    return session.scalar(  # type: ignore[no-any-return]
        select(func.min(_TICKETS.c.queued_at)).where(
            _TICKETS.c.service_id == service_id, _TICKETS.c.status == Status.WAITING.value
        )
    )
