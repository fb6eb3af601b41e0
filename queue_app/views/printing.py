"""A centre's kiosk print jobs as staff see them: newest first, with their ticket numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import models

JobJson = Callable[[models.PrintJob, str | None], dict[str, Any]]


def centre_jobs(
    session: Session, centre_id: int, job_json: JobJson, include_printed: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """Jobs not printed yet (pending, failed), or all of them, each shaped by the print worker's `job_json`."""
    query = select(models.PrintJob).where(models.PrintJob.centre_id == centre_id)
    if not include_printed:
        query = query.where(models.PrintJob.status != "printed")
    rows = session.scalars(query.order_by(models.PrintJob.created_at.desc()).limit(limit)).all()
    ids = {row.ticket_id for row in rows if row.ticket_id is not None}
    numbers = dict(
        session.execute(select(models.Ticket.id, models.Ticket.number).where(models.Ticket.id.in_(ids))).tuples().all()
    )
    return [job_json(row, numbers.get(row.ticket_id) if row.ticket_id else None) for row in rows]
