"""The "N people ahead" message: written once per ticket when a call brings it near the front."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from queue_app.services import counters, presence
from queue_app.services.notify import OutboxRecorder
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.settings import Notifications
from queue_app.store.models import Notification, Ticket


def test_a_call_notifies_the_tickets_it_brings_near_the_front_once(database, catalog) -> None:
    config = Notifications(channel="log", events=["ahead"], ahead=2)
    recorder = OutboxRecorder(config, catalog, "http://hall.example")
    recorder.attach(database)
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
