"""printers' JobStore over the `print_jobs` table: a kiosk's print jobs survive a restart, and the
spooler's retries and outcomes are visible to staff."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from printers import JobStatus, PrintJob

from ..store import models
from ..store.database import Database

RENDERING = "rendering"
"""A ticket's job stored with the ticket, its bytes not rendered yet; the spooler does not see it."""


def reserve_job(session: Session, job_id: str, key: str, centre_id: int, ticket_id: int, now: float) -> None:
    """Store a ticket's print job in the ticket's own transaction, before its bytes exist: a process
    that dies between answering the kiosk and rendering leaves a job that a worker renders later."""
    session.add(
        models.PrintJob(
            id=job_id,
            centre_id=centre_id,
            printer_key=key,
            ticket_id=ticket_id,
            data=b"",
            status=RENDERING,
            attempts=0,
            created_at=naive_utc(now),
            next_try_at=naive_utc(now),
        )
    )


LEFT = "cancelled: the visitor left without it"


def cancel_unprinted(session: Session, job_id: str, key: str) -> bool:
    """The visitor left the kiosk before their ticket came out: a ticket printed later would be a stranger's
    on the tray, so the job is given up (failed, with the reason; staff can still reprint it). False when it
    was printed (or given up) already. A send already under way is not stopped."""
    result = session.execute(
        update(models.PrintJob)
        .where(
            models.PrintJob.id == job_id,
            models.PrintJob.printer_key == key,
            models.PrintJob.status.in_([JobStatus.PENDING.value, RENDERING]),
        )
        .values(status=JobStatus.FAILED.value, last_error=LEFT)
        .returning(models.PrintJob.id)
    )
    return result.first() is not None


def naive_utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def epoch_seconds(value: datetime | None) -> float:
    return value.replace(tzinfo=UTC).timestamp() if value is not None else 0.0


class SqlJobStore:
    """printers' JobStore over the ``print_jobs`` table, for one printer (``pending`` is filtered by key).

    Every write goes through ``Database.transaction()`` (the SQLite write lock). ``ticket_ids`` lets the
    caller say which ticket a job about to be added prints, since the protocol's ``add`` takes only a job.
    """

    def __init__(self, db: Database, key: str, centre_id: int, lease: float = 70.0) -> None:
        self.db = db
        self.key = key
        self.centre_id = centre_id
        self.lease = lease  # the spoolers' claim lease (printers.spooler.lease_for): due_now spares claimed jobs
        self.ticket_ids: dict[str, int] = {}

    @staticmethod
    def to_job(row: models.PrintJob) -> PrintJob:
        return PrintJob(
            id=row.id,
            printer_key=row.printer_key,
            data=bytes(row.data),
            status=JobStatus(row.status),
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=epoch_seconds(row.created_at),
            next_try_at=epoch_seconds(row.next_try_at),
        )

    def add(self, job: PrintJob) -> None:
        with self.db.transaction() as session:
            session.add(
                models.PrintJob(
                    id=job.id,
                    centre_id=self.centre_id,
                    printer_key=job.printer_key,
                    ticket_id=self.ticket_ids.pop(job.id, None),
                    data=job.data,
                    status=job.status.value,
                    attempts=job.attempts,
                    last_error=job.last_error,
                    created_at=naive_utc(job.created_at),
                    next_try_at=naive_utc(job.next_try_at),
                )
            )

    def get(self, job_id: str) -> PrintJob | None:
        with self.db.reading() as session:
            row = session.get(models.PrintJob, job_id)
            return self.to_job(row) if row is not None else None

    def pending(self, now: float) -> list[PrintJob]:
        with self.db.reading() as session:
            rows = session.scalars(
                select(models.PrintJob)
                .where(
                    models.PrintJob.printer_key == self.key,
                    models.PrintJob.status == JobStatus.PENDING.value,
                    models.PrintJob.next_try_at <= naive_utc(now),
                )
                .order_by(models.PrintJob.created_at)
            ).all()
            return [self.to_job(row) for row in rows]

    def next_due(self) -> float | None:
        with self.db.reading() as session:
            rows = session.scalars(
                select(models.PrintJob.next_try_at)
                .where(models.PrintJob.printer_key == self.key, models.PrintJob.status == JobStatus.PENDING.value)
                .order_by(models.PrintJob.next_try_at)
                .limit(1)
            ).all()
        return epoch_seconds(rows[0]) if rows else None

    def fill(self, job_id: str, data: bytes, now: float) -> bool:
        """Give a reserved job its bytes and hand it to the spooler; False when another worker did."""
        with self.db.transaction() as session:
            filled = session.execute(
                update(models.PrintJob)
                .where(models.PrintJob.id == job_id, models.PrintJob.status == RENDERING)
                .values(data=data, status=JobStatus.PENDING.value, next_try_at=naive_utc(now))
            )
            return bool(filled.rowcount)  # type: ignore[attr-defined]

    def unrendered(self, created_before: float) -> list[tuple[str, int | None, float]]:
        """(job id, ticket id, created) of reserved jobs older than ``created_before``: their process
        stopped before rendering them."""
        with self.db.reading() as session:
            rows = session.execute(
                select(models.PrintJob.id, models.PrintJob.ticket_id, models.PrintJob.created_at).where(
                    models.PrintJob.printer_key == self.key,
                    models.PrintJob.status == RENDERING,
                    models.PrintJob.created_at <= naive_utc(created_before),
                )
            ).all()
        return [(job_id, ticket_id, epoch_seconds(created)) for job_id, ticket_id, created in rows]

    def claim(self, job_id: str, now: float, until: float) -> bool:
        """One conditional UPDATE: the process whose statement changes the row sends the job."""
        with self.db.transaction() as session:
            claimed = session.execute(
                update(models.PrintJob)
                .where(
                    models.PrintJob.id == job_id,
                    models.PrintJob.status == JobStatus.PENDING.value,
                    models.PrintJob.next_try_at <= naive_utc(now),
                )
                .values(next_try_at=naive_utc(until))
            )
            return bool(claimed.rowcount)  # type: ignore[attr-defined]

    def _update(self, job_id: str, **values: Any) -> None:
        """One UPDATE that counts the attempt and never touches a printed job (printing is idempotent)."""
        with self.db.transaction() as session:
            session.execute(
                update(models.PrintJob)
                .where(models.PrintJob.id == job_id, models.PrintJob.status != JobStatus.PRINTED.value)
                .values(attempts=models.PrintJob.attempts + 1, **values)
            )

    def mark_printed(self, job_id: str) -> None:
        now = datetime.now(UTC).replace(tzinfo=None)
        self._update(job_id, status=JobStatus.PRINTED.value, last_error=None, printed_at=now)

    def mark_attempt_failed(self, job_id: str, error: str, next_try_at: float) -> None:
        self._update(job_id, last_error=error[:1000], next_try_at=naive_utc(next_try_at))

    def mark_failed(self, job_id: str, error: str) -> None:
        self._update(job_id, status=JobStatus.FAILED.value, last_error=error[:1000])

    def abandon(self, job_id: str, error: str) -> None:
        """A reserved job too old to print (its visitor has left the kiosk): failed, not printed."""
        with self.db.transaction() as session:
            session.execute(
                update(models.PrintJob)
                .where(models.PrintJob.id == job_id, models.PrintJob.status == RENDERING)
                .values(status=JobStatus.FAILED.value, last_error=error[:1000])
            )

    def due_now(self, now: float) -> None:
        """Make this printer's jobs waiting for a retry due at once (its printer or agent just came back).
        A job in flight is left alone: its claim moved it a lease ahead, beyond any backoff, and making it
        due would let another process send it a second time."""
        with self.db.transaction() as session:
            session.execute(
                update(models.PrintJob)
                .where(
                    models.PrintJob.printer_key == self.key,
                    models.PrintJob.status == JobStatus.PENDING.value,
                    models.PrintJob.next_try_at < naive_utc(now + self.lease / 2),
                )
                .values(next_try_at=naive_utc(now))
            )
