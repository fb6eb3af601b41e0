"""Typed SQLAlchemy 2 models. Thin on purpose: rules live in domain/, use cases in services/.

Times are naive UTC. Uniqueness lives in constraints (ticket numbers, tracking codes), not in max()+1.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..domain.counters import CounterStatus
from ..domain.tickets import Status

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Centre(Base):
    """A hall; its structure comes from config.yaml, synced on start-up."""

    __tablename__ = "centres"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("centre_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    code: Mapped[str] = mapped_column(String(32))
    prefix: Mapped[str] = mapped_column(String(1))
    intake_open: Mapped[bool] = mapped_column(Boolean, default=True)  # a supervisor may close it


class CalendarEntry(Base):
    """A dated entry of a centre's calendar: a holiday, a closure or other hours (Ramadan), first to last day
    included. Entries from config.yaml (`source` config) follow the file at every start; staff add the
    closures of the day while the server runs (`source` staff)."""

    __tablename__ = "calendar_entries"
    __table_args__ = (Index("ix_calendar_entries_centre_last", "centre_id", "last_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    kind: Mapped[str] = mapped_column(String(10))  # holiday | closure | hours
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    shifts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # hours: the shifts of those days
    source: Mapped[str] = mapped_column(String(8))  # config | staff
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Counter(Base):
    """A counter (window) and its live state: idle, calling, serving, paused or closed (nobody signed in)."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("centre_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    code: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=CounterStatus.CLOSED.value)
    current_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", use_alter=True))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    pause_reason: Mapped[str | None] = mapped_column(String(120))
    services_override: Mapped[list[str] | None] = mapped_column(JSON)  # set live by a supervisor
    priority_streak: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime)


class TicketSequence(Base):
    """The last number given per service and period: one atomic upsert gives the next one."""

    __tablename__ = "ticket_sequences"
    __table_args__ = (UniqueConstraint("service_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    period: Mapped[str] = mapped_column(String(40))
    last: Mapped[int] = mapped_column(Integer)


class QueueTally(Base):
    """How many tickets wait in each service's queue, and their transactions: kept by database triggers on
    `tickets` (migration 5d0c7e9a1f36), so every writer keeps it right and a new ticket learns how many
    people are ahead without counting the queue."""

    __tablename__ = "queue_tallies"
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    waiting: Mapped[int] = mapped_column(Integer, default=0)
    transactions: Mapped[int] = mapped_column(Integer, default=0)


PERSONAL = text("civil_id IS NOT NULL OR phone IS NOT NULL OR client_ip IS NOT NULL")


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("centre_id", "issued_service_id", "period", "sequence"),
        Index("ix_tickets_waiting", "service_id", "status", "queued_at"),
        Index("ix_tickets_queue_priority", "service_id", "status", "priority", "queued_at", "id", "transactions"),
        Index("ix_tickets_centre_finished", "centre_id", "status", "finished_at"),  # the recent pace (ETA)
        Index("ix_tickets_holds", "status", "hold_until"),  # remote holds to expire
        Index("ix_tickets_counter_status", "counter_id", "status"),  # a counter's parked tickets
        # the few rows still holding personal data, oldest first, for their erasure (services/privacy.py)
        Index("ix_tickets_personal", "issued_at", sqlite_where=PERSONAL, postgresql_where=PERSONAL),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))  # current (after transfers)
    issued_service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))  # whose sequence gave the number
    period: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(8))
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    priority: Mapped[str] = mapped_column(String(12), default="none")  # domain.tickets.PriorityClass
    transactions: Mapped[int] = mapped_column(Integer, default=1)
    lang: Mapped[str] = mapped_column(String(2), default="ar")
    civil_id: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(12), default="kiosk")
    status: Mapped[str] = mapped_column(String(10), default=Status.WAITING.value)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    queued_at: Mapped[datetime] = mapped_column(DateTime)  # place in time; a transfer keeps it
    called_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    requeues: Mapped[int] = mapped_column(Integer, server_default="0")  # times a no-show was put back in line
    parked_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(String(500))
    needs_check_in: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    hold_until: Mapped[datetime | None] = mapped_column(DateTime)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    legs: Mapped[int] = mapped_column(Integer, server_default="1")  # a family visit's legs (visit_legs rows)

    service: Mapped[Service] = relationship(foreign_keys=[service_id], lazy="joined")
    counter: Mapped[Counter | None] = relationship(foreign_keys=[counter_id])


class VisitLeg(Base):
    """One leg of a family visit: a service, its transactions, for whom, and its own times once done.
    Only tickets of two legs or more have rows here (a single-service ticket is its own leg); the ticket
    is the visitor's place in the hall, and `status` says which leg it is on (domain/visits.py)."""

    __tablename__ = "visit_legs"
    __table_args__ = (UniqueConstraint("ticket_id", "position"), Index("ix_visit_legs_status", "status", "ticket_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    position: Mapped[int] = mapped_column(Integer)  # in the order the visitor gave (or the clerk added)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    transactions: Mapped[int] = mapped_column(Integer)
    relation: Mapped[str | None] = mapped_column(String(8))  # domain.visits.Relation
    status: Mapped[str] = mapped_column(String(8))  # domain.visits.LegStatus
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)  # when it joined its queue
    called_at: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))


class ReportDay(Base):
    """A centre's finished day, or month, as reports add it up: per service id, its services/reports
    ServiceDay as JSON. Kept once the day (the month) is over, so that a month's report reads one row per
    centre instead of a million events; a day without tickets is kept too (as nothing)."""

    __tablename__ = "report_days"
    __table_args__ = (UniqueConstraint("centre_id", "period", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    period: Mapped[str] = mapped_column(String(5))  # day | month
    day: Mapped[date] = mapped_column(Date)  # the centre's own date (a month: its first day)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    rolled_at: Mapped[datetime] = mapped_column(DateTime)


class Appointment(Base):
    """A booked visit: a service at a slot, for a phone number or civil ID, with a code to check in by.
    Imported bookings keep the platform's reference (`external_ref`): the same file twice adds nothing."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("code"),
        UniqueConstraint("centre_id", "external_ref"),
        Index("ix_appointments_centre_status_visit", "centre_id", "status", "visit_at"),
        Index("ix_appointments_civil_id", "civil_id"),
        Index("ix_appointments_phone", "phone"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    slot_start: Mapped[datetime] = mapped_column(DateTime)  # naive UTC: the slot whose place it holds
    visit_at: Mapped[datetime] = mapped_column(DateTime)  # the visitor's own time, staggered within the slot
    code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))  # booked | checked_in | late | cancelled | no_show
    civil_id: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(20))
    lang: Mapped[str] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(String(8))  # web | api | import
    external_ref: Mapped[str | None] = mapped_column(String(64))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)  # cancelled or marked no-show
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)


class AppointmentSlot(Base):
    """How many visits a slot holds: one conditional UPDATE books a place, so two visitors never take the
    last one at once."""

    __tablename__ = "appointment_slots"
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)
    slot_start: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class TicketEvent(Base):
    """One row per transition: waits, service times and no-shows are plain queries over these."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_centre_at", "centre_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    kind: Mapped[str] = mapped_column(String(16))  # issued, called, recalled, started, done, no_show, ...
    at: Mapped[datetime] = mapped_column(DateTime)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))  # admin | supervisor | clerk
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))  # None: every centre
    bodies: Mapped[list[str] | None] = mapped_column(JSON)  # a supervisor limited to these bodies; None: all
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)  # after a reset by an admin
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # two-step key, sealed (services/sealed.py)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # the 30-s step of the last code used
    recovery_codes: Mapped[list[str] | None] = mapped_column(JSON)  # SHA-256 of the unused ones


class StaffSession(Base):
    """One signed-in browser or API token: revocable (sign-out, deactivation, password change) and
    ending after idle or absolute time. Only the key's SHA-256 is kept."""

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    via: Mapped[str] = mapped_column(String(8))  # web | api
    started_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ip: Mapped[str | None] = mapped_column(String(45))


class Device(Base):
    """A paired kiosk, display or print agent; only the token's SHA-256 is kept."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("centre_id", "kind", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    kind: Mapped[str] = mapped_column(String(10))  # kiosk | display
    code: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditEntry(Base):
    """Every login and change: who (user or device), what, on what, from where."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    hash: Mapped[str | None] = mapped_column(String(64))  # HMAC over this row and the one before (a chain)


class StaffEvent(Base):
    """Presence at counters: sign-in, sign-out, pause (with reason) and resume."""

    __tablename__ = "staff_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    kind: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime)


class PrintJob(Base):
    """A ticket's printer bytes, stored before they are sent; the spooler retries until printed or failed."""

    __tablename__ = "print_jobs"
    __table_args__ = (Index("ix_print_jobs_pending", "printer_key", "status", "next_try_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    printer_key: Mapped[str] = mapped_column(String(80))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | printed | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime)
    printed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Rating(Base):
    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Notification(Base):
    """Outbox of messages to visitors (webhook, SMS): stored in the transaction, sent by a worker."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_pending", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    event: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(12))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class NotificationCursor(Base):
    """One row: the last ticket event the outbox has turned into messages (see services/notify.py)."""

    __tablename__ = "notification_cursor"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger)


def table(model: type[Base]) -> Table:
    """A model's Core table, for the hot paths that run plain Core statements (no unit of work)."""
    return cast(Table, model.__table__)


class HallVersion(Base):
    """One version of the hall's configuration (every centre's structure): the newest is the one in force.
    Seeded from config.yaml, then written by administrators (services/hall_config.py)."""

    __tablename__ = "hall_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(10))  # file (config.yaml at a start) or admin
    file_digest: Mapped[str] = mapped_column(String(64))  # config.yaml's centres as last adopted
    author: Mapped[str | None] = mapped_column(String(80))
    centres: Mapped[list[Any]] = mapped_column(JSON)
