"""The hall at a glance, as it goes on the wire: services with waiting counts and ETA, counters with
their current ticket, recent calls, calls made out of turn. The same snapshot feeds the API, the screens
on connect and the supervisor board; the publisher formats its events with the builders here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session

from ..domain.eta import estimate
from ..domain.tickets import AT_COUNTER, EventKind
from ..services.calendar import closed_info, intake_by_service
from ..services.catalog import CentreCatalog
from ..services.events import CalledOutOfTurn, CounterChanged, TicketCalled
from ..services.queue_state import (
    CounterLike,
    active_counters,
    counter_services,
    minutes_into_shift,
    recent_samples_by_service,
    service_rate,
    waiting_by_service,
)
from ..store.models import AuditEntry, Counter, Ticket, TicketEvent, User
from ..store.prepared import Prepared

RECENT_CALLS = 8


def services_summary(session: Session, centre: CentreCatalog, now: datetime) -> list[dict[str, Any]]:
    """Each service: code, prefix, body, names, open (and why not), waiting, eta_minutes, oldest wait."""
    waiting = waiting_by_service(session, centre)
    active = active_counters(session, centre, {code: count for code, (count, _t, _o) in waiting.items()})
    samples = recent_samples_by_service(session, centre, now)
    into_shift = minutes_into_shift(session, centre, now)
    intake = intake_by_service(session, centre, now)
    result = []
    for body, service in centre.config.services():
        count, transactions, oldest = waiting[service.code]
        # the wait of the next visitor to arrive: everyone waiting is ahead of them
        rate = service_rate(centre, service.code, active, samples[service.code], into_shift)
        eta = estimate(transactions, rate, count)
        result.append(
            {
                "code": service.code,
                "prefix": service.prefix,
                "body": body.code,
                "names": service.names.as_dict(),
                "body_names": body.names.as_dict(),
                **closed_info(intake[service.code]),
                "waiting": count,
                "eta_minutes": eta.minutes,
                "eta_range": [eta.low, eta.high],
                "longest_wait_minutes": int((now - oldest).total_seconds() // 60) if oldest else 0,
                "target_wait": service.target_wait,
                "counters": active.get(service.code, 0),
                "remote_join": service.remote_join,
                "appointments": service.appointments.enabled,  # can be booked (/book, the API)
                "appointment_only": service.appointments.only,  # walk-ins: the elderly and disabled only
            }
        )
    return result


def _counters_query(one: bool) -> Executable:
    """Counters of a centre (or the one with id :counter_id) with their current ticket and clerk, as plain
    columns: built once, as every call, pause and finish publishes its counter's entry."""
    query = (
        select(
            Counter.code,
            Counter.state,
            Counter.pause_reason,
            Counter.services_override,
            Counter.changed_at,
            User.username,
            Ticket.number,
            Ticket.service_id,
            Ticket.status,
            Ticket.priority,
            Ticket.transactions,
            Ticket.called_at,
            Ticket.started_at,
        )
        .outerjoin(Ticket, Ticket.id == Counter.current_ticket_id)
        .outerjoin(User, User.id == Counter.user_id)
        .where(Counter.centre_id == bindparam("centre_id"))
    )
    return query.where(Counter.id == bindparam("counter_id")) if one else query


_COUNTERS = {False: Prepared(_counters_query(False)), True: Prepared(_counters_query(True))}


class CurrentTicket(Protocol):
    """The ticket at a counter, as a `TicketRecord` or a row of the counters query."""

    @property
    def number(self) -> str: ...
    @property
    def service_id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def transactions(self) -> int: ...
    @property
    def called_at(self) -> datetime | None: ...
    @property
    def started_at(self) -> datetime | None: ...


def counter_entry(
    centre: CentreCatalog, counter: CounterLike, state: CounterFacts, clerk: str | None, ticket: CurrentTicket | None
) -> dict[str, Any]:
    """One counter as the hall snapshot and `counter_changed` show it: state, clerk, services now, the
    ticket at the counter."""
    config = centre.config.counter(counter.code)
    current = None
    if ticket is not None and ticket.status in AT_COUNTER:
        current = {
            "number": ticket.number,
            "service": centre.service_code(ticket.service_id),
            "status": ticket.status,
            "priority": ticket.priority,
            "transactions": ticket.transactions,
            "since": iso(ticket.started_at or ticket.called_at),
        }
    return {
        "code": counter.code,
        "names": config.names.as_dict() if config else {},
        "zone": config.zone if config else None,
        "state": state.state,
        "clerk": clerk,
        "pause_reason": state.pause_reason,
        "services": counter_services(centre, counter),
        "current": current,
        "since": iso(state.changed_at),
    }


class CounterFacts(Protocol):
    @property
    def state(self) -> str: ...
    @property
    def pause_reason(self) -> str | None: ...
    @property
    def changed_at(self) -> datetime | None: ...


def counters_summary(
    session: Session, centre: CentreCatalog, now: datetime, only: str | None = None
) -> list[dict[str, Any]]:
    """Every counter (or `only` that one): state, clerk, services now, current ticket."""
    parameters = {"centre_id": centre.id}
    if only is not None:
        parameters["counter_id"] = centre.counter_id(only)
    rows = _COUNTERS[only is not None].execute(session, parameters)
    by_code = {row.code: row for row in rows}
    return [
        counter_entry(centre, row, row, row.username, row if row.number is not None else None)
        for config in centre.config.counters
        if (row := by_code.get(config.code)) is not None
    ]


def recent_calls(
    session: Session, centre: CentreCatalog, limit: int = RECENT_CALLS, zones: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """The newest calls and recalls, of the whole centre or of the counters in `zones` (a zone's screen
    must get its own calls: the centre's last eight may all be of another zone)."""
    query = (
        select(TicketEvent.kind, TicketEvent.at, Ticket.number, Ticket.service_id, Counter.code)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Counter, Counter.id == TicketEvent.counter_id)
        .where(
            TicketEvent.centre_id == centre.id, TicketEvent.kind.in_((EventKind.CALLED.value, EventKind.RECALLED.value))
        )
    )
    if zones is not None:
        query = query.where(Counter.code.in_([c.code for c in centre.config.counters if c.zone in zones]))
    # newest first along ix_ticket_events_centre_at: ordering by id alone sorted the centre's whole history
    rows = session.execute(query.order_by(TicketEvent.at.desc(), TicketEvent.id.desc()).limit(limit)).all()
    calls = []
    for kind, at, number, service_id, counter_code in rows:
        counter = centre.config.counter(counter_code)
        calls.append(
            {
                "number": number,
                "counter": {"code": counter_code, "names": counter.names.as_dict() if counter else {}},
                "service": centre.service_code(service_id),
                "zone": counter.zone if counter else None,
                "recall": kind == EventKind.RECALLED,
                "called_at": iso(at),
            }
        )
    return calls


def hall_snapshot(
    session: Session, centre: CentreCatalog, now: datetime, zones: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The whole hall for staff and the API; a screen's snapshot carries the recent calls of its zones."""
    return {
        "centre": centre.code,
        "names": centre.config.names.as_dict(),
        "at": iso(now),
        "counters": counters_summary(session, centre, now),
        "services": services_summary(session, centre, now),
        "recent_calls": recent_calls(session, centre, zones=zones),
    }


def within_bodies_snapshot(snapshot: dict[str, Any], centre: CentreCatalog, bodies: Iterable[str]) -> dict[str, Any]:
    """The snapshot as a supervisor of some bodies sees it: their services, the counters that serve any
    of them, the calls of their services."""
    mine = {service.code for body, service in centre.config.services() if body.code in set(bodies)}
    return {
        **snapshot,
        "services": [s for s in snapshot["services"] if s["code"] in mine],
        "counters": [c for c in snapshot["counters"] if mine & set(c["services"])],
        "recent_calls": [c for c in snapshot["recent_calls"] if c["service"] in mine],
    }


def iso(value: datetime | None) -> str | None:
    """Naive UTC -> ISO 8601 with a Z."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def out_of_turn_entry(event: CalledOutOfTurn) -> dict[str, Any]:
    """A call made ahead of the one due, as the supervisors' board lists it."""
    return {
        "centre": event.centre,
        "number": event.number,
        "counter": event.counter,
        "service": event.service,
        "reason": event.reason,
        "clerk": event.clerk,
        "at": iso(event.at),
    }


def out_of_turn_since(session: Session, centre: CentreCatalog, since: datetime) -> list[dict[str, Any]]:
    """The calls made out of turn since `since`, newest first, from the audit trail (indexed by time)."""
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.at >= since, AuditEntry.centre_id == centre.id, AuditEntry.action == "call_out_of_turn")
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(50)
    )
    entries = []
    for row in rows:
        detail = row.detail or {}
        number = (row.target or "").removeprefix("ticket:")
        event = CalledOutOfTurn(
            centre.code,
            number,
            str(detail.get("counter", "")),
            str(detail.get("service", "")),
            str(detail.get("reason", "")),
            row.actor,
            row.at,
        )
        entries.append(out_of_turn_entry(event))
    return entries


def counter_changed_entry(
    session: Session, centre: CentreCatalog, event: CounterChanged, now: datetime
) -> dict[str, Any]:
    """The counter of a `counter_changed` event, from the facts the use case had, else read back."""
    if event.record is None:
        return counters_summary(session, centre, now, only=event.counter)[0]
    return counter_entry(centre, event.record, event.record, event.clerk, event.ticket)


def call_entry(centre: CentreCatalog, event: TicketCalled) -> dict[str, Any]:
    """A call as the hall screens show and announce it (`ticket_called`)."""
    counter = centre.config.counter(event.counter)
    service = centre.service(event.service)
    return {
        "number": event.number,
        "counter": {"code": event.counter, "names": counter.names.as_dict() if counter else {}},
        "service": {"code": event.service, "names": service.names.as_dict()},
        "zone": counter.zone if counter else None,
        "recall": event.recall,
        "called_at": iso(event.called_at),
    }


QUEUE_FIELDS = ("code", "body", "waiting", "eta_minutes", "eta_range", "longest_wait_minutes", "open")


def queue_entry(session: Session, centre: CentreCatalog, now: datetime) -> dict[str, Any]:
    """The waiting counts of every service (`queue_changed`): the summary's live fields only."""
    services = services_summary(session, centre, now)
    return {"centre": centre.code, "services": [{k: s[k] for k in QUEUE_FIELDS} for s in services]}
