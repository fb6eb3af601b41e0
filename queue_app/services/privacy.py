"""Personal data kept only as long as needed. A visitor's civil ID, phone number and address serve the
day of the visit (the clerk reads the civil ID, messages go to the phone, the daily limits per person and
per address match them); `security.personal_data_days` after the visit they are erased from tickets and
appointments, and sent or failed messages are deleted. Every count, time and rating stays, so reports do
not change. Every rule that matches a person looks within one day, before the erasure, so no keyed hash
of the values is needed afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..store.models import Appointment, Notification, Ticket

BATCH = 2000  # rows per statement: a long backlog is erased in short transactions


@dataclass(frozen=True)
class Erased:
    tickets: int
    appointments: int
    messages: int

    @property
    def total(self) -> int:
        return self.tickets + self.appointments + self.messages


def erase_batch(session: Session, now: datetime, days: int) -> Erased:
    """One batch of each kind older than `days` (call until `total` is 0)."""
    cutoff = now - timedelta(days=days)
    holding = or_(Ticket.civil_id.is_not(None), Ticket.phone.is_not(None), Ticket.client_ip.is_not(None))
    ticket_ids = select(Ticket.id).where(Ticket.issued_at < cutoff, holding).limit(BATCH).scalar_subquery()
    tickets = session.execute(
        update(Ticket).where(Ticket.id.in_(ticket_ids)).values(civil_id=None, phone=None, client_ip=None)
    ).rowcount  # type: ignore[attr-defined]
    visit_ids = (
        select(Appointment.id)
        .where(Appointment.slot_start < cutoff, or_(Appointment.civil_id.is_not(None), Appointment.phone.is_not(None)))
        .limit(BATCH)
        .scalar_subquery()
    )
    appointments = session.execute(
        update(Appointment).where(Appointment.id.in_(visit_ids)).values(civil_id=None, phone=None)
    ).rowcount  # type: ignore[attr-defined]
    message_ids = (
        select(Notification.id)
        .where(Notification.created_at < cutoff, Notification.status != "pending")
        .limit(BATCH)
        .scalar_subquery()
    )
    messages = session.execute(delete(Notification).where(Notification.id.in_(message_ids))).rowcount  # type: ignore[attr-defined]
    return Erased(tickets, appointments, messages)
