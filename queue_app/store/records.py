"""Tickets and counters as plain values: the only shapes the write model hands to the services.

Same attribute names as the models' columns, so a row of either table becomes a record with
`Record(**row._asdict())`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TicketRecord:
    id: int
    centre_id: int
    service_id: int
    issued_service_id: int
    period: str
    sequence: int
    number: str
    tracking_code: str
    priority: str
    transactions: int
    lang: str
    civil_id: str | None
    phone: str | None
    source: str
    status: str
    issued_at: datetime
    queued_at: datetime
    recalls: int
    needs_check_in: bool
    hold_until: datetime | None
    client_ip: str | None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counter_id: int | None = None
    note: str | None = None
    checked_in_at: datetime | None = None
    requeues: int = 0
    parked_at: datetime | None = None
    legs: int = 1  # a family visit's legs (LegRecord); 1: a single-service ticket


@dataclass(frozen=True)
class LegRecord:
    """One leg of a family visit (store/visits.py)."""

    id: int
    ticket_id: int
    position: int
    service_id: int
    transactions: int
    relation: str | None
    status: str
    queued_at: datetime | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counter_id: int | None = None


@dataclass(frozen=True)
class CounterRecord:
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


@dataclass(frozen=True)
class AppointmentRecord:
    id: int
    centre_id: int
    service_id: int
    slot_start: datetime
    visit_at: datetime
    code: str
    status: str
    civil_id: str | None
    phone: str | None
    lang: str
    source: str
    external_ref: str | None
    ticket_id: int | None
    created_at: datetime
    checked_in_at: datetime | None
    finished_at: datetime | None
    reminded_at: datetime | None
