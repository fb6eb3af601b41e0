"""Family visits on a real SQLite file: one ticket with several legs, served at one counter at a time,
keeping its place in time from leg to leg, in the order the planner chooses (domain/visits.py)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from queue_app.domain.errors import InvalidInput, QueueError
from queue_app.domain.visits import LegOption, LegRequest, PlanRule, Relation, better_leg, check_legs, next_leg
from queue_app.services import counters, report_people, reports, visits
from queue_app.services.catalog import Catalog, CentreCatalog
from queue_app.services.counters import Actor
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.store import tickets as tickets_store
from queue_app.store.database import Database
from queue_app.store.models import TicketEvent
from queue_app.store.records import TicketRecord
from tests.support.use_cases import NOW, act, issue, minutes

FAMILY = (
    LegRequest("traffic", 2, Relation.CHILD),
    LegRequest("civil-id", 4, Relation.CHILD),
    LegRequest("medical", 1, Relation.SPOUSE),
)


def visit(database: Database, centre: CentreCatalog, legs: tuple[LegRequest, ...], at: datetime) -> TicketRecord:
    with database.transaction() as session:
        request = TicketRequest(service=legs[0].service, legs=legs)
        return issue_ticket(session, centre, request, at).ticket


def reread(database: Database, ticket: TicketRecord) -> TicketRecord:
    with database.reading() as session:
        found = tickets_store.ticket(session, ticket.id)
        assert found is not None
        return found


def leg_states(database: Database, centre: CentreCatalog, ticket: TicketRecord) -> list[tuple[str, str]]:
    with database.reading() as session:
        found = reread(database, ticket)
        return [(centre.service_code(leg.service_id), leg.status) for leg in visits.legs_of(session, found)]


def test_the_planner_rules() -> None:
    busy = [LegOption(1, "traffic", 40, 8), LegOption(2, "civil-id", 5, 1), LegOption(3, "medical", 5, 1)]
    assert next_leg(busy, PlanRule.SHORTEST_WAIT).service == "civil-id"  # ties: in the visitor's order
    assert next_leg(busy, PlanRule.FREE_FIRST).service == "traffic"  # nobody free: the visitor's order
    assert next_leg(busy, PlanRule.AS_GIVEN).service == "traffic"
    free = [*busy, LegOption(4, "justice", 2, 0), LegOption(5, "health", 1, 0)]
    assert next_leg(free).service == "health"  # the default: free first, the shortest of them
    assert next_leg(free, PlanRule.AS_GIVEN).service == "traffic"
    with pytest.raises(ValueError):
        next_leg([])
    # re-planning a visit that waits: free_first moves only from a queue with someone ahead to a free one
    here = LegOption(1, "traffic", 30, 4)
    assert better_leg(here, busy[1:], PlanRule.FREE_FIRST, 5) is None
    assert better_leg(here, free, PlanRule.FREE_FIRST, 5) == free[-1]
    assert better_leg(LegOption(1, "traffic", 0, 0), free, PlanRule.FREE_FIRST, 5) is None
    assert better_leg(here, busy[1:], PlanRule.SHORTEST_WAIT, 5) == busy[1]  # 25 minutes shorter
    assert better_leg(here, [LegOption(2, "x", 27, 3)], PlanRule.SHORTEST_WAIT, 5) is None  # within the margin
    assert better_leg(here, free, PlanRule.AS_GIVEN, 5) is None


def test_legs_are_checked_with_stable_codes() -> None:
    assert check_legs([{"service": "a", "transactions": 10, "for": "child"}], 8, 10) == (
        LegRequest("a", 10, Relation.CHILD),
    )
    cases = [
        ([], "invalid_legs"),
        ("traffic", "invalid_legs"),
        ([{"transactions": 1}], "invalid_legs"),
        ([{"service": "a", "transactions": 11}], "invalid_transactions"),
        ([{"service": "a", "for": "cousin"}], "invalid_relation"),
        ([{"service": "a"}, {"service": "a"}], "duplicate_leg"),
        ([{"service": s} for s in "abcdefghi"], "too_many_legs"),
    ]
    for raw, code in cases:
        with pytest.raises(InvalidInput) as refused_legs:
            check_legs(raw, 8, 10)
        assert refused_legs.value.code == code, raw
    # the same service for two different people is two legs
    assert len(check_legs([{"service": "a", "for": "self"}, {"service": "a", "for": "spouse"}], 8, 10)) == 2


def test_a_family_visit_goes_leg_by_leg_keeping_its_place(
    database: Database, centre: CentreCatalog, clerk: Actor
) -> None:
    for n in range(3):  # traffic is busy; civil ID is empty; one medical check waits
        issue(database, centre, "traffic", minutes(-10 + n))
    issue(database, centre, "medical", minutes(-5))
    family = visit(database, centre, FAMILY, NOW)
    # one number, from the leg the planner starts with: civil ID (nobody waits there)
    assert (family.legs, family.number[0], family.transactions) == (3, "C", 4)
    assert leg_states(database, centre, family) == [
        ("traffic", "pending"),
        ("civil-id", "current"),
        ("medical", "pending"),
    ]

    # traffic's counter cannot call the visit while it is on its civil-ID leg
    assert act(database, counters.call_next, centre, "1", clerk, minutes(1)).number == "A001"
    called = act(database, counters.call_next, centre, "4", clerk, minutes(1))
    assert called is not None and called.id == family.id
    act(database, counters.start, centre, "4", clerk, minutes(2))
    moved = act(database, counters.complete, centre, "4", clerk, minutes(12))
    assert moved is not None and moved.status == "waiting"
    # someone waits for both traffic and medical: no leg is free, so the visitor's order (traffic), the
    # visit's place in time kept
    assert moved.service_id == centre.service_ids["traffic"] and moved.queued_at == NOW and moved.transactions == 2
    assert moved.number == family.number and moved.tracking_code == family.tracking_code
    assert leg_states(database, centre, family) == [
        ("traffic", "current"),
        ("civil-id", "done"),
        ("medical", "pending"),
    ]

    # in traffic the tickets issued before the visit arrived go first; then the visit, ahead of a later one
    issue(database, centre, "traffic", minutes(13))
    numbers = [act(database, counters.call_next, centre, "2", clerk, minutes(14 + n)).number for n in range(3)]
    assert numbers == ["A002", "A003", family.number]
    moved = act(database, counters.complete, centre, "2", clerk, minutes(30))
    assert moved is not None and moved.service_id == centre.service_ids["medical"]

    # the medical check issued before the visit arrived goes first
    assert act(database, counters.call_next, centre, "6", clerk, minutes(31)).number == "D001"
    assert act(database, counters.call_next, centre, "6", clerk, minutes(40)).id == family.id
    done = act(database, counters.complete, centre, "6", clerk, minutes(50))
    assert done is not None and done.status == "done" and done.finished_at == minutes(50)
    assert [s for _, s in leg_states(database, centre, family)] == ["done", "done", "done"]

    with database.reading() as session:
        kinds = session.execute(
            select(TicketEvent.kind, TicketEvent.service_id)
            .where(TicketEvent.ticket_id == family.id)
            .order_by(TicketEvent.id)
        ).all()
        legs = visits.legs_of(session, reread(database, family))
    ids = centre.service_ids
    assert [(k, s) for k, s in kinds if k in ("called", "done", "next_leg")] == [
        ("called", ids["civil-id"]),
        ("done", ids["civil-id"]),
        ("next_leg", ids["traffic"]),
        ("called", ids["traffic"]),
        ("done", ids["traffic"]),
        ("next_leg", ids["medical"]),
        ("called", ids["medical"]),
        ("done", ids["medical"]),
    ]
    # each leg's own times are plain rows (reports read them)
    civil = legs[1]
    assert (civil.queued_at, civil.called_at, civil.started_at, civil.finished_at) == (
        NOW,
        minutes(1),
        minutes(2),
        minutes(12),
    )
    assert legs[0].queued_at == minutes(12) and legs[2].finished_at == minutes(50)
    assert civil.counter_id == centre.counter_ids["4"] and legs[0].counter_id == centre.counter_ids["2"]

    # the reports count each leg where it was served, and its wait from when it joined that queue
    with database.reading() as session:
        figures = {row["service"]: row for row in reports.summary(session, centre, NOW.date(), NOW.date())["services"]}
    assert [figures[s]["served"] for s in ("civil-id", "traffic", "medical")] == [1, 3, 2]
    assert figures["civil-id"]["wait_minutes"]["mean"] == 1.0  # issued at 0, called at 1
    # traffic: A001 11, A002 and A003 23, the visit 4 (joined at 12, called at 16)
    assert figures["traffic"]["wait_minutes"]["median"] == 17.0
    # medical: D001 36, the visit 10 (joined at 30, called at 40; not 40 from its arrival)
    assert figures["medical"]["wait_minutes"]["mean"] == 23.0
    with database.reading() as session:
        family_figures = report_people.family_visits(session, centre, NOW.date(), NOW.date())
    assert family_figures == {"visits": 1, "services": 3, "completed": 1, "minutes_in_centre": 50.0}


def test_a_clerk_adds_a_forgotten_leg_and_ends_a_visit(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    single = issue(database, centre, "traffic", NOW)
    with database.transaction() as session:
        ticket, legs = visits.add_leg(session, centre, single, LegRequest("medical", 1, Relation.SELF))
    assert ticket.legs == 2 and [leg.status for leg in legs] == ["current", "pending"]
    act(database, counters.call_next, centre, "1", clerk, minutes(1))
    moved = act(database, counters.complete, centre, "1", clerk, minutes(5))
    assert moved is not None and moved.service_id == centre.service_ids["medical"] and moved.status == "waiting"

    family = visit(database, centre, FAMILY, minutes(6))
    assert family.service_id == centre.service_ids["traffic"]  # nobody waits anywhere: the visitor's order
    with database.transaction() as session:
        assert [leg.status for leg in visits.end_visit(session, family)].count("dropped") == 2
    act(database, counters.call_next, centre, "2", clerk, minutes(7))
    done = act(database, counters.complete, centre, "2", clerk, minutes(9))
    assert done is not None and done.id == family.id and done.status == "done"

    with database.transaction() as session:
        finished = tickets_store.ticket(session, family.id)
        assert finished is not None
        with pytest.raises(QueueError) as late:
            visits.add_leg(session, centre, finished, LegRequest("traffic"))
    assert late.value.code == "invalid_transition"


def test_a_visit_checks_every_leg(database: Database, centre: CentreCatalog) -> None:
    legs = (LegRequest("traffic"), LegRequest("nope"))
    with pytest.raises(QueueError) as unknown, database.transaction() as session:
        issue_ticket(session, centre, TicketRequest(service="traffic", legs=legs), NOW)
    assert unknown.value.code == "unknown_service"


def test_a_waiting_visit_moves_to_a_queue_that_has_emptied(
    database: Database, catalog: Catalog, centre: CentreCatalog, clerk: Actor
) -> None:
    """free_first, re-planned by the sweep: both queues are busy at first (the visitor's order: traffic);
    once nobody is ahead of it for civil ID, the visit waits there instead, its place in time kept."""
    issue(database, centre, "traffic", minutes(-10))
    issue(database, centre, "civil-id", minutes(-9))
    family = visit(database, centre, (LegRequest("traffic"), LegRequest("civil-id")), NOW)
    assert family.service_id == centre.service_ids["traffic"]
    with database.transaction() as session:
        assert visits.replan(session, catalog, minutes(1)) == []  # nothing better yet

    act(database, counters.call_next, centre, "4", clerk, minutes(2))  # civil ID's only ticket is called
    with database.transaction() as session:
        events = visits.replan(session, catalog, minutes(3))
    moved = reread(database, family)
    assert moved.service_id == centre.service_ids["civil-id"] and moved.queued_at == NOW
    assert leg_states(database, centre, family) == [("traffic", "pending"), ("civil-id", "current")]
    assert {type(event).__name__ for event in events} == {"TicketChanged", "QueueChanged"}
    with database.transaction() as session:
        assert visits.replan(session, catalog, minutes(4)) == []  # nobody ahead: it stays

    called = act(database, counters.call_next, centre, "5", clerk, minutes(5))
    assert called is not None and called.id == family.id
    with database.reading() as session:
        kinds = session.scalars(
            select(TicketEvent.kind).where(TicketEvent.ticket_id == family.id).order_by(TicketEvent.id)
        ).all()
    assert kinds == ["issued", "replanned", "called"]
