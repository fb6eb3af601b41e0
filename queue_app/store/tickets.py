"""The write model of a ticket outside the counters' hot statements: read one, find one by its number
or tracking code, and change one conditionally on the state it starts from (a row another counter or
process changed since it was read is refused, never overwritten). Plain records out, never models."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from ..domain.tickets import Status
from .models import Ticket, table
from .prepared import Prepared
from .records import TicketRecord

_TICKETS = table(Ticket)
_TICKET_ROW = Prepared(select(_TICKETS).where(_TICKETS.c.id == bindparam("ticket_id")))
_BY_NUMBER = (
    select(_TICKETS)
    .where(
        _TICKETS.c.centre_id == bindparam("centre_id"),
        _TICKETS.c.number == bindparam("number"),
        _TICKETS.c.service_id.in_(bindparam("service_ids", expanding=True)),
    )
    .order_by(_TICKETS.c.issued_at.desc(), _TICKETS.c.id.desc())
    .limit(1)
)
_BY_TRACKING_CODE = Prepared(select(_TICKETS).where(_TICKETS.c.tracking_code == bindparam("code")))


def ticket_record(row: Any) -> TicketRecord | None:
    """A `tickets` row as a record (None stays None)."""
    return TicketRecord(**row._asdict()) if row is not None else None


def ticket(session: Session, ticket_id: int) -> TicketRecord | None:
    """A ticket as plain values, or None."""
    return ticket_record(_TICKET_ROW.execute(session, {"ticket_id": ticket_id}).first())


def change_ticket(
    session: Session, ticket_id: int, from_states: Collection[Status], **values: Any
) -> TicketRecord | None:
    """Write a ticket only while it is still in one of `from_states`; the new row, or None when it is not."""
    statement = (
        update(_TICKETS)
        .where(_TICKETS.c.id == ticket_id, _TICKETS.c.status.in_([s.value for s in from_states]))
        .values(**{k: (v.value if isinstance(v, Status) else v) for k, v in values.items()})
        .returning(*_TICKETS.c)
    )
    return ticket_record(session.execute(statement).first())


def by_number(session: Session, centre_id: int, number: str, service_ids: list[int]) -> TicketRecord | None:
    """The newest ticket of the centre with this display number in one of these services, or None."""
    parameters = {"centre_id": centre_id, "number": number, "service_ids": service_ids}
    return ticket_record(session.execute(_BY_NUMBER, parameters).first())


def by_tracking_code(session: Session, code: str) -> TicketRecord | None:
    """The ticket a visitor's link points at, or None."""
    return ticket_record(_BY_TRACKING_CODE.execute(session, {"code": code}).first())
