"""Family visits: plan a ticket's legs, move it to its next leg when one is done, add a leg the visitor
forgot, end the visit early, and re-plan a waiting visit when the queues change.

The ticket stays the visitor's one place in the hall: one number, one tracking link, one row that a
counter claims, so two counters can never call the same visitor at once (the claim is one conditional
UPDATE of that row). Its `visit_legs` rows are the plan; it keeps its `queued_at` (the arrival) from leg
to leg, so nobody starts waiting from zero at the second desk. The rule of the order is domain/visits.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..domain.errors import Conflict, IntakeClosed, InvalidInput
from ..domain.tickets import OPEN_STATES, EventKind, PriorityClass, Status
from ..domain.visits import LegOption, LegRequest, LegStatus, PlanRule, better_leg, next_leg
from ..store import tickets as tickets_store
from ..store import visits as store
from ..store.records import LegRecord, TicketRecord
from .catalog import Catalog, CentreCatalog
from .events import Event, QueueChanged, TicketChanged
from .queue_state import ticket_estimate

NOT_YET_NUMBERED = 2**62  # a place for a visit not yet stored: behind every ticket with the same time


@dataclass(frozen=True)
class _Place:
    """Where a visit would stand in another service's queue (a queue_state.QueuedTicket)."""

    id: int
    service_id: int
    priority: str
    queued_at: datetime


def check_services(centre: CentreCatalog, session: Session, legs: Sequence[LegRequest], priority: str) -> None:
    """Every leg's service exists, takes tickets now, and takes this visitor (an appointment-only service
    takes the priority classes only)."""
    open_for_intake = tickets_store.intake_open_by_service(session, centre.id)
    for leg in legs:
        config = centre.service(leg.service)
        if not open_for_intake.get(leg.service, True):
            raise IntakeClosed("service_closed")
        if config.appointments.only and priority == PriorityClass.NONE:
            raise IntakeClosed("appointment_only")


def expected_waits(
    session: Session,
    centre: CentreCatalog,
    services: Sequence[str],
    priority: str,
    queued_at: datetime,
    ticket_id: int,
    now: datetime,
) -> dict[str, tuple[int, int]]:
    """Per service: (people ahead, minutes) the visit would wait there now, keeping its place in time."""
    waits = {}
    for service in services:
        place = _Place(ticket_id, centre.service_ids[service], priority, queued_at)
        ahead, eta = ticket_estimate(session, centre, place, now)
        waits[service] = (ahead, eta.minutes)
    return waits


def choose(
    session: Session,
    centre: CentreCatalog,
    options: Sequence[tuple[int, str]],
    priority: str,
    queued_at: datetime,
    ticket_id: int,
    now: datetime,
) -> LegOption:
    """The leg to do next among (position, service) options, by the centre's rule (`visits.plan`)."""
    rule = PlanRule(centre.config.visits.plan)
    if rule == PlanRule.AS_GIVEN or len(options) == 1:
        return next_leg([LegOption(position, service, 0, 0) for position, service in options], PlanRule.AS_GIVEN)
    waits = expected_waits(session, centre, [s for _, s in options], priority, queued_at, ticket_id, now)
    return next_leg([LegOption(p, s, waits[s][1], waits[s][0]) for p, s in options], rule)


def first_leg(session: Session, centre: CentreCatalog, legs: Sequence[LegRequest], priority: str, now: datetime) -> int:
    """The index of the leg a new visit starts with."""
    options = [(index + 1, leg.service) for index, leg in enumerate(legs)]
    return choose(session, centre, options, priority, now, NOT_YET_NUMBERED, now).position - 1


def store_legs(
    session: Session, centre: CentreCatalog, ticket_id: int, legs: Sequence[LegRequest], first: int, now: datetime
) -> None:
    """The plan of a new visit: its legs in the visitor's order, the first one current."""
    store.insert_legs(
        session,
        [
            {
                "ticket_id": ticket_id,
                "position": index + 1,
                "service_id": centre.service_ids[leg.service],
                "transactions": leg.transactions,
                "relation": leg.relation.value if leg.relation else None,
                "status": (LegStatus.CURRENT if index == first else LegStatus.PENDING).value,
                "queued_at": now if index == first else None,
            }
            for index, leg in enumerate(legs)
        ],
    )


def legs_of(session: Session, ticket: TicketRecord) -> list[LegRecord]:
    """A ticket's legs; a single-service ticket is its own one leg (not stored)."""
    if ticket.legs > 1:
        return store.legs_of(session, ticket.id)
    done = ticket.status == Status.DONE
    return [
        LegRecord(
            id=0,
            ticket_id=ticket.id,
            position=1,
            service_id=ticket.service_id,
            transactions=ticket.transactions,
            relation=None,
            status=(LegStatus.DONE if done else LegStatus.CURRENT).value,
            queued_at=ticket.queued_at,
        )
    ]


def leg_done(
    session: Session,
    centre: CentreCatalog,
    ticket: TicketRecord,
    counter_id: int | None,
    user_id: int | None,
    now: datetime,
) -> tuple[TicketRecord, tuple[Event, ...]] | None:
    """The ticket's current leg was served (`ticket`: the row just finished as done). When legs remain,
    the ticket joins the next one's queue instead, its place in time kept, and is returned with its events
    (the `done` event of the leg included); None when that was the last leg: the ticket stays done."""
    plan = store.legs_of(session, ticket.id)
    current = next((leg for leg in plan if leg.status == LegStatus.CURRENT), None)
    if current is not None:
        store.finish_leg(session, current.id, ticket.called_at, ticket.started_at, now, counter_id)
    pending = [leg for leg in plan if leg.status == LegStatus.PENDING]
    if not pending:
        return None
    options = [(leg.position, centre.service_code(leg.service_id)) for leg in pending]
    chosen = choose(session, centre, options, ticket.priority, ticket.queued_at, ticket.id, now)
    leg = next(leg for leg in pending if leg.position == chosen.position)
    moved = tickets_store.to_next_leg(session, ticket.id, leg.service_id, leg.transactions)
    if moved is None:
        raise Conflict("no_current_ticket")
    store.start_leg(session, leg.id, now)
    old = centre.service_code(ticket.service_id)
    served = {"leg": current.position if current else None, "legs": ticket.legs}
    tickets_store.record_event(session, ticket, EventKind.DONE, now, counter_id, user_id, served)
    tickets_store.record_event(
        session, moved, EventKind.NEXT_LEG, now, counter_id, user_id, {"from": old, "leg": leg.position}
    )
    return moved, (
        TicketChanged(centre.code, moved.id, moved.tracking_code, moved.status),
        QueueChanged(centre.code, (old, chosen.service)),
    )


def leg_moved(session: Session, ticket: TicketRecord, service_id: int) -> None:
    """The ticket was transferred: its current leg is for the new service now."""
    if ticket.legs > 1:
        current = next((leg for leg in store.legs_of(session, ticket.id) if leg.status == LegStatus.CURRENT), None)
        if current is not None:
            store.move_leg(session, current.id, service_id)


def add_leg(
    session: Session, centre: CentreCatalog, ticket: TicketRecord, leg: LegRequest
) -> tuple[TicketRecord, list[LegRecord]]:
    """A service the visitor forgot, added by the clerk: it waits until the legs before it are done."""
    if ticket.status not in OPEN_STATES:
        raise Conflict("invalid_transition", action="add_leg", status=ticket.status)
    plan = legs_of(session, ticket)
    limit = centre.config.visits.max_legs
    if len(plan) >= limit:
        raise InvalidInput("too_many_legs", maximum=limit)
    check_services(centre, session, [leg], PriorityClass.ELDERLY.value)  # staff add it: no appointment rule
    service_id = centre.service_ids[leg.service]
    relation = leg.relation.value if leg.relation else None
    if any(p.service_id == service_id and p.relation == relation and p.status != LegStatus.DONE for p in plan):
        raise InvalidInput("duplicate_leg", service=leg.service)
    rows = [] if ticket.legs > 1 else [_as_stored(plan[0])]
    rows.append(
        {
            "ticket_id": ticket.id,
            "position": max(p.position for p in plan) + 1,
            "service_id": service_id,
            "transactions": leg.transactions,
            "relation": relation,
            "status": LegStatus.PENDING.value,
            "queued_at": None,
        }
    )
    store.insert_legs(session, rows)
    changed = tickets_store.change_ticket(session, ticket.id, {Status(ticket.status)}, legs=len(plan) + 1)
    if changed is None:
        raise Conflict("invalid_transition", action="add_leg", status=ticket.status)
    return changed, store.legs_of(session, ticket.id)


def _as_stored(leg: LegRecord) -> dict[str, object]:
    """A single-service ticket's implicit leg, as the row it becomes when a second leg is added."""
    return {
        "ticket_id": leg.ticket_id,
        "position": leg.position,
        "service_id": leg.service_id,
        "transactions": leg.transactions,
        "relation": None,
        "status": leg.status,
        "queued_at": leg.queued_at,
    }


def end_visit(session: Session, ticket: TicketRecord) -> list[LegRecord]:
    """The clerk ends the visit after the current leg: the legs not started are dropped."""
    for leg in legs_of(session, ticket):
        if leg.status == LegStatus.PENDING:
            store.drop_leg(session, leg.id)
    return legs_of(session, ticket)


def replan(session: Session, catalog: Catalog, now: datetime) -> list[Event]:
    """The sweep: every family visit still waiting for its current leg moves to another of its legs when
    the centre's rule says that one is better now (domain/visits.better_leg). Its place in time is kept."""
    events: list[Event] = []
    for ticket_id in store.visits_with_legs_to_come(session):
        ticket = tickets_store.ticket(session, ticket_id)
        if ticket is not None and ticket.status == Status.WAITING:
            events += _replan_one(session, catalog.by_id(ticket.centre_id), ticket, now)
    return events


def _replan_one(session: Session, centre: CentreCatalog, ticket: TicketRecord, now: datetime) -> list[Event]:
    plan = store.legs_of(session, ticket.id)
    current = next((leg for leg in plan if leg.status == LegStatus.CURRENT), None)
    pending = [leg for leg in plan if leg.status == LegStatus.PENDING]
    rules = centre.config.visits
    if current is None or not pending or rules.plan == PlanRule.AS_GIVEN:
        return []
    codes = {leg.id: centre.service_code(leg.service_id) for leg in (current, *pending)}
    waits = expected_waits(session, centre, list(codes.values()), ticket.priority, ticket.queued_at, ticket.id, now)
    options = {
        leg.id: LegOption(leg.position, codes[leg.id], waits[codes[leg.id]][1], waits[codes[leg.id]][0])
        for leg in (current, *pending)
    }
    better = better_leg(options[current.id], [options[leg.id] for leg in pending], rules.plan, rules.replan_minutes)
    if better is None:
        return []
    leg = next(leg for leg in pending if leg.position == better.position)
    moved = tickets_store.change_ticket(
        session, ticket.id, {Status.WAITING}, service_id=leg.service_id, transactions=leg.transactions
    )
    if moved is None:
        return []  # called meanwhile
    store.postpone_leg(session, current.id)
    store.start_leg(session, leg.id, now)
    detail = {"from": codes[current.id], "to": better.service}
    tickets_store.record_event(session, moved, EventKind.REPLANNED, now, detail=detail)
    return [
        TicketChanged(centre.code, moved.id, moved.tracking_code, moved.status),
        QueueChanged(centre.code, (codes[current.id], better.service)),
    ]
