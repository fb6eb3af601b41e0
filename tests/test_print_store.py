"""The SQL JobStore under printers' Spooler, on a real SQLite file: stored first, retried, printed once."""

from __future__ import annotations

from printers import JobStatus, PrintJob, RetryPolicy, Spooler
from printers.backends import MemoryBackend
from printers.spooler import lease_for
from queue_app.services.catalog import Catalog
from queue_app.services.print_store import SqlJobStore
from queue_app.store.database import Database


def test_sql_store_with_spooler(database: Database, catalog: Catalog) -> None:
    store = SqlJobStore(database, "test/k2", catalog.centre("test").id)
    other = SqlJobStore(database, "test/k1", catalog.centre("test").id)
    printer = MemoryBackend()
    printer.online = False
    clock = [1000.0]
    spooler = Spooler(store, lambda key: printer, retry=RetryPolicy(first_delay=5), clock=lambda: clock[0])
    job = spooler.submit(PrintJob.new("test/k2", b"ticket", clock[0]))
    other.add(PrintJob.new("test/k1", b"elsewhere", clock[0]))
    assert [j.id for j in store.pending(clock[0])] == [job.id]  # one printer's jobs only

    assert spooler.run_once() == 1
    failed_once = store.get(job.id)
    assert failed_once is not None and failed_once.status is JobStatus.PENDING and failed_once.attempts == 1
    assert failed_once.next_try_at == clock[0] + 5 and store.pending(clock[0]) == []
    assert store.next_due() == clock[0] + 5

    printer.online = True
    store.due_now(clock[0])  # the printer came back: no need to wait for the backoff
    assert spooler.run_once() == 1 and printer.sent == [b"ticket"]
    store.mark_failed(job.id, "late error")  # printed is final: the store ignores it
    printed = store.get(job.id)
    assert printed is not None and printed.status is JobStatus.PRINTED and printed.attempts == 2
    assert spooler.run_once() == 0 and printer.sent == [b"ticket"]


def test_a_printer_coming_back_never_frees_a_job_in_flight(database: Database, catalog: Catalog) -> None:
    """Process A claimed a job and is sending it when the printer answers again: `due_now` (run by each
    process) makes jobs waiting for a retry due, but process B must not be able to claim A's job.
    Before, B sent it again: 13 printouts for 12 tickets in a busy run of the two-process test."""
    centre = catalog.centre("test").id
    lease = lease_for(RetryPolicy())  # the longest backoff: 30 s
    in_a, in_b = SqlJobStore(database, "test/k1", centre, lease), SqlJobStore(database, "test/k1", centre, lease)
    now = 1000.0
    sending = PrintJob.new("test/k1", b"in flight", now)
    waiting = PrintJob.new("test/k1", b"waiting for a retry", now)
    in_a.add(sending)
    in_a.add(waiting)
    assert in_a.claim(sending.id, now, now + lease)
    in_a.mark_attempt_failed(waiting.id, "printer off", now + 30)  # the longest backoff

    in_b.due_now(now + 1)
    assert not in_b.claim(sending.id, now + 1, now + 1 + lease)
    assert in_b.claim(waiting.id, now + 1, now + 1 + lease)
