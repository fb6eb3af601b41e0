"""What a hall reads all day costs the same after months of history.

The reads that run many times a second or every few seconds (the hall summary and its ETA pace, a
screen's snapshot, the expiry of remote holds, a printer's pending jobs, the notification outbox) must
be index lookups, not walks over every ticket, event, job and message ever written. Measured without
a clock: SQLite's progress handler counts the virtual-machine steps each read takes, once on a new
database and once after a synthetic history of finished days; a walk over the history would take at
least one step per old row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from queue_app.notifications.worker import NotificationWorker
from queue_app.services import remote
from queue_app.services.catalog import Catalog, sync_catalog
from queue_app.services.print_store import SqlJobStore
from queue_app.store.database import Database, utcnow
from queue_app.store.migrate import upgrade
from queue_app.views import hall

HISTORY = 20_000  # finished tickets of earlier days, each with its events, print job and message
STEP = 10  # the progress handler runs every STEP virtual-machine instructions


class StepCounter:
    """Counts SQLite VM steps on every connection of an engine."""

    def __init__(self, db: Database) -> None:
        self.steps = 0
        event.listen(db.engine, "connect", self._install)

    def _install(self, dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_progress_handler(self._tick, STEP)

    def _tick(self) -> int:
        self.steps += STEP
        return 0

    def measure(self, read: Callable[[], object]) -> int:
        before = self.steps
        read()
        return self.steps - before


def write_history(db: Database, catalog: Catalog, count: int = HISTORY) -> None:
    """`count` done tickets spread over the last 200 days, with their events, printed jobs and sent messages
    (bench/history.py times the same reads on a longer history)."""
    centre = catalog.centre("test")
    service_ids = list(centre.service_ids.values())
    counter_id = centre.counter_id(centre.config.counters[0].code)
    now = utcnow()
    tickets, events, jobs, messages = [], [], [], []
    for i in range(count):
        day = now - timedelta(days=1 + i * 200 / count)
        called, done = day + timedelta(minutes=5), day + timedelta(minutes=9)
        service = service_ids[i % len(service_ids)]
        number = (i + 1, f"h{day:%Y%m%d}", i + 1, f"A{i}", f"history-{i}")
        times = (str(day), str(day), str(called), str(done))
        tickets.append((number[0], centre.id, service, service, *number[1:], "done", *times, counter_id))
        events += [
            (i + 1, centre.id, service, kind, str(at), counter_id) for kind, at in (("called", called), ("done", done))
        ]
        jobs.append((f"job-{i}", centre.id, "test/k2", i + 1, b"x", "printed", 1, str(day), str(day), str(day)))
        messages.append((centre.id, i + 1, "called", "log", "{}", "sent", 1, str(day), str(day)))
    raw = db.engine.raw_connection()
    try:
        raw.executemany(
            "INSERT INTO tickets (id, centre_id, service_id, issued_service_id, period, sequence, number,"
            " tracking_code, status, issued_at, queued_at, called_at, finished_at, counter_id, priority,"
            " transactions, lang, source, recalls, needs_check_in)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,'none',1,'ar','kiosk',0,0)",
            tickets,
        )
        raw.executemany(
            "INSERT INTO ticket_events (ticket_id, centre_id, service_id, kind, at, counter_id) VALUES (?,?,?,?,?,?)",
            events,
        )
        raw.executemany(
            "INSERT INTO print_jobs (id, centre_id, printer_key, ticket_id, data, status, attempts, created_at,"
            " next_try_at, printed_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            jobs,
        )
        raw.executemany(
            "INSERT INTO notifications (centre_id, ticket_id, event, channel, payload, status, attempts, created_at,"
            " sent_at) VALUES (?,?,?,?,?,?,?,?,?)",
            messages,
        )
        raw.commit()
    finally:
        raw.close()


def daily_reads(db: Database, catalog: Catalog) -> dict[str, Callable[[], object]]:
    centre = catalog.centre("test")
    jobs = SqlJobStore(db, "test/k2", centre.id)
    outbox = NotificationWorker(db, None, None, None)  # type: ignore[arg-type]  # only its claim runs

    def summary() -> object:
        with db.reading() as session:
            return hall.services_summary(session, centre, utcnow())

    def snapshot() -> object:
        with db.reading() as session:
            return hall.hall_snapshot(session, centre, utcnow())

    def expire_holds() -> object:
        with db.transaction() as session:
            return remote.expire_holds(session, catalog, utcnow())

    return {
        "hall summary (ETA pace)": summary,
        "screen snapshot (recent calls)": snapshot,
        "hold expiry sweep": expire_holds,
        "printer's pending jobs": lambda: (jobs.pending(utcnow().timestamp()), jobs.next_due()),
        "notification outbox": lambda: outbox.process_due(utcnow()),
    }


@pytest.fixture
def hall_db(sqlite_url: str, hall_config):
    upgrade(sqlite_url)
    db = Database(sqlite_url)
    counter = StepCounter(db)
    with db.transaction() as session:
        catalog = sync_catalog(session, hall_config)
    yield db, catalog, counter
    db.dispose()


def test_daily_reads_do_not_grow_with_history(hall_db):
    db, catalog, counter = hall_db
    reads = daily_reads(db, catalog)
    for read in reads.values():  # warm: statements compiled, connections opened
        read()
    fresh = {name: counter.measure(read) for name, read in reads.items()}
    write_history(db, catalog)
    aged = {name: counter.measure(read) for name, read in reads.items()}
    # a walk over the history would add at least HISTORY steps; an index lookup adds a few levels
    grown = {
        name: f"{fresh[name]} steps new, {aged[name]} with history"
        for name in reads
        if aged[name] >= fresh[name] + HISTORY // 10
    }
    assert not grown
