"""What the clerk's console shows for one counter, as plain JSON-able values: its state, the ticket at
it, the queues it serves, its parked tickets, today's no-shows it may requeue, and the actions allowed
now (domain/counters.py decides them; the page only enables those buttons)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..domain.calendar import local_time
from ..domain.counters import CounterFacts, CounterStatus, allowed_actions
from ..domain.tickets import AT_COUNTER, CALL_REASONS, Status
from ..domain.visits import LegStatus
from ..services import visits
from ..services.catalog import CentreCatalog
from ..services.counters import username
from ..services.queue_state import counter_services, waiting_by_service
from ..store import counters as store
from ..store import tickets as tickets_store
from ..store.records import TicketRecord
from .hall import iso
from .tickets import legs_json


def _minutes_since(now: datetime, then: datetime | None) -> int:
    return max(0, int((now - then).total_seconds() // 60)) if then is not None else 0


def start_of_day(centre: CentreCatalog, now: datetime) -> datetime:
    """Midnight of the centre's business day, as naive UTC."""
    local = local_time(now, centre.config.tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = local.utcoffset() or timedelta(0)
    return (midnight - offset).replace(tzinfo=None)


def _ticket_brief(centre: CentreCatalog, ticket: TicketRecord) -> dict[str, Any]:
    code = centre.service_code(ticket.service_id)
    return {"number": ticket.number, "service": code, "service_names": centre.service(code).names.as_dict()}


def _next_leg(session: Session, centre: CentreCatalog, ticket: TicketRecord, now: datetime) -> str | None:
    """The service the visit would go to next if this leg ended now (the planner's choice), or None."""
    pending = [leg for leg in visits.legs_of(session, ticket) if leg.status == LegStatus.PENDING]
    if not pending:
        return None
    options = [(leg.position, centre.service_code(leg.service_id)) for leg in pending]
    return visits.choose(session, centre, options, ticket.priority, ticket.queued_at, ticket.id, now).service


def console_state(session: Session, centre: CentreCatalog, code: str, now: datetime) -> dict[str, Any]:
    """Everything the console shows for one counter (read in the caller's transaction)."""
    counter = store.counter(session, centre.counter_id(code), lock=False)
    services = [s for s in counter_services(centre, counter) if s in centre.service_ids]
    waiting = waiting_by_service(session, centre, services)
    current = (
        tickets_store.ticket(session, counter.current_ticket_id) if counter.current_ticket_id is not None else None
    )
    ticket = None
    if current is not None and current.status in AT_COUNTER:
        ticket = {
            **_ticket_brief(centre, current),
            "status": current.status,
            "priority": current.priority,
            "transactions": current.transactions,
            "waited_minutes": _minutes_since(current.called_at or now, current.queued_at),
            "note": current.note,
            "recalls": current.recalls,
            "legs": legs_json(session, centre, current),
            "next_leg": _next_leg(session, centre, current, now),
        }
    parked = store.parked_at_counter(session, counter.id)
    missed = store.missed_since(
        session, centre.id, [centre.service_ids[s] for s in services], start_of_day(centre, now)
    )
    rules = centre.config.counter_rules
    facts = CounterFacts(
        status=CounterStatus(counter.state),
        ticket_status=Status(current.status) if current is not None else None,
        recalls=current.recalls if current is not None else 0,
        max_recalls=rules.max_recalls,
        parked=len(parked),
        pending_legs=sum(leg["status"] == LegStatus.PENDING for leg in ticket["legs"]) if ticket else 0,
    )
    return {
        "centre": centre.code,
        "counter": code,
        "state": counter.state,
        "pause_reason": counter.pause_reason,
        "clerk": username(session, centre, counter.user_id),
        "services": [
            {
                "code": s,
                "names": centre.service(s).names.as_dict(),
                "waiting": waiting[s][0],
                "longest_wait_minutes": _minutes_since(now, waiting[s][2]),
            }
            for s in services
        ],
        "ticket": ticket,
        "parked": [
            {
                **_ticket_brief(centre, t),
                "note": t.note,
                "parked_at": iso(t.parked_at),
                "minutes": _minutes_since(now, t.parked_at),
            }
            for t in parked
        ],
        "missed": [
            {**_ticket_brief(centre, t), "missed_at": iso(t.finished_at), "requeues": t.requeues}
            for t in missed
            if t.requeues < rules.max_requeues
        ],
        "actions": allowed_actions(facts),
        "call_reasons": list(CALL_REASONS),
        "max_recalls": rules.max_recalls,
        "auto_complete_on_next": rules.auto_complete_on_next,
    }


def counter_choices(session: Session, centre: CentreCatalog, user_id: int) -> list[dict[str, Any]]:
    """The picker: every counter of the centre, what it serves, who holds it, and whether it is yours."""
    rows = {c.code: c for c in store.counters_of_centre(session, centre.id)}
    choices = []
    for config in centre.config.counters:
        row = rows.get(config.code)
        if row is None:
            continue
        open_ = row.state != CounterStatus.CLOSED
        choices.append(
            {
                "code": config.code,
                "names": config.names.as_dict(),
                "service_names": [centre.service(s).names.as_dict() for s in config.services],
                "state": row.state,
                "clerk": username(session, centre, row.user_id) if open_ else None,
                "mine": open_ and row.user_id == user_id,
            }
        )
    return choices


def held_by(session: Session, centre: CentreCatalog, code: str, user_id: int) -> bool:
    """Whether this staff member holds this counter now (the console shows it, else the picker)."""
    row = store.counter(session, centre.counter_id(code), lock=False)
    return row.state != CounterStatus.CLOSED and row.user_id == user_id
