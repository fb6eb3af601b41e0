"""Issuing tickets and the visitor's own actions on them (cancel, check in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..domain import tickets as rules
from ..domain.calendar import local_time, numbering_period
from ..domain.errors import Conflict, IntakeClosed, NotFound
from ..domain.eta import Estimate
from ..domain.visits import LegRequest
from ..store import tickets as tickets_store
from ..store.records import TicketRecord
from . import audit, visits
from .calendar import calendar_of
from .catalog import CentreCatalog
from .events import Event, QueueChanged, TicketChanged
from .queue_state import everyone_waiting, ticket_estimate


@dataclass(frozen=True)
class TicketRequest:
    service: str
    priority: str = "none"
    transactions: int = 1
    lang: str = "ar"
    civil_id: str | None = None
    phone: str | None = None
    source: str = "kiosk"
    client_ip: str | None = None
    issued_by: str | None = None  # the kiosk ("kiosk:k1") or member of staff, as the audit trail names them
    legs: tuple[LegRequest, ...] = ()  # a family visit (two legs or more); else `service` and `transactions`


@dataclass(frozen=True)
class IssuedTicket:
    ticket: TicketRecord
    position: int
    eta: Estimate
    events: tuple[Event, ...]


def next_sequence(session: Session, service_id: int, period: str) -> int:
    """The next number of a service in a period (store/tickets.py: one upsert). Raises IntakeClosed when a
    supervisor has closed the service."""
    last = tickets_store.next_sequence(session, service_id, period)
    if last is None:
        raise IntakeClosed("service_closed")
    return last


def issue_ticket(
    session: Session,
    centre: CentreCatalog,
    request: TicketRequest,
    now: datetime,
    appointment_at: datetime | None = None,
) -> IssuedTicket:
    """Check intake, take the next number, store the ticket and its `issued` event. `appointment_at`: the
    check-in of a booked visit, whose ticket is of class `appointment` and joins at its slot's start. An
    appointment-only service takes walk-ins of the priority classes only (the ministries exempt them)."""
    legs = request.legs if len(request.legs) > 1 else ()
    first = request.legs[0] if len(request.legs) == 1 else LegRequest(request.service, request.transactions)
    priority = rules.check_priority(request.priority)
    if legs:
        visits.check_services(centre, session, legs, priority)
        first = legs[visits.first_leg(session, centre, legs, priority, now)]
    service_config = centre.service(first.service)
    if appointment_at is not None:
        priority = rules.PriorityClass.APPOINTMENT
    elif service_config.appointments.only and priority == rules.PriorityClass.NONE:
        raise IntakeClosed("appointment_only")
    transactions = rules.check_transactions(first.transactions, centre.config.visits.max_transactions)
    civil_id = rules.check_civil_id(request.civil_id)
    local = local_time(now, centre.config.tz)
    calendar = calendar_of(session, centre, now)
    calendar.check_intake(local)
    service_id = centre.service_ids[first.service]
    period = numbering_period(calendar, local, centre.config.numbering)
    sequence = next_sequence(session, service_id, period)
    if sequence > service_config.daily_cap:
        reset = calendar.next_day_opening(local) if centre.config.numbering == "day" else calendar.next_opening(local)
        raise IntakeClosed("daily_cap_reached", cap=service_config.daily_cap, opens_at=reset)
    needs_check_in = request.source == "remote" and centre.config.remote.check_in_required
    values: dict[str, Any] = {
        "centre_id": centre.id,
        "service_id": service_id,
        "issued_service_id": service_id,
        "period": period,
        "sequence": sequence,
        "number": rules.display_number(service_config.prefix, sequence),
        "tracking_code": rules.new_tracking_code(),
        "priority": priority.value,
        "transactions": transactions,
        "lang": request.lang if request.lang in centre.config.languages else centre.config.languages[0],
        "civil_id": civil_id,
        "phone": request.phone,
        "source": request.source,
        "status": rules.Status.WAITING.value,
        "issued_at": now,
        "queued_at": appointment_at or now,
        "recalls": 0,
        "needs_check_in": needs_check_in,
        "hold_until": None,  # a remote ticket's hold starts when it is due (services/remote.py)
        "client_ip": request.client_ip,
        "legs": max(1, len(legs)),
    }
    ticket = TicketRecord(id=tickets_store.insert_ticket(session, values), **values)
    if legs:
        visits.store_legs(session, centre, ticket.id, legs, legs.index(first), now)
    ahead = None
    if priority.value == "none":  # at the end of the queue: everyone else waiting is ahead
        waiting, waiting_transactions = everyone_waiting(session, service_id)
        ahead = (waiting - 1, waiting_transactions - transactions)
    position, eta = ticket_estimate(session, centre, ticket, now, ahead)
    # the promise is kept with the event: reports compare the wait shown with the wait that came
    detail: dict[str, Any] = {"source": request.source, "eta": [eta.low, eta.high]}
    if priority != rules.PriorityClass.NONE:  # staffing advice draws the classes' shares from history
        detail["priority"] = priority.value
    tickets_store.record_event(session, ticket, rules.EventKind.ISSUED, now, detail=detail)
    if priority in (rules.PriorityClass.ELDERLY, rules.PriorityClass.DISABLED):
        # served ahead of others on the visitor's word: the trail keeps who issued it (the ministry audits these)
        audit.record(
            session,
            "priority_ticket",
            request.issued_by or request.source,
            now,
            centre_id=centre.id,
            target=f"ticket:{ticket.number}",
            detail={"priority": priority.value, "service": first.service},
            ip=request.client_ip,
        )
    # no TicketChanged: nobody can follow a ticket that did not exist before this commit
    events: tuple[Event, ...] = (QueueChanged(centre.code, (first.service,), reordered=priority.value != "none"),)
    return IssuedTicket(ticket, position, eta, events)


def find_by_tracking_code(session: Session, tracking_code: str) -> TicketRecord:
    ticket = tickets_store.by_tracking_code(session, tracking_code)
    if ticket is None:
        raise NotFound("unknown_ticket")
    return ticket


def cancel_ticket(
    session: Session, centre: CentreCatalog, ticket: TicketRecord, now: datetime
) -> tuple[TicketRecord, tuple[Event, ...]]:
    """The visitor leaves: the place is freed (also while parked, or just called)."""
    target = rules.next_status(ticket.status, "cancel")
    cancelled = tickets_store.change_ticket(
        session, ticket.id, {rules.Status(ticket.status)}, status=target, finished_at=now
    )
    if cancelled is None:
        raise Conflict("invalid_transition", action="cancel", status=ticket.status)
    tickets_store.record_event(session, cancelled, rules.EventKind.CANCELLED, now)
    service = centre.service_code(cancelled.service_id)
    return cancelled, (
        TicketChanged(centre.code, cancelled.id, cancelled.tracking_code, cancelled.status),
        QueueChanged(centre.code, (service,)),
    )


def tickets_issued_today(session: Session, centre: CentreCatalog, period: str) -> int:
    return tickets_store.issued_in_period(session, centre.id, period)
