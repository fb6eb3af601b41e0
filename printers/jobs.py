"""Print jobs and where they are stored: the PrintJob record, the JobStore protocol, an in-memory store.

The server keeps jobs in its database through its own JobStore; the protocol is deliberately small so
that an SQL implementation is a handful of UPDATE statements. Times are Unix seconds (floats).
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class JobStatus(StrEnum):
    """``pending`` until the printer took every byte (``printed``) or we gave up (``failed``)."""

    PENDING = "pending"
    PRINTED = "printed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PrintJob:
    """Rendered bytes bound for one printer, with their delivery state."""

    id: str
    printer_key: str
    data: bytes
    status: JobStatus = JobStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    created_at: float = 0.0
    next_try_at: float = 0.0
    reprint_of: str | None = None

    @classmethod
    def new(cls, printer_key: str, data: bytes, now: float, reprint_of: str | None = None) -> PrintJob:
        """A fresh pending job with a random uuid, due immediately."""
        return cls(
            id=str(uuid.uuid4()),
            printer_key=printer_key,
            data=bytes(data),
            created_at=now,
            next_try_at=now,
            reprint_of=reprint_of,
        )


class JobStore(Protocol):
    """Where jobs live between submit() and the printer. Every method must be safe across threads.

    Each ``mark_*`` counts one delivery attempt (``attempts += 1``). A store must never move a job out
    of ``printed``: that is what makes printing idempotent.
    """

    def add(self, job: PrintJob) -> None:
        """Store a new job (status pending)."""
        ...

    def get(self, job_id: str) -> PrintJob | None:
        """The job with ``job_id``, or None."""
        ...

    def pending(self, now: float) -> list[PrintJob]:
        """Pending jobs with ``next_try_at <= now``, oldest first."""
        ...

    def next_due(self) -> float | None:
        """The smallest ``next_try_at`` of pending jobs, or None when nothing is pending."""
        ...

    def claim(self, job_id: str, now: float, until: float) -> bool:
        """Take the job for one attempt: only if it is still pending and due at ``now``, move its
        ``next_try_at`` to ``until`` (a lease) and answer True, atomically. Two senders sharing a store
        (two server processes) thus never send the same job twice; a sender that dies leaves the job
        due again when the lease ends."""
        ...

    def mark_printed(self, job_id: str) -> None:
        """The printer took the job: status printed, last_error cleared."""
        ...

    def mark_attempt_failed(self, job_id: str, error: str, next_try_at: float) -> None:
        """One attempt failed; stay pending and try again at ``next_try_at``."""
        ...

    def mark_failed(self, job_id: str, error: str) -> None:
        """The last attempt failed and we give up: status failed."""
        ...


class InMemoryJobStore:
    """A JobStore in a dict under a lock; jobs are lost with the process (fine for kiosks and tests)."""

    def __init__(self) -> None:
        self._jobs: dict[str, PrintJob] = {}
        self._lock = threading.Lock()

    def add(self, job: PrintJob) -> None:
        with self._lock:
            if job.id in self._jobs:
                raise ValueError(f"job {job.id} is already stored")
            self._jobs[job.id] = job

    def get(self, job_id: str) -> PrintJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[PrintJob]:
        """Every job, oldest first (not part of the protocol: for tests and demos)."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created_at)

    def pending(self, now: float) -> list[PrintJob]:
        with self._lock:
            due = [j for j in self._jobs.values() if j.status is JobStatus.PENDING and j.next_try_at <= now]
        return sorted(due, key=lambda j: (j.created_at, j.next_try_at))

    def next_due(self) -> float | None:
        with self._lock:
            times = [j.next_try_at for j in self._jobs.values() if j.status is JobStatus.PENDING]
        return min(times, default=None)

    def claim(self, job_id: str, now: float, until: float) -> bool:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.status is not JobStatus.PENDING or job.next_try_at > now:
                return False
            self._jobs[job_id] = dataclasses.replace(job, next_try_at=until)
            return True

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs[job_id]
            if job.status is JobStatus.PRINTED:
                return  # printed is final
            self._jobs[job_id] = dataclasses.replace(job, attempts=job.attempts + 1, **changes)  # type: ignore[arg-type]

    def mark_printed(self, job_id: str) -> None:
        self._update(job_id, status=JobStatus.PRINTED, last_error=None)

    def mark_attempt_failed(self, job_id: str, error: str, next_try_at: float) -> None:
        self._update(job_id, last_error=error, next_try_at=next_try_at)

    def mark_failed(self, job_id: str, error: str) -> None:
        self._update(job_id, status=JobStatus.FAILED, last_error=error)
