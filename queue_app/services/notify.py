"""Staff's hand on the notification outbox: put a failed message back in the queue."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..store.models import Notification
from .catalog import CentreCatalog


def retry_notification(session: Session, centre: CentreCatalog, notification_id: int) -> bool:
    """Staff puts a failed message back in the queue."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.centre_id == centre.id,
            Notification.status == "failed",
        )
        .values(status="pending", attempts=0, next_try_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
