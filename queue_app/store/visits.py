"""The legs of family visits: store them, read a visit's legs, and move a leg from one status to the next
only while it is still in the status it was read in (a leg another counter or process moved since is
refused, never overwritten). The statements on a visit's way through the counters are prepared once
(store/prepared.py): they run at each call and completion of a family visit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..domain.tickets import Status
from ..domain.visits import LegStatus
from .models import Ticket, VisitLeg, table
from .prepared import Prepared
from .records import LegRecord

_LEGS = table(VisitLeg)
_LEGS_OF = Prepared(select(_LEGS).where(_LEGS.c.ticket_id == bindparam("ticket_id")).order_by(_LEGS.c.position))


def _from(status: LegStatus) -> Any:
    """`UPDATE visit_legs ... WHERE id = :leg_id AND status = <status> RETURNING *`, values bound later."""
    return update(_LEGS).where(_LEGS.c.id == bindparam("leg_id"), _LEGS.c.status == status.value)


_FINISH = Prepared(
    _from(LegStatus.CURRENT)
    .values(
        status=LegStatus.DONE.value,
        called_at=bindparam("called_at"),
        started_at=bindparam("started_at"),
        finished_at=bindparam("finished_at"),
        counter_id=bindparam("counter_id"),
    )
    .returning(*_LEGS.c)
)
_START = Prepared(
    _from(LegStatus.PENDING).values(status=LegStatus.CURRENT.value, queued_at=bindparam("at")).returning(*_LEGS.c)
)
_DROP = Prepared(_from(LegStatus.PENDING).values(status=LegStatus.DROPPED.value).returning(*_LEGS.c))
_MOVE = Prepared(_from(LegStatus.CURRENT).values(service_id=bindparam("service_id")).returning(*_LEGS.c))
_POSTPONE = Prepared(
    _from(LegStatus.CURRENT).values(status=LegStatus.PENDING.value, queued_at=None).returning(*_LEGS.c)
)
# the waiting visits that still have a leg to come: ix_visit_legs_status holds the few pending legs (those
# of visits that ended early too: a cancelled visit keeps its plan as it was), the join keeps the waiting
_TICKETS = table(Ticket)
_PLANNED = Prepared(
    select(_LEGS.c.ticket_id)
    .join(_TICKETS, _TICKETS.c.id == _LEGS.c.ticket_id)
    .where(_LEGS.c.status == LegStatus.PENDING.value, _TICKETS.c.status == Status.WAITING.value)
    .distinct()
)


def _record(rows: Any) -> LegRecord | None:
    row = rows.first()
    return LegRecord(**row._asdict()) if row is not None else None


def insert_legs(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Store a visit's legs (one statement)."""
    session.execute(_LEGS.insert(), list(rows))


def legs_of(session: Session, ticket_id: int) -> list[LegRecord]:
    """A visit's legs in the visitor's order."""
    return [LegRecord(**row._asdict()) for row in _LEGS_OF.execute(session, {"ticket_id": ticket_id})]


def finish_leg(
    session: Session,
    leg_id: int,
    called_at: datetime | None,
    started_at: datetime | None,
    finished_at: datetime,
    counter_id: int | None,
) -> LegRecord | None:
    """The current leg was served: done, with its own times and counter."""
    values = {"called_at": called_at, "started_at": started_at, "finished_at": finished_at, "counter_id": counter_id}
    return _record(_FINISH.execute(session, {"leg_id": leg_id, **values}))


def start_leg(session: Session, leg_id: int, at: datetime) -> LegRecord | None:
    """A pending leg becomes the current one: the ticket joined its queue at `at`."""
    return _record(_START.execute(session, {"leg_id": leg_id, "at": at}))


def drop_leg(session: Session, leg_id: int) -> LegRecord | None:
    """A pending leg will not be done (the visit was ended)."""
    return _record(_DROP.execute(session, {"leg_id": leg_id}))


def postpone_leg(session: Session, leg_id: int) -> LegRecord | None:
    """The current leg goes back to the plan: the waiting visit was moved to another of its legs."""
    return _record(_POSTPONE.execute(session, {"leg_id": leg_id}))


def visits_with_legs_to_come(session: Session) -> list[int]:
    """The waiting tickets of every visit with a leg still pending."""
    return [row.ticket_id for row in _PLANNED.execute(session, {})]


def move_leg(session: Session, leg_id: int, service_id: int) -> LegRecord | None:
    """The current leg now asks for another service (the ticket was transferred)."""
    return _record(_MOVE.execute(session, {"leg_id": leg_id, "service_id": service_id}))
