"""The spooler stores first, sends in the background, retries with backoff, and never prints twice."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from printers import InMemoryJobStore, JobStatus, PrintJob, RetryPolicy, Spooler
from printers.backends import MemoryBackend, NetworkBackend

from .fake_printer import FakePrinter

FAST = RetryPolicy(first_delay=0.02, factor=2, max_delay=0.1, max_attempts=1000, deadline=60)


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def spooler_for(
    printer: FakePrinter,
    store: InMemoryJobStore,
    retry: RetryPolicy = FAST,
    **kw: object,
) -> Spooler:
    backend = NetworkBackend("127.0.0.1", printer.port, timeout=0.5)
    return Spooler(store, lambda key: backend, retry=retry, idle_poll=0.05, **kw)  # type: ignore[arg-type]


def test_backoff_doubles_and_is_capped():
    policy = RetryPolicy()
    assert [policy.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_printer_off_then_on_prints_exactly_once(fake_printer: FakePrinter):
    fake_printer.stop()  # printer switched off: its port refuses connections
    store = InMemoryJobStore()
    spooler = spooler_for(fake_printer, store)
    spooler.start()
    try:
        job = spooler.submit(PrintJob.new("kiosk-1", b"\x1b@TICKET A012\n", time.time()))  # returns, printer off
        wait_until(lambda: store.get(job.id).attempts >= 2)  # type: ignore[union-attr]
        stored = store.get(job.id)
        assert stored is not None and stored.status is JobStatus.PENDING
        assert stored.last_error and "cannot connect" in stored.last_error

        fake_printer.start()  # switched on again, same port
        wait_until(lambda: store.get(job.id).status is JobStatus.PRINTED)  # type: ignore[union-attr]
        time.sleep(0.3)  # give a wrong second send the time to happen
        assert fake_printer.jobs == [b"\x1b@TICKET A012\n"]
    finally:
        spooler.stop()


def test_failing_job_ends_failed_and_can_be_reprinted(fake_printer: FakePrinter):
    fake_printer.stop()
    store = InMemoryJobStore()
    changes: list[tuple[str, JobStatus, int]] = []
    retry = RetryPolicy(first_delay=0.01, max_delay=0.02, max_attempts=3, deadline=60)

    def record(job: PrintJob) -> None:
        changes.append((job.id, job.status, job.attempts))

    spooler = spooler_for(fake_printer, store, retry, on_change=record)
    spooler.start()
    try:
        job = spooler.submit(PrintJob.new("kiosk-1", b"ticket", time.time()))
        wait_until(lambda: store.get(job.id).status is JobStatus.FAILED)  # type: ignore[union-attr]
        failed = store.get(job.id)
        assert failed is not None and failed.attempts == 3 and failed.last_error
        assert [c for c in changes if c[0] == job.id] == [
            (job.id, JobStatus.PENDING, 0),
            (job.id, JobStatus.PENDING, 1),
            (job.id, JobStatus.PENDING, 2),
            (job.id, JobStatus.FAILED, 3),
        ]

        fake_printer.start()
        again = spooler.reprint(job.id)
        wait_until(lambda: store.get(again.id).status is JobStatus.PRINTED)  # type: ignore[union-attr]
        assert again.reprint_of == job.id and again.id != job.id
        assert store.get(job.id).status is JobStatus.FAILED  # type: ignore[union-attr]
        fake_printer.wait_for_jobs(1)
        assert fake_printer.jobs == [b"ticket"]
    finally:
        spooler.stop()


def test_deadline_gives_up_even_with_attempts_left():
    backend = MemoryBackend()
    backend.online = False
    now = [1000.0]
    store = InMemoryJobStore()
    retry = RetryPolicy(first_delay=1, max_attempts=100, deadline=10)
    spooler = Spooler(store, lambda key: backend, retry=retry, clock=lambda: now[0])
    job = spooler.submit(PrintJob.new("k", b"x", now[0]))
    spooler.run_once()
    assert store.get(job.id).status is JobStatus.PENDING  # type: ignore[union-attr]
    assert store.get(job.id).next_try_at == 1001.0  # type: ignore[union-attr]
    now[0] = 1011.0
    spooler.run_once()
    assert store.get(job.id).status is JobStatus.FAILED  # type: ignore[union-attr]


def test_printed_job_is_never_sent_again():
    backend = MemoryBackend()
    store = InMemoryJobStore()
    spooler = Spooler(store, lambda key: backend)
    job = spooler.submit(PrintJob.new("k", b"once", time.time()))
    assert spooler.run_once() == 1
    assert store.get(job.id).status is JobStatus.PRINTED  # type: ignore[union-attr]
    assert spooler.run_once(now=time.time() + 3600) == 0
    store.mark_attempt_failed(job.id, "late failure report", 0)  # a store keeps printed final
    assert store.get(job.id).status is JobStatus.PRINTED  # type: ignore[union-attr]
    spooler._attempt(job)  # even a stale copy of the job is not resent
    assert backend.sent == [b"once"]


def test_unknown_printer_key_counts_as_a_failed_attempt():
    store = InMemoryJobStore()

    def backend_for(key: str) -> MemoryBackend:
        raise KeyError(key)

    spooler = Spooler(store, backend_for, retry=RetryPolicy(max_attempts=1))
    job = spooler.submit(PrintJob.new("no-such-kiosk", b"x", time.time()))
    spooler.run_once()
    failed = store.get(job.id)
    assert failed is not None and failed.status is JobStatus.FAILED
    assert "no-such-kiosk" in (failed.last_error or "")


def test_store_rejects_duplicate_ids():
    store = InMemoryJobStore()
    job = PrintJob.new("k", b"x", 0)
    store.add(job)
    with pytest.raises(ValueError, match=job.id):
        store.add(job)


def test_two_spoolers_sharing_a_store_send_each_job_once(fake_printer: FakePrinter):
    """Two server processes each run a spooler over the same stored jobs: each job is claimed once."""
    fake_printer.stop()  # jobs pile up while the printer is off, both spoolers retrying them
    store = InMemoryJobStore()
    spoolers = [spooler_for(fake_printer, store), spooler_for(fake_printer, store)]
    for spooler in spoolers:
        spooler.start()
    try:
        jobs = [spoolers[n % 2].submit(PrintJob.new("kiosk-1", b"T%03d\n" % n, time.time())) for n in range(20)]
        wait_until(lambda: all(store.get(job.id).attempts >= 2 for job in jobs))  # type: ignore[union-attr]
        fake_printer.start()
        wait_until(lambda: all(store.get(job.id).status is JobStatus.PRINTED for job in jobs))  # type: ignore[union-attr]
        time.sleep(0.5)  # both spoolers poll again: a second send would arrive now
        assert sorted(fake_printer.jobs) == sorted(job.data for job in jobs)
    finally:
        for spooler in spoolers:
            spooler.stop()
