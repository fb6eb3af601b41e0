"""Joining the queue from home, and checking in at the kiosk.

Abuse limits count remote tickets issued since local midnight: per client IP, and per person (the
same phone number or civil ID). A remote ticket of a centre with `check_in_required` keeps its place
in time but is skipped by call-next until it is checked in (the kiosk scans its QR). The visitor is told
to come when they are *due* (`due_ahead` people ahead, or an expected wait of `due_minutes`): from that
moment (event `due`) the place is held for `hold_minutes`; a ticket not checked in by then is expired
(status cancelled, event `expired`) by a background sweep, and a late check-in is refused with
`hold_expired`. A visitor who arrives before they are due checks in at once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

from ..domain import tickets as rules
from ..domain.errors import Conflict, InvalidInput, LimitReached
from ..store import tickets as tickets_store
from ..store.records import TicketRecord
from ..store.tickets import record_event
from .catalog import Catalog, CentreCatalog
from .events import Event, QueueChanged, TicketChanged
from .queue_state import ticket_estimate
from .tickets import IssuedTicket, TicketRequest, issue_ticket

PHONE = re.compile(r"\+?[0-9]{7,15}")  # matched whole, after rules.ascii_digits


def normalise_phone(value: object) -> str | None:
    """Digits with an optional leading +; spaces and dashes are dropped."""
    if value in (None, ""):
        return None
    cleaned = rules.ascii_digits(re.sub(r"[\s\-()]", "", str(value)))
    if not PHONE.fullmatch(cleaned):
        raise InvalidInput("invalid_phone")
    return cleaned


def local_midnight(centre: CentreCatalog, now: datetime) -> datetime:
    """The start of the centre's local day, as naive UTC."""
    local = now.replace(tzinfo=UTC).astimezone(centre.config.tz)
    midnight = datetime.combine(local.date(), time(0), tzinfo=centre.config.tz)
    return midnight.astimezone(UTC).replace(tzinfo=None)


def check_limits(
    session: Session, centre: CentreCatalog, ip: str | None, phone: str | None, civil_id: str | None, now: datetime
) -> None:
    """Raise LimitReached (remote_limit_ip / remote_limit_person) when today's remote joins are used up."""
    limits = centre.config.remote
    since = local_midnight(centre, now)
    by_ip, by_person = tickets_store.remote_joins_since(session, centre.id, since, ip, phone, civil_id)
    if ip and by_ip >= limits.per_ip_per_day:
        raise LimitReached("remote_limit_ip", limit=limits.per_ip_per_day)
    if (phone or civil_id) and by_person >= limits.per_person_per_day:
        raise LimitReached("remote_limit_person", limit=limits.per_person_per_day)


def join_remote(
    session: Session,
    centre: CentreCatalog,
    service: str,
    *,
    phone: object,
    civil_id: object,
    lang: str,
    ip: str | None,
    now: datetime,
) -> IssuedTicket:
    """Issue a virtual ticket from a phone: the service must allow it, the visitor gives a phone number
    or a civil ID (that is what the per-person limit counts), within today's limits."""
    config = centre.service(service)
    if not config.remote_join:
        raise Conflict("remote_not_allowed")
    phone_value = normalise_phone(phone)
    civil = rules.check_civil_id(civil_id)
    if phone_value is None and civil is None:
        raise InvalidInput("phone_or_civil_id")
    check_limits(session, centre, ip, phone_value, civil, now)
    request = TicketRequest(
        service=service, lang=lang, civil_id=civil, phone=phone_value, source="remote", client_ip=ip
    )
    issued = issue_ticket(session, centre, request, now)
    ticket = issued.ticket
    if ticket.needs_check_in and rules.is_due(issued.position, issued.eta.low, *_due_rule(centre)):
        ticket = _start_hold(session, centre, ticket, now) or ticket
    return IssuedTicket(ticket, issued.position, issued.eta, issued.events)


def _due_rule(centre: CentreCatalog) -> tuple[int, int]:
    return centre.config.remote.due_ahead, centre.config.remote.due_minutes


def _start_hold(session: Session, centre: CentreCatalog, ticket: TicketRecord, now: datetime) -> TicketRecord | None:
    """The visitor is due: hold the place for `hold_minutes` from now, once (event `due`, which notifies)."""
    hold_until = now + timedelta(minutes=centre.config.remote.hold_minutes)
    held = tickets_store.start_hold(session, ticket.id, hold_until)
    if held is not None:
        record_event(session, held, rules.EventKind.DUE, now, detail={"hold_until": hold_until.isoformat()})
    return held


def mark_due(session: Session, catalog: Catalog, now: datetime) -> list[Event]:
    """Remote tickets that became due since the last sweep: the hold starts, the visitor is told to come."""
    events: list[Event] = []
    for ticket in tickets_store.not_yet_due(session):
        centre = catalog.by_id(ticket.centre_id)
        position, eta = ticket_estimate(session, centre, ticket, now)
        if not rules.is_due(position, eta.low, *_due_rule(centre)):
            continue
        held = _start_hold(session, centre, ticket, now)
        if held is not None:
            events.append(TicketChanged(centre.code, held.id, held.tracking_code, held.status))
    return events


def check_in(
    session: Session, centre: CentreCatalog, ticket: TicketRecord, now: datetime
) -> tuple[TicketRecord, tuple[Event, ...]]:
    """The visitor is in the hall (the kiosk scanned the QR): the ticket may now be called.
    Checking in twice is harmless (no events); a ticket past its hold, or no longer waiting, is refused."""
    if ticket.centre_id != centre.id:
        raise Conflict("other_centre_ticket")
    if ticket.status != rules.Status.WAITING:
        if ticket.status == rules.Status.CANCELLED and ticket.needs_check_in and ticket.checked_in_at is None:
            raise Conflict("hold_expired")
        raise Conflict("invalid_transition", action="check_in", status=ticket.status)
    if ticket.checked_in_at is not None or not ticket.needs_check_in:
        return ticket, ()
    if ticket.hold_until is not None and now > ticket.hold_until:
        raise Conflict("hold_expired")  # the hold sweep cancels it
    # conditional, like the sweep: if another process expired the hold since the read, nothing is written
    checked_in = tickets_store.check_in(session, ticket.id, now)
    if checked_in is None:
        raise Conflict("hold_expired")
    ticket = checked_in
    _position, eta = ticket_estimate(session, centre, ticket, now)
    record_event(session, ticket, rules.EventKind.CHECKED_IN, now, detail={"eta": [eta.low, eta.high]})
    return ticket, (
        TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status),
        QueueChanged(centre.code, (centre.service_code(ticket.service_id),)),
    )


def expire_holds(session: Session, catalog: Catalog, now: datetime) -> list[Event]:
    """Remote tickets past their hold without a check-in give their place up."""
    events: list[Event] = []
    for ticket in tickets_store.expire_holds(session, now):
        centre = catalog.by_id(ticket.centre_id)
        hold = ticket.hold_until.isoformat() if ticket.hold_until else None
        record_event(session, ticket, rules.EventKind.EXPIRED, now, detail={"hold_until": hold})
        events += [
            TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status),
            QueueChanged(centre.code, (centre.service_code(ticket.service_id),)),
        ]
    return events
