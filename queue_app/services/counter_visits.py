"""What a clerk does to the family visit at their counter: add a service the visitor forgot, or end the
visit after this leg. Through the same ownership rule as every counter action (counters.acting_counter)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..domain.counters import Actor
from ..domain.visits import LegRequest
from . import audit, visits
from .catalog import CentreCatalog
from .counters import CounterResult, acting_counter, counter_changed, current_ticket, ticket_changed


def add_leg(
    session: Session, centre: CentreCatalog, code: str, leg: LegRequest, actor: Actor, now: datetime
) -> CounterResult:
    counter = acting_counter(session, centre, code, actor)
    ticket, _legs = visits.add_leg(session, centre, current_ticket(session, counter), leg)
    _audit(session, centre, actor, now, "visit_leg_added", ticket.number, {"counter": code, "service": leg.service})
    return CounterResult(
        counter, ticket, (ticket_changed(centre, ticket), counter_changed(session, centre, counter, ticket))
    )


def end_visit(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    counter = acting_counter(session, centre, code, actor)
    ticket = current_ticket(session, counter)
    dropped = [
        centre.service_code(leg.service_id) for leg in visits.end_visit(session, ticket) if leg.status == "dropped"
    ]
    _audit(session, centre, actor, now, "visit_ended", ticket.number, {"counter": code, "dropped": dropped})
    return CounterResult(
        counter, ticket, (ticket_changed(centre, ticket), counter_changed(session, centre, counter, ticket))
    )


def _audit(
    session: Session,
    centre: CentreCatalog,
    actor: Actor,
    now: datetime,
    action: str,
    number: str,
    detail: dict[str, object],
) -> None:
    """A visit's plan changed by staff: the trail says who changed it."""
    audit.record(
        session,
        action,
        actor.username or f"user:{actor.user_id}",
        now,
        user_id=actor.user_id,
        centre_id=centre.id,
        target=f"ticket:{number}",
        detail=detail,
    )
