"""The counter and ticket rows a clerk's busiest actions read and write, as plain records.

Call-next, call-a-number, complete and no-show are what a clerk presses all day: their statements are
`Prepared` (compiled once, run on the driver; store/prepared.py) and return `CounterState` and
`TicketRecord` values with the models' attribute names. services/counters.py holds the use cases; the
rarer actions there use the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import CompoundSelect, bindparam, or_, select, union_all, update
from sqlalchemy.orm import Session

from ..domain.policy import Candidate
from ..store.models import Counter, Ticket, table
from ..store.prepared import Prepared
from .catalog import CentreCatalog
from .tickets import TicketRecord

CANDIDATES_PER_GROUP = 4
PRIORITY_CLASSES = ("none", "elderly", "disabled")


@dataclass(frozen=True)
class CounterState:
    """A counter row as plain values (same attribute names as the `Counter` model)."""

    id: int
    centre_id: int
    code: str
    state: str
    current_ticket_id: int | None
    user_id: int | None
    pause_reason: str | None
    services_override: list[str] | None
    priority_streak: int
    changed_at: datetime | None


_TICKETS = table(Ticket)
_COUNTERS = table(Counter)
_COUNTER_ROW = select(_COUNTERS).where(_COUNTERS.c.id == bindparam("counter_id"))
_COUNTER_STATE = {
    "sqlite": Prepared(_COUNTER_ROW),
    "postgresql": Prepared(_COUNTER_ROW.with_for_update()),
}
_TICKET_ROW = Prepared(select(_TICKETS).where(_TICKETS.c.id == bindparam("ticket_id")))
_LOCK_WAITING = Prepared(
    select(_TICKETS.c.id)
    .where(_TICKETS.c.id == bindparam("ticket_id"), _TICKETS.c.status == "waiting")
    .with_for_update(skip_locked=True)
)
_CLAIM = Prepared(
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("ticket_id"), _TICKETS.c.status == "waiting")
    .values(status="called", called_at=bindparam("at"), counter_id=bindparam("to_counter"))
    .returning(*_TICKETS.c)
)
_FINISH = Prepared(
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("ticket_id"), or_(_TICKETS.c.status == "called", _TICKETS.c.status == "serving"))
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
_BY_NUMBER = (
    select(_TICKETS)
    .where(
        _TICKETS.c.centre_id == bindparam("centre_id"),
        _TICKETS.c.number == bindparam("number"),
        _TICKETS.c.service_id.in_(bindparam("service_ids", expanding=True)),
    )
    .order_by(_TICKETS.c.issued_at.desc())
    .limit(1)
)


def counter_state(session: Session, centre: CentreCatalog, code: str) -> CounterState:
    """The counter as plain values, its row locked on PostgreSQL until the commit."""
    statement = _COUNTER_STATE["postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"]
    return CounterState(**statement.execute(session, {"counter_id": centre.counter_id(code)}).one()._asdict())


def save_counter(
    session: Session,
    counter: CounterState,
    user_id: int | None,
    now: datetime,
    state: str,
    current: int | None,
    streak: int,
) -> CounterState:
    """Write the counter's new state (keeping its clerk when `user_id` is None); returns it as a record."""
    user_id = user_id if user_id is not None else counter.user_id
    values = {"to_state": state, "to_ticket": current, "to_streak": streak, "to_user": user_id, "at": now}
    _SAVE_COUNTER.execute(session, {"counter_id": counter.id, **values})
    return replace(
        counter, state=state, current_ticket_id=current, priority_streak=streak, user_id=user_id, changed_at=now
    )


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
                .where(Ticket.service_id == bindparam(f"s{i}"), Ticket.status == "waiting")
                .where(Ticket.priority == priority, callable_now)
                .order_by(Ticket.queued_at, Ticket.id)
                .limit(CANDIDATES_PER_GROUP)
                .subquery()
            )
            for i in range(services)
            for priority in PRIORITY_CLASSES
        )
    )
    return Prepared(statement)


def candidates(session: Session, centre: CentreCatalog, services: list[str]) -> list[Candidate]:
    """The heads of the counter's queues: the oldest few callable tickets of each service and priority
    class (index ix_tickets_queue_priority). The policy's choice is always the head of one of them; the
    few behind each head are there for when another counter claims a head first. One statement of small
    index range scans, so its cost does not grow with the length of the queues."""
    ids = [centre.service_ids[s] for s in services if s in centre.service_ids]
    if not ids:
        return []
    heads = _candidates_statement(len(ids)).execute(session, {f"s{i}": id_ for i, id_ in enumerate(ids)})
    return [
        Candidate(
            ticket_id=row.id,
            service=centre.service_code(row.service_id),
            priority=row.priority,
            queued_at=row.queued_at,
        )
        for row in heads
    ]


def claim(session: Session, ticket_id: int, counter_id: int, now: datetime) -> TicketRecord | None:
    """Take one waiting ticket for this counter (one UPDATE ... RETURNING), or None if another
    counter got it first."""
    parameters = {"ticket_id": ticket_id}
    if session.get_bind().dialect.name == "postgresql" and _LOCK_WAITING.execute(session, parameters).first() is None:
        return None
    row = _CLAIM.execute(session, {**parameters, "at": now, "to_counter": counter_id}).first()
    return TicketRecord(**row._asdict()) if row is not None else None


def finish(session: Session, ticket_id: int, status: str, now: datetime) -> TicketRecord | None:
    """Close a called or serving ticket (done or no-show); None if it is no longer at a counter."""
    row = _FINISH.execute(session, {"ticket_id": ticket_id, "to_status": status, "at": now}).first()
    return TicketRecord(**row._asdict()) if row is not None else None


def ticket_record(session: Session, ticket_id: int) -> TicketRecord | None:
    """A ticket as plain values, or None."""
    row = _TICKET_ROW.execute(session, {"ticket_id": ticket_id}).first()
    return TicketRecord(**row._asdict()) if row is not None else None


def find_number(session: Session, centre: CentreCatalog, number: str, service_ids: list[int]) -> Any:
    """The newest ticket of the centre with this display number in one of these services (id, status), or None."""
    parameters = {"centre_id": centre.id, "number": number, "service_ids": service_ids}
    return session.execute(_BY_NUMBER, parameters).first()
