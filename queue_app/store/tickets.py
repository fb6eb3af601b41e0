"""The write model of a ticket outside the counters' statements: number and insert one (the busiest
write of a hall), record its events, read one, find one by number or tracking code, check a remote
one in, expire overdue holds, and change one conditionally on the state it starts from (a row another
counter or process changed since it was read is refused, never overwritten). Plain records out."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Integer, String, bindparam, cast, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..domain.tickets import CLOSABLE, Status
from .models import Service, Ticket, TicketEvent, TicketSequence, table
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


# A family visit's leg was served (the row just finished as done): the ticket joins its next leg's queue,
# keeping its place in time (services/visits.py). Prepared: it runs at every leg a visit completes.
_TO_NEXT_LEG = Prepared(
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("ticket_id"), _TICKETS.c.status == Status.DONE.value)
    .values(
        status=Status.WAITING.value,
        service_id=bindparam("service_id"),
        transactions=bindparam("transactions"),
        finished_at=None,
        counter_id=None,
        called_at=None,
        started_at=None,
        parked_at=None,
        recalls=0,
        note=None,
    )
    .returning(*_TICKETS.c)
)


def to_next_leg(session: Session, ticket_id: int, service_id: int, transactions: int) -> TicketRecord | None:
    """Put a ticket just served back in line for its visit's next service; None when it is not done."""
    parameters = {"ticket_id": ticket_id, "service_id": service_id, "transactions": transactions}
    return ticket_record(_TO_NEXT_LEG.execute(session, parameters).first())


def by_number(session: Session, centre_id: int, number: str, service_ids: list[int]) -> TicketRecord | None:
    """The newest ticket of the centre with this display number in one of these services, or None."""
    parameters = {"centre_id": centre_id, "number": number, "service_ids": service_ids}
    return ticket_record(session.execute(_BY_NUMBER, parameters).first())


def by_tracking_code(session: Session, code: str) -> TicketRecord | None:
    """The ticket a visitor's link points at, or None."""
    return ticket_record(_BY_TRACKING_CODE.execute(session, {"code": code}).first())


# -- issuing -----------------------------------------------------------------------------------------

_SEQUENCES = table(TicketSequence)


def _sequence_upsert(insert_fn: Any) -> Any:
    """Take the next number of a service in a period, only while the service is open for intake: the
    row to insert is selected from the service, so a closed service inserts nothing and returns no row."""
    services = table(Service)
    open_service = select(
        cast(bindparam("service_id"), Integer), cast(bindparam("period"), String), literal(1, Integer)
    ).where(services.c.id == bindparam("service_id"), services.c.intake_open.is_(True))
    return (
        insert_fn(_SEQUENCES)
        .from_select(["service_id", "period", "last"], open_service)
        .on_conflict_do_update(index_elements=["service_id", "period"], set_={"last": _SEQUENCES.c.last + 1})
        .returning(_SEQUENCES.c.last)
    )


# Issuing is the busiest write of a hall (a kiosk queue at opening time), so it runs Core statements on
# the tables, built once with parameters: building a SQLAlchemy expression per ticket, or the ORM's unit
# of work, cost several times more CPU than running the SQL (docs/benchmarks.md).
_SEQUENCE_UPSERT = {
    "postgresql": Prepared(_sequence_upsert(pg_insert)),
    "sqlite": Prepared(_sequence_upsert(sqlite_insert)),
}
_INSERT_TICKET = Prepared(_TICKETS.insert().returning(_TICKETS.c.id))
_INSERT_EVENT = Prepared(table(TicketEvent).insert())


def next_sequence(session: Session, service_id: int, period: str) -> int | None:
    """Atomically take the next number of a service in a period (one upsert, no max()+1); None when a
    supervisor has closed the service."""
    statement = _SEQUENCE_UPSERT["postgresql" if session.get_bind().dialect.name == "postgresql" else "sqlite"]
    last = statement.execute(session, {"service_id": service_id, "period": period}).scalar()
    return int(last) if last is not None else None


def sequences_in_period(session: Session, service_ids: list[int], period: str) -> dict[int, int]:
    """The last number given per service in a period (a service's tickets issued in it)."""
    rows = session.execute(
        select(TicketSequence.service_id, TicketSequence.last).where(
            TicketSequence.service_id.in_(service_ids), TicketSequence.period == period
        )
    )
    return {service_id: last for service_id, last in rows}


def intake_open_by_service(session: Session, centre_id: int) -> dict[str, bool]:
    """Per service code: False where a supervisor closed intake."""
    rows = session.execute(select(Service.code, Service.intake_open).where(Service.centre_id == centre_id))
    return {code: bool(opened) if opened is not None else True for code, opened in rows}


def insert_ticket(session: Session, values: dict[str, Any]) -> int:
    """Store a new ticket's row; its id."""
    return int(_INSERT_TICKET.execute(session, values).scalar_one())


class TicketRef(Protocol):
    """What an event row needs of its ticket: an ORM `Ticket` and a `TicketRecord` both have it."""

    @property
    def id(self) -> int: ...
    @property
    def centre_id(self) -> int: ...
    @property
    def service_id(self) -> int: ...


def record_event(
    session: Session,
    ticket: TicketRef,
    kind: str,
    at: datetime,
    counter_id: int | None = None,
    user_id: int | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    """Store one transition of a ticket (its new state already written): every transition goes through
    here, and the stored events are what reports read and what the notification outbox sends."""
    _INSERT_EVENT.execute(
        session,
        {
            "ticket_id": ticket.id,
            "centre_id": ticket.centre_id,
            "service_id": ticket.service_id,
            "kind": kind,
            "at": at,
            "counter_id": counter_id,
            "user_id": user_id,
            "detail": dict(detail) if detail is not None else None,
        },
    )


def issued_in_period(session: Session, centre_id: int, period: str) -> int:
    return int(
        session.scalar(
            select(func.count(_TICKETS.c.id)).where(_TICKETS.c.centre_id == centre_id, _TICKETS.c.period == period)
        )
        or 0
    )


# -- joining from home -------------------------------------------------------------------------------


def remote_joins_since(
    session: Session, centre_id: int, since: datetime, ip: str | None, phone: str | None, civil_id: str | None
) -> tuple[int, int]:
    """Remote tickets of a centre since `since`: (from this client address, for this person by phone or
    civil ID)."""
    today = select(func.count(_TICKETS.c.id)).where(
        _TICKETS.c.centre_id == centre_id, _TICKETS.c.source == "remote", _TICKETS.c.issued_at >= since
    )
    by_ip = int(session.scalar(today.where(_TICKETS.c.client_ip == ip)) or 0) if ip else 0
    person: list[ColumnElement[bool]] = []
    if phone:
        person.append(_TICKETS.c.phone == phone)
    if civil_id:
        person.append(_TICKETS.c.civil_id == civil_id)
    by_person = int(session.scalar(today.where(or_(*person))) or 0) if person else 0
    return by_ip, by_person


_CHECK_IN = Prepared(
    update(_TICKETS)
    .where(_TICKETS.c.id == bindparam("ticket_id"), _TICKETS.c.status == Status.WAITING.value)
    .where(_TICKETS.c.checked_in_at.is_(None))
    .where(or_(_TICKETS.c.hold_until.is_(None), _TICKETS.c.hold_until >= bindparam("at")))
    .values(checked_in_at=bindparam("at"))
    .returning(*_TICKETS.c)
)

# One conditional UPDATE: several processes may sweep at once, and a ticket checked in, or no longer
# waiting, by the time the row is written is left alone. Each overdue ticket is expired exactly once.
_EXPIRE = Prepared(
    update(_TICKETS)
    .where(
        _TICKETS.c.status == Status.WAITING.value,
        _TICKETS.c.needs_check_in.is_(True),
        _TICKETS.c.checked_in_at.is_(None),
        _TICKETS.c.hold_until < bindparam("at"),
    )
    .values(status=Status.CANCELLED.value, finished_at=bindparam("at"))
    .returning(*_TICKETS.c)
)


# The end of a shift: one conditional UPDATE per centre, so sweeps in several processes close each
# ticket once (a row another sweep, or a counter, changed first no longer matches).
_CLOSE = Prepared(
    update(_TICKETS)
    .where(
        _TICKETS.c.centre_id == bindparam("centre_id"),
        or_(*(_TICKETS.c.status == s.value for s in sorted(CLOSABLE))),  # a prepared statement takes no IN
        _TICKETS.c.issued_at < bindparam("before"),
    )
    .values(status=Status.CLOSED.value, finished_at=bindparam("at"), parked_at=None)
    .returning(*_TICKETS.c)
)

# Joined from home and now due: the hold starts once (the first sweep or issue that sees it due).
_DUE = Prepared(
    update(_TICKETS)
    .where(
        _TICKETS.c.id == bindparam("ticket_id"),
        _TICKETS.c.status == Status.WAITING.value,
        _TICKETS.c.needs_check_in.is_(True),
        _TICKETS.c.checked_in_at.is_(None),
        _TICKETS.c.hold_until.is_(None),
    )
    .values(hold_until=bindparam("hold_until"))
    .returning(*_TICKETS.c)
)
_NOT_YET_DUE = Prepared(
    select(_TICKETS).where(
        _TICKETS.c.status == Status.WAITING.value,
        _TICKETS.c.hold_until.is_(None),
        _TICKETS.c.needs_check_in.is_(True),
        _TICKETS.c.checked_in_at.is_(None),
    )
)


def close_waiting(session: Session, centre_id: int, before: datetime, now: datetime) -> list[TicketRecord]:
    """Close a centre's tickets issued before `before` that still wait (or are parked): the ones closed."""
    rows = _CLOSE.execute(session, {"centre_id": centre_id, "before": before, "at": now})
    return [TicketRecord(**row._asdict()) for row in rows]


def not_yet_due(session: Session) -> list[TicketRecord]:
    """Tickets joined from home whose hold has not started (the visitor has not been told to come)."""
    return [TicketRecord(**row._asdict()) for row in _NOT_YET_DUE.execute(session, {})]


def start_hold(session: Session, ticket_id: int, hold_until: datetime) -> TicketRecord | None:
    """Start a remote ticket's hold, once: the row, or None when it was started, checked in or left."""
    return ticket_record(_DUE.execute(session, {"ticket_id": ticket_id, "hold_until": hold_until}).first())


def check_in(session: Session, ticket_id: int, now: datetime) -> TicketRecord | None:
    """Mark a waiting remote ticket present, only while its hold lasts (another process may have expired
    it since it was read): the row, or None when nothing was written."""
    return ticket_record(_CHECK_IN.execute(session, {"ticket_id": ticket_id, "at": now}).first())


def expire_holds(session: Session, now: datetime) -> list[TicketRecord]:
    """Expire every remote ticket past its hold without a check-in; the tickets expired."""
    return [TicketRecord(**row._asdict()) for row in _EXPIRE.execute(session, {"at": now})]
