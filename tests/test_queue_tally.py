"""The per-service tally of waiting tickets, kept by database triggers, against a plain count after every
kind of change a hall makes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from queue_app.services import counters, presence
from queue_app.services.catalog import CentreCatalog, sync_catalog
from queue_app.services.counters import Actor
from queue_app.services.queue_state import people_ahead
from queue_app.services.tickets import TicketRequest, cancel_ticket, issue_ticket
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.store.models import QueueTally, Ticket
from queue_app.store.records import TicketRecord

START = datetime(2026, 11, 22, 6, 0)  # 09:00 in Kuwait: one business day for the whole test
SERVICES = ("traffic", "residency", "civil-id", "medical")


def tallies(session: Any) -> dict[int, tuple[int, int]]:
    rows = session.execute(select(QueueTally.service_id, QueueTally.waiting, QueueTally.transactions))
    return {service_id: (waiting, transactions) for service_id, waiting, transactions in rows if waiting}


def counted(session: Any) -> dict[int, tuple[int, int]]:
    rows = session.execute(
        select(Ticket.service_id, func.count(Ticket.id), func.sum(Ticket.transactions))
        .where(Ticket.status == "waiting")
        .group_by(Ticket.service_id)
    )
    return {service_id: (int(n), int(tx)) for service_id, n, tx in rows}


def step(database: Database, centre: CentreCatalog, rng: random.Random, at: datetime) -> str:
    """One random thing a hall does; returns its name."""
    with database.transaction() as session:
        kind = rng.choice(
            ["issue", "issue", "issue", "priority", "call", "complete", "no_show", "transfer", "move", "cancel"]
        )
        counter = str(rng.randint(1, 2))
        actor = Actor(None)  # the system: may work any open counter
        presence.sign_in(session, centre, counter, actor, at)
        try:
            if kind in ("issue", "priority"):
                priority = "elderly" if kind == "priority" else "none"
                request = TicketRequest(service=rng.choice(SERVICES), priority=priority, transactions=rng.randint(1, 3))
                issued = issue_ticket(session, centre, request, at)
                # the position of a new ticket (from the tally for a plain one) is the counted one
                assert issued.position == people_ahead(session, centre, issued.ticket)[0]
            elif kind == "call":
                counters.call_next(session, centre, counter, actor, at)
            elif kind == "complete":
                counters.complete(session, centre, counter, actor, at)
            elif kind == "no_show":
                counters.no_show(session, centre, counter, actor, at)
            elif kind == "transfer":
                counters.transfer(session, centre, counter, rng.choice(SERVICES), "sent on", actor, at)
            else:
                rows = session.execute(select(Ticket.__table__).where(Ticket.status == "waiting").limit(5))
                waiting = [TicketRecord(**row._asdict()) for row in rows]
                if waiting and kind == "cancel":
                    cancel_ticket(session, centre, rng.choice(waiting), at)
                elif waiting:  # a supervisor moves a waiting ticket to another queue
                    counters.transfer_ticket(
                        session, centre, rng.choice(waiting), rng.choice(SERVICES), None, actor, at
                    )
        except counters.Conflict:
            pass  # e.g. complete with nobody at the counter, a move to the same queue: nothing changed
    return kind


def test_tally_matches_the_count_after_every_change(database_url: str, hall_config: Any) -> None:
    upgrade(database_url)
    database = Database(database_url)
    try:
        with database.transaction() as session:
            centre = sync_catalog(session, hall_config).centre("test")
            for code in ("1", "2"):
                presence.sign_in(session, centre, code, Actor(None), START)
        rng = random.Random(7)
        done = set()
        for i in range(150):
            done.add(step(database, centre, rng, START + timedelta(seconds=i)))
            with database.reading() as session:
                assert tallies(session) == counted(session), f"after step {i}"
        assert done >= {"issue", "priority", "call", "complete", "no_show", "transfer", "move", "cancel"}
    finally:
        database.dispose()


def test_upgrade_starts_the_tally_from_the_tickets_already_waiting(database_url: str, hall_config: Any) -> None:
    upgrade(database_url, "8b1f4c2e6a90")
    database = Database(database_url)
    try:
        with database.transaction() as session:
            centre = sync_catalog(session, hall_config).centre("test")
            for i in range(5):
                service_id = centre.service_ids[SERVICES[i % 2]]
                session.execute(  # the old revision has no tally: write the rows as it would have
                    Ticket.__table__.insert(),
                    {
                        "centre_id": centre.id,
                        "service_id": service_id,
                        "issued_service_id": service_id,
                        "period": "2026-11-22",
                        "sequence": i + 1,
                        "number": f"X{i + 1:03d}",
                        "tracking_code": f"code{i}",
                        "priority": "none",
                        "transactions": 2,
                        "lang": "ar",
                        "source": "kiosk",
                        "status": "waiting",
                        "issued_at": START,
                        "queued_at": START,
                        "recalls": 0,
                        "needs_check_in": False,
                    },
                )
        upgrade(database_url)
        with database.reading() as session:
            assert (
                tallies(session)
                == counted(session)
                == {
                    centre.service_ids["traffic"]: (3, 6),
                    centre.service_ids["residency"]: (2, 4),
                }
            )
    finally:
        database.dispose()
