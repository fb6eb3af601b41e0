"""Call-next under contention on PostgreSQL: twenty counters calling one queue at once never hear
"nobody waits" while someone does. Each counter runs in its own thread and transaction, as the
server's requests do; the losers of a claim re-read the queue until they win one or it is empty."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import func, select

from queue_app.domain.counters import Actor
from queue_app.services import counters, presence
from queue_app.services.catalog import sync_catalog
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.settings import load_config
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.store.models import Ticket, User
from tests.support.server import ROOT

TICKETS = 400
COUNTERS = [str(i) for i in range(1, 21)]
START = datetime(2026, 11, 22, 5, 0)  # 08:00 in Kuwait, a Sunday morning shift
EMPTY_ANSWERS = 3


def test_no_false_nobody_waits_with_twenty_counters_on_one_queue(postgres_url: str) -> None:
    upgrade(postgres_url)
    database = Database(postgres_url)
    try:
        config = load_config(ROOT / "tests" / "fixtures" / "twenty_counters.yaml")
        with database.transaction() as session:
            centre = sync_catalog(session, config).centre("test")
            clerks = {}
            for code in COUNTERS:
                user = User(
                    username=f"desk-{code}", password_hash="-", role="clerk", centre_id=centre.id, created_at=START
                )
                session.add(user)
                session.flush()
                clerks[code] = Actor(user.id, "clerk", centre.id)
                presence.sign_in(session, centre, code, clerks[code], START)
            for i in range(TICKETS):
                issue_ticket(session, centre, TicketRequest(service="traffic"), START + timedelta(seconds=i))
        start = threading.Barrier(len(COUNTERS))
        false_empty: list[str] = []

        def counter(code: str) -> list[str]:
            numbers, empty, now = [], 0, START + timedelta(hours=1)
            start.wait()
            while empty < EMPTY_ANSWERS:
                with database.transaction() as session:
                    ticket = counters.call_next(session, centre, code, clerks[code], now).ticket
                if ticket is None:
                    empty += 1
                    continue
                if empty:
                    false_empty.append(f"counter {code} heard 'nobody waits', then got {ticket.number}")
                    empty = 0
                numbers.append(ticket.number)
            return numbers

        with ThreadPoolExecutor(len(COUNTERS)) as pool:
            called = [n for numbers in pool.map(counter, COUNTERS) for n in numbers]
        assert not false_empty, false_empty[:5]
        assert len(called) == TICKETS and not [n for n, times in Counter(called).items() if times > 1]
        with database.reading() as session:
            waiting = session.scalar(select(func.count(Ticket.id)).where(Ticket.status == "waiting"))
        assert waiting == 0
    finally:
        database.dispose()
