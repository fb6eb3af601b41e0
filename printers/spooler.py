"""Render-then-send spooler: jobs are stored first, then sent by one background worker with backoff.

``submit()`` only stores the job and wakes the worker, so a request handler never waits for a printer.
The worker is a plain ``threading.Thread``; under gevent's monkey-patching it becomes a greenlet, which
is intended, so only stdlib threading/time primitives are used here. Several workers may share one
store (a spooler in each server process): each claims a job with a lease before sending it, so a job is
sent once. The worker survives any error of the store (a database outage) and resumes when it is back.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from printers.backends.base import Backend
from printers.jobs import JobStatus, JobStore, PrintJob

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: ``first_delay * factor**(n-1)`` capped at ``max_delay``; give up after
    ``max_attempts`` attempts or once ``deadline`` seconds have passed since the job was created."""

    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0
    max_attempts: int = 10
    deadline: float = 600.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt (1-based)."""
        return float(min(self.max_delay, self.first_delay * self.factor ** max(0, attempts - 1)))

    def gives_up(self, job: PrintJob, attempts: int, now: float) -> bool:
        """True when ``attempts`` failures (or the job's age) exhaust the policy."""
        return attempts >= self.max_attempts or now - job.created_at >= self.deadline


def lease_for(retry: RetryPolicy) -> float:
    """Seconds a claimed job is held by its sender; after that (the sender died) it is due again.

    At least 60 s (four times the longest send: a print agent has 15 s to acknowledge) and twice the
    longest backoff plus 10 s, so a store can tell a job in flight (due beyond half the lease) from one
    waiting for its next try (see ``SqlJobStore.due_now``): 70 s with the default policy, 60 s with the
    tests' fast retries."""
    return max(60.0, 2 * retry.max_delay + 10.0)


class Spooler:
    """Sends stored jobs to ``backend_for(job.printer_key)``; reports each change to ``on_change``."""

    def __init__(
        self,
        store: JobStore,
        backend_for: Callable[[str], Backend],
        *,
        retry: RetryPolicy | None = None,
        on_change: Callable[[PrintJob], None] | None = None,
        clock: Callable[[], float] = time.time,
        idle_poll: float = 5.0,
    ) -> None:
        self.store = store
        self.backend_for = backend_for
        self.retry = retry or RetryPolicy()
        self.lease = lease_for(self.retry)
        self.on_change = on_change
        self.clock = clock
        self.idle_poll = idle_poll
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- caller side: never blocks on a printer ---------------------------------------------------
    def submit(self, job: PrintJob) -> PrintJob:
        """Store ``job`` and return at once; the worker sends it."""
        self.store.add(job)
        self._notify(job.id)
        self._wake.set()
        return job

    def submit_bytes(self, printer_key: str, data: bytes) -> PrintJob:
        """Shortcut: wrap rendered bytes in a new job and submit it."""
        return self.submit(PrintJob.new(printer_key, data, self.clock()))

    def reprint(self, job_id: str) -> PrintJob:
        """Submit a new job with the bytes of ``job_id`` (a failed one, or a torn ticket)."""
        old = self.store.get(job_id)
        if old is None:
            raise KeyError(job_id)
        return self.submit(PrintJob.new(old.printer_key, old.data, self.clock(), reprint_of=old.id))

    def wake(self) -> None:
        """Look at the store now (e.g. jobs were made due again because their printer came back)."""
        self._wake.set()

    # -- worker side -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the background worker (idempotent)."""
        if self._thread and self._thread.is_alive():
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="tabour-print-spooler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the worker to finish its current send and stop; wait up to ``timeout`` seconds."""
        self._stopping.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self, now: float | None = None) -> int:
        """Attempt every job due at ``now``; return how many were attempted. The worker's one step."""
        now = self.clock() if now is None else now
        due = self.store.pending(now)
        for job in due:
            if self._stopping.is_set():
                break
            self._attempt(job)
        return len(due)

    def _attempt(self, job: PrintJob) -> None:
        if not self.store.claim(job.id, self.clock(), self.clock() + self.lease):
            return  # printed, failed or taken by another sender meanwhile: never send a job twice
        current = self.store.get(job.id)
        if current is None or current.status is not JobStatus.PENDING:
            return
        try:
            backend = self.backend_for(job.printer_key)
            send_job = getattr(backend, "send_job", None)  # job-aware links (the kiosk agent) dedupe by id
            if send_job is not None:
                send_job(job.id, job.data)
            else:
                backend.send(job.data)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            attempts, now = current.attempts + 1, self.clock()
            if self.retry.gives_up(current, attempts, now):
                self.store.mark_failed(job.id, error)
                log.warning("print job %s failed for good after %d attempts: %s", job.id, attempts, error)
            else:
                self.store.mark_attempt_failed(job.id, error, now + self.retry.delay(attempts))
        else:
            self.store.mark_printed(job.id)
        self._notify(job.id)

    def _notify(self, job_id: str) -> None:
        if self.on_change is None:
            return
        job = self.store.get(job_id)
        if job is None:
            return
        try:
            self.on_change(job)
        except Exception:  # a broken listener must not stop printing
            log.exception("print job on_change callback failed for %s", job_id)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_once()
                next_due = self.store.next_due()
                until_due = self.idle_poll if next_due is None else next_due - self.clock()
                wait = max(0.0, min(self.idle_poll, until_due))
            except Exception:  # the store may be briefly unavailable (a database outage): keep going
                log.exception("print spooler step failed; trying again shortly")
                wait = min(1.0, self.idle_poll)
            if wait > 0:
                self._wake.wait(wait)
            self._wake.clear()
