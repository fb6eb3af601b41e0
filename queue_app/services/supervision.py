"""What a supervisor changes live: open or close a service for new tickets, change which services a
counter serves right now, move a waiting ticket to another service. Each change is audited in the
same transaction and returns events for the publisher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..domain import tickets as rules
from ..domain.counters import Actor
from ..domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from ..store import counters as store
from ..store import tickets as tickets_store
from ..store.models import Service
from ..store.records import TicketRecord
from . import audit
from .accounts import within_bodies
from .catalog import CentreCatalog
from .counters import transfer_ticket
from .events import CounterChanged, Event, QueueChanged
from .queue_state import counter_services


@dataclass(frozen=True)
class Supervisor:
    """Who makes the change, as the audit trail records it, and the bodies they may change (None: all)."""

    user_id: int
    username: str
    ip: str | None = None
    bodies: tuple[str, ...] | None = None


def require_scope(centre: CentreCatalog, who: Supervisor, services: list[str] | tuple[str, ...]) -> None:
    """A supervisor of some bodies changes only their services, and counters that serve only those."""
    for service in services:
        body = centre.config.body_of(service)
        if not within_bodies(who.bodies, body.code if body else None):
            raise Forbidden("other_body", service=service)


def _audit(
    session: Session,
    who: Supervisor,
    centre: CentreCatalog,
    action: str,
    target: str,
    detail: dict[str, object],
    now: datetime,
) -> None:
    audit.record(
        session,
        action,
        who.username,
        now,
        centre_id=centre.id,
        user_id=who.user_id,
        target=target,
        detail=detail,
        ip=who.ip,
    )


def set_intake(
    session: Session, centre: CentreCatalog, service: str, is_open: bool, who: Supervisor, now: datetime
) -> tuple[Event, ...]:
    """Open or close one service for new tickets; tickets already waiting keep their place."""
    centre.service(service)
    require_scope(centre, who, [service])
    session.execute(update(Service).where(Service.id == centre.service_ids[service]).values(intake_open=is_open))
    _audit(session, who, centre, "service_opened" if is_open else "service_closed", f"service:{service}", {}, now)
    return (QueueChanged(centre.code, (service,)),)


def set_counter_services(
    session: Session, centre: CentreCatalog, code: str, services: list[str], who: Supervisor, now: datetime
) -> tuple[Event, ...]:
    """Which services a counter serves now; the configured list (or an empty choice) clears the override."""
    configured = centre.config.counter(code)
    centre.counter_id(code)
    chosen: list[str] = []
    for service in services:
        centre.service(service)
        if service not in chosen:
            chosen.append(service)
    counter = store.counter(session, centre.counter_id(code))
    before = counter_services(centre, counter)
    require_scope(centre, who, [*before, *chosen])
    default = list(configured.services) if configured else []
    override = None if not chosen or chosen == default else chosen
    counter = store.update_counter(session, counter, services_override=override, changed_at=now)
    after = counter_services(centre, counter)
    _audit(session, who, centre, "counter_services", f"counter:{code}", {"from": before, "to": after}, now)
    return (CounterChanged(centre.code, code), QueueChanged(centre.code, tuple(sorted(set(before) | set(after)))))


def move_ticket(
    session: Session, centre: CentreCatalog, number: str, service: str, note: str | None, who: Supervisor, now: datetime
) -> tuple[TicketRecord, tuple[Event, ...]]:
    """Move a waiting ticket (by its number, the latest one issued) to another service, keeping its time."""
    wanted = number.strip().upper()
    if not wanted:
        raise InvalidInput("missing_field", field="number")
    ticket = tickets_store.by_number(session, centre.id, wanted, list(centre.service_ids.values()))
    if ticket is None:
        raise NotFound("unknown_number", number=wanted)
    if ticket.status != rules.Status.WAITING:
        raise Conflict("invalid_transition", action="transfer", status=ticket.status)
    old_service = centre.service_code(ticket.service_id)
    centre.service(service)
    require_scope(centre, who, [old_service, service])
    ticket, events = transfer_ticket(session, centre, ticket, service, note, Actor(who.user_id, "supervisor"), now)
    _audit(session, who, centre, "ticket_moved", f"ticket:{ticket.number}", {"from": old_service, "to": service}, now)
    return ticket, events
