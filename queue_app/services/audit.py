"""The audit trail: every sign-in and every change, written in the same transaction as the change, and
sealed: each row carries the SHA-256 of its content and of the seal of the row before it (a chain).
Editing, inserting or deleting a row breaks the chain at that row. Anyone with a copy of the table can
check it (no key is needed); the last seal of each day is printed and kept outside the database, so a
rewrite of the whole chain, or of its newest rows, is caught against it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..store.database import AUDIT_CHAIN_LOCK, serialise
from ..store.models import AuditEntry

SEALED = ("at", "centre_id", "user_id", "actor", "action", "target", "detail", "ip")


def seal(previous: str | None, values: dict[str, Any]) -> str:
    """The SHA-256 of a row's content chained to the seal of the row before it."""
    content = {name: values.get(name) for name in SEALED}
    content["at"] = content["at"].isoformat(timespec="microseconds") if content["at"] is not None else None
    text = json.dumps([previous or "", content], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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
    """Append one row, sealed to the last one. Writers take turns (an advisory lock on PostgreSQL, the
    single writer on SQLite) until they commit, so the chain never forks."""
    serialise(session, AUDIT_CHAIN_LOCK)
    previous = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    values: dict[str, Any] = {
        "at": now,
        "centre_id": centre_id,
        "user_id": user_id,
        "actor": actor[:80],
        "action": action,
        "target": (target or None) and target[:120],
        "detail": detail,
        "ip": ip,
    }
    values["hash"] = seal(previous, values)
    session.execute(insert(AuditEntry).values(**values))


@dataclass(frozen=True)
class Verdict:
    rows: int  # rows checked
    unsealed: int  # rows from before the trail was sealed (an older version of Tabour)
    broken_at: int | None  # the id of the first row whose seal does not match
    last_id: int | None
    last_hash: str | None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def _rows(session: Session) -> Iterator[AuditEntry]:
    yield from session.scalars(select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=2000))


def verify(session: Session, expect: tuple[int, str] | None = None) -> Verdict:
    """Walk the chain in order. The first row whose seal does not match its content and the seal before
    it was edited, or follows a deleted or inserted row. `expect` (id, seal) is a seal kept elsewhere:
    it must still be in the trail."""
    previous: str | None = None
    rows = unsealed = 0
    last_id = None
    found_expected = expect is None
    for row in _rows(session):
        rows += 1
        last_id = row.id
        if row.hash is None and previous is None:
            unsealed += 1
            continue
        values = {name: getattr(row, name) for name in SEALED}
        if row.hash is None or row.hash != seal(previous, values):
            return Verdict(rows, unsealed, row.id, last_id, previous)
        if expect is not None and row.id == expect[0]:
            if row.hash != expect[1]:
                return Verdict(rows, unsealed, row.id, last_id, previous)
            found_expected = True
        previous = row.hash
    if not found_expected:
        assert expect is not None
        return Verdict(rows, unsealed, expect[0], last_id, previous)
    return Verdict(rows, unsealed, None, last_id, previous)


@dataclass(frozen=True)
class Search:
    """What an administrator looks for in the trail; every part optional."""

    person: str | None = None  # the actor (user name, "cli", a device)
    action: str | None = None
    target: str | None = None  # part of the target: "A012", "user:mona", "counter:5"
    since: datetime | None = None  # naive UTC
    until: datetime | None = None


def search(session: Session, wanted: Search, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """Matching rows, newest first."""
    query = select(AuditEntry)
    if wanted.person:
        query = query.where(AuditEntry.actor == wanted.person)
    if wanted.action:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.target:
        query = query.where(AuditEntry.target.contains(wanted.target, autoescape=True))
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEntry.at < wanted.until)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)))


def actions(session: Session) -> list[str]:
    """The kinds of rows in the trail, for the search form."""
    return sorted(session.scalars(select(AuditEntry.action).distinct()))


def last_seal(session: Session, before: datetime | None = None) -> tuple[int, str] | None:
    """The newest sealed row (before a time): its id and seal, to print and keep apart."""
    query = select(AuditEntry.id, AuditEntry.hash).where(AuditEntry.hash.is_not(None))
    if before is not None:
        query = query.where(AuditEntry.at < before)
    found = session.execute(query.order_by(AuditEntry.id.desc()).limit(1)).first()
    return (found[0], str(found[1])) if found is not None else None
