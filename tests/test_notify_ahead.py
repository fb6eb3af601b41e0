"""The "N people ahead" message: planned from the stored call events, written once per ticket when a call
brings it near the front."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from queue_app.notifications import OutboxPlanner
from queue_app.services import counters, presence
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.settings import Notifications
from queue_app.store.models import Notification, Ticket, TicketEvent, table


def test_a_call_notifies_the_tickets_it_brings_near_the_front_once(database, catalog) -> None:
    config = Notifications(channel="log", events=["ahead"], ahead=2)
    planner = OutboxPlanner(config, catalog, "http://hall.example")
    centre = catalog.centre("test")
    start = datetime(2026, 1, 10, 7, 0)  # 10:00 in Kuwait: one business day for the whole test
    with database.transaction() as session:
        numbers = [
            issue_ticket(session, centre, TicketRequest(service="traffic"), start + timedelta(minutes=i)).ticket.number
            for i in range(6)
        ]
        # an elderly visitor who came last is boosted 15 minutes: placed between A003 and A004
        elderly = issue_ticket(
            session,
            centre,
            TicketRequest(service="traffic", priority="elderly"),
            start + timedelta(minutes=17, seconds=30),
        ).ticket.number
    with database.transaction() as session:
        presence.sign_in(session, centre, "1", counters.Actor(None), start)
    for _ in range(2):
        with database.transaction() as session:
            counters.call_next(session, centre, "1", counters.Actor(None), start + timedelta(hours=1))
        with database.transaction() as session:  # the worker's round: the call's event becomes messages
            planner.plan(session, start + timedelta(hours=1))
    with database.transaction() as session:  # a round with nothing new writes nothing
        assert planner.plan(session, start + timedelta(hours=1)) == 0
    with database.reading() as session:
        rows = session.execute(
            select(Ticket.number, Notification.payload)
            .join(Ticket, Ticket.id == Notification.ticket_id)
            .where(Notification.event == "ahead")
            .order_by(Notification.id)
        ).all()
    notified = [number for number, _payload in rows]
    assert len(notified) == len(set(notified)), "each ticket hears it once"
    # after the first call: A002 (0 ahead), A003 (1), and the elderly visitor (2) lead the queue;
    # after the second: A004 moves up to 2 ahead.
    assert notified == [numbers[1], numbers[2], elderly, numbers[3]]
    assert [payload["ahead"] for _number, payload in rows] == [0, 1, 2, 2]


def test_an_event_committed_late_is_waited_for_and_a_rolled_back_one_is_passed(database, catalog) -> None:
    """Event ids come from a sequence before the commit: a missing id may be a transaction still running
    (its messages must not be skipped) or one rolled back (it must not block the outbox for ever)."""
    clock = [0.0]
    config = Notifications(channel="log", events=["issued"])
    planner = OutboxPlanner(config, catalog, "http://hall.example", clock=lambda: clock[0])
    centre = catalog.centre("test")
    now = datetime(2026, 1, 10, 7, 0)
    with database.transaction() as session:
        first = issue_ticket(session, centre, TicketRequest(service="traffic"), now).ticket
        second = issue_ticket(session, centre, TicketRequest(service="traffic"), now).ticket
    with database.transaction() as session:
        assert planner.plan(session, now) == 2
        newest = session.scalar(select(func.max(TicketEvent.id)))

    def stored_event(event_id: int, ticket: Ticket) -> None:
        with database.transaction() as session:
            session.execute(
                table(TicketEvent)
                .insert()
                .values(id=event_id, ticket_id=ticket.id, centre_id=ticket.centre_id, service_id=ticket.service_id)
                .values(kind="issued", at=now)
            )

    def planned() -> int:
        with database.transaction() as session:
            return planner.plan(session, now)

    stored_event(newest + 2, second)  # committed first, while newest + 1 is still running
    assert planned() == 0, "the planner waits at the gap"
    stored_event(newest + 1, first)  # the slower transaction commits
    assert planned() == 2, "both are sent, in order"
    stored_event(newest + 4, first)  # newest + 3 was rolled back: it never appears
    assert planned() == 0
    clock[0] += 11  # past GAP_WAIT
    assert planned() == 1
    assert planned() == 0
