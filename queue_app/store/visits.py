"""The legs of family visits: store them, read a visit's legs, and change one leg conditionally on its
status (a leg another counter or process moved since it was read is refused, never overwritten)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..domain.visits import LegStatus
from .models import VisitLeg, table
from .records import LegRecord

_LEGS = table(VisitLeg)


def insert_legs(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Store a visit's legs (one statement)."""
    session.execute(_LEGS.insert(), list(rows))


def legs_of(session: Session, ticket_id: int) -> list[LegRecord]:
    """A visit's legs in the visitor's order."""
    rows = session.execute(select(_LEGS).where(_LEGS.c.ticket_id == ticket_id).order_by(_LEGS.c.position))
    return [LegRecord(**row._asdict()) for row in rows]


def legs_of_many(session: Session, ticket_ids: Collection[int]) -> dict[int, list[LegRecord]]:
    """legs_of() for several visits in one statement."""
    found: dict[int, list[LegRecord]] = {ticket_id: [] for ticket_id in ticket_ids}
    if ticket_ids:
        rows = session.execute(
            select(_LEGS).where(_LEGS.c.ticket_id.in_(list(ticket_ids))).order_by(_LEGS.c.ticket_id, _LEGS.c.position)
        )
        for row in rows:
            found[row.ticket_id].append(LegRecord(**row._asdict()))
    return found


def change_leg(session: Session, leg_id: int, from_states: Collection[LegStatus], **values: Any) -> LegRecord | None:
    """Write a leg only while it is in one of `from_states`: the new row, or None."""
    statement = (
        update(_LEGS)
        .where(_LEGS.c.id == leg_id, _LEGS.c.status.in_([s.value for s in from_states]))
        .values(**{k: (v.value if isinstance(v, LegStatus) else v) for k, v in values.items()})
        .returning(*_LEGS.c)
    )
    row = session.execute(statement).first()
    return LegRecord(**row._asdict()) if row is not None else None
