"""The audit trail: every login and every change, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..store.models import AuditEntry


def record(
    session: Session,
    action: str,
    actor: str,
    now: datetime,
    *,
    centre_id: int | None = None,
    user_id: int | None = None,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    session.execute(
        insert(AuditEntry).values(
            at=now,
            centre_id=centre_id,
            user_id=user_id,
            actor=actor[:80],
            action=action,
            target=(target or None) and target[:120],
            detail=detail,
            ip=ip,
        )
    )
