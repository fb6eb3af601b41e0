"""The write model of booked visits: places per slot taken and given back atomically, appointments found
by code or civil ID, changed conditionally on their state (several processes sweep). Plain records out."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.appointments import AppointmentStatus
from .models import Appointment, AppointmentSlot, table
from .records import AppointmentRecord

_APPOINTMENTS = table(Appointment)
_SLOTS = table(AppointmentSlot)


def _record(row: Any) -> AppointmentRecord | None:
    return AppointmentRecord(**row._asdict()) if row is not None else None


def take_place(session: Session, service_id: int, slot_start: datetime, capacity: int | None) -> int | None:
    """Book one place in a slot if one is free (`capacity` None: always, for imports): how many the slot
    now holds, or None when it was full."""
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        make(_SLOTS).values(service_id=service_id, slot_start=slot_start, booked=0).on_conflict_do_nothing()
    )
    statement = update(_SLOTS).where(_SLOTS.c.service_id == service_id, _SLOTS.c.slot_start == slot_start)
    if capacity is not None:
        statement = statement.where(_SLOTS.c.booked < capacity)
    row = session.execute(statement.values(booked=_SLOTS.c.booked + 1).returning(_SLOTS.c.booked)).first()
    return int(row[0]) if row is not None else None


def give_back_place(session: Session, service_id: int, slot_start: datetime) -> None:
    session.execute(
        update(_SLOTS)
        .where(_SLOTS.c.service_id == service_id, _SLOTS.c.slot_start == slot_start, _SLOTS.c.booked > 0)
        .values(booked=_SLOTS.c.booked - 1)
    )


def booked_in_slots(session: Session, service_id: int, first: datetime, last: datetime) -> dict[datetime, int]:
    rows = session.execute(
        select(_SLOTS.c.slot_start, _SLOTS.c.booked).where(
            _SLOTS.c.service_id == service_id, _SLOTS.c.slot_start >= first, _SLOTS.c.slot_start <= last
        )
    )
    return {slot: booked for slot, booked in rows}


def insert_appointment(session: Session, values: dict[str, Any]) -> AppointmentRecord | None:
    """Store one; None when its code (or its import reference) is taken already."""
    try:
        with session.begin_nested():
            row = session.execute(insert(_APPOINTMENTS).values(**values).returning(*_APPOINTMENTS.c)).one()
    except IntegrityError:
        return None
    return _record(row)


def by_code(session: Session, code: str) -> AppointmentRecord | None:
    return _record(session.execute(select(_APPOINTMENTS).where(_APPOINTMENTS.c.code == code)).first())


def by_external_ref(session: Session, centre_id: int, ref: str) -> AppointmentRecord | None:
    return _record(
        session.execute(
            select(_APPOINTMENTS).where(_APPOINTMENTS.c.centre_id == centre_id, _APPOINTMENTS.c.external_ref == ref)
        ).first()
    )


def booked_for_civil_id(
    session: Session, centre_id: int, civil_id: str, first: datetime, last: datetime
) -> list[AppointmentRecord]:
    """A person's booked visits at a centre between two moments (check-in by civil ID), by slot."""
    rows = session.execute(
        select(_APPOINTMENTS)
        .where(
            _APPOINTMENTS.c.centre_id == centre_id,
            _APPOINTMENTS.c.civil_id == civil_id,
            _APPOINTMENTS.c.status == AppointmentStatus.BOOKED.value,
            _APPOINTMENTS.c.visit_at >= first,
            _APPOINTMENTS.c.visit_at <= last,
        )
        .order_by(_APPOINTMENTS.c.visit_at)
    )
    return [AppointmentRecord(**row._asdict()) for row in rows]


def count_for_person(
    session: Session, centre_id: int, phone: str | None, civil_id: str | None, first: datetime, last: datetime
) -> int:
    """Live bookings (not cancelled) of a phone number or civil ID with slots in [first, last)."""
    who = []
    if phone:
        who.append(_APPOINTMENTS.c.phone == phone)
    if civil_id:
        who.append(_APPOINTMENTS.c.civil_id == civil_id)
    if not who:
        return 0
    return int(
        session.scalar(
            select(func.count()).where(
                _APPOINTMENTS.c.centre_id == centre_id,
                or_(*who),
                _APPOINTMENTS.c.status != AppointmentStatus.CANCELLED.value,
                _APPOINTMENTS.c.slot_start >= first,
                _APPOINTMENTS.c.slot_start < last,
            )
        )
        or 0
    )


def change(
    session: Session, appointment_id: int, from_states: Collection[AppointmentStatus], **values: Any
) -> AppointmentRecord | None:
    """Write an appointment only while it is in one of `from_states`: the new row, or None."""
    return _record(
        session.execute(
            update(_APPOINTMENTS)
            .where(_APPOINTMENTS.c.id == appointment_id, _APPOINTMENTS.c.status.in_([s.value for s in from_states]))
            .values(**values)
            .returning(*_APPOINTMENTS.c)
        ).first()
    )


def mark_no_shows(session: Session, centre_id: int, before: datetime, now: datetime) -> list[AppointmentRecord]:
    """A centre's booked visits whose time was before `before` (the check-in window is over) become
    no-shows, each once."""
    rows = session.execute(
        update(_APPOINTMENTS)
        .where(
            _APPOINTMENTS.c.centre_id == centre_id,
            _APPOINTMENTS.c.status == AppointmentStatus.BOOKED.value,
            _APPOINTMENTS.c.visit_at < before,
        )
        .values(status=AppointmentStatus.NO_SHOW.value, finished_at=now)
        .returning(*_APPOINTMENTS.c)
    )
    return [AppointmentRecord(**row._asdict()) for row in rows]


def to_remind(session: Session, centre_id: int, until: datetime, now: datetime) -> list[AppointmentRecord]:
    """A centre's booked visits starting before `until` not reminded yet; marked reminded in the same
    statement (each reminded once, however many processes sweep)."""
    rows = session.execute(
        update(_APPOINTMENTS)
        .where(
            _APPOINTMENTS.c.centre_id == centre_id,
            _APPOINTMENTS.c.status == AppointmentStatus.BOOKED.value,
            _APPOINTMENTS.c.reminded_at.is_(None),
            _APPOINTMENTS.c.visit_at <= until,
        )
        .values(reminded_at=now)
        .returning(*_APPOINTMENTS.c)
    )
    return [AppointmentRecord(**row._asdict()) for row in rows]
