"""The write model of the centres' calendars: dated entries (holidays, closures, dated hours) as domain
values. Shifts are stored as plain dicts ({code, days, open, close, last_ticket}, times as "HH:MM")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..domain.calendar import DatedEntry, EntryKind, ShiftHours
from .models import CalendarEntry, table

_ENTRIES = table(CalendarEntry)


def _time(value: str) -> time:
    return time.max if value == "24:00" else time.fromisoformat(value)


def _hhmm(value: time) -> str:
    return "24:00" if value == time.max else value.strftime("%H:%M")


def shift_to_dict(shift: ShiftHours) -> dict[str, Any]:
    return {
        "code": shift.code,
        "days": list(shift.days),
        "open": _hhmm(shift.open),
        "close": _hhmm(shift.close),
        "last_ticket": _hhmm(shift.last_ticket),
    }


def shift_from_dict(data: dict[str, Any]) -> ShiftHours:
    return ShiftHours(
        data["code"], tuple(data["days"]), _time(data["open"]), _time(data["close"]), _time(data["last_ticket"])
    )


def _entry(row: Any) -> DatedEntry:
    return DatedEntry(
        kind=EntryKind(row.kind),
        first=row.first_day,
        last=row.last_day,
        names=dict(row.names or {}),
        shifts=tuple(shift_from_dict(s) for s in row.shifts or ()),
        id=row.id,
    )


def entries(session: Session, centre_id: int, since: date) -> list[DatedEntry]:
    """A centre's entries that end on `since` or later, oldest first."""
    rows = session.execute(
        select(_ENTRIES)
        .where(_ENTRIES.c.centre_id == centre_id, _ENTRIES.c.last_day >= since)
        .order_by(_ENTRIES.c.first_day, _ENTRIES.c.id)
    )
    return [_entry(row) for row in rows]


def _values(centre_id: int, entry: DatedEntry, source: str, now: datetime, user_id: int | None) -> dict[str, Any]:
    return {
        "centre_id": centre_id,
        "kind": entry.kind.value,
        "first_day": entry.first,
        "last_day": entry.last,
        "names": dict(entry.names),
        "shifts": [shift_to_dict(s) for s in entry.shifts] or None,
        "source": source,
        "created_at": now,
        "created_by": user_id,
    }


def replace_config_entries(session: Session, centre_id: int, wanted: Iterable[DatedEntry], now: datetime) -> None:
    """Make the centre's `config` entries exactly `wanted` (staff entries are left alone)."""
    session.execute(delete(_ENTRIES).where(_ENTRIES.c.centre_id == centre_id, _ENTRIES.c.source == "config"))
    rows = [_values(centre_id, entry, "config", now, None) for entry in wanted]
    if rows:
        session.execute(insert(_ENTRIES), rows)


def add_entry(session: Session, centre_id: int, entry: DatedEntry, now: datetime, user_id: int | None) -> DatedEntry:
    """Store a staff entry; the entry with its id."""
    row = session.execute(
        insert(_ENTRIES).values(**_values(centre_id, entry, "staff", now, user_id)).returning(*_ENTRIES.c)
    ).one()
    return _entry(row)


def remove_entry(session: Session, centre_id: int, entry_id: int) -> DatedEntry | None:
    """Delete a staff entry of this centre; the entry removed, or None (unknown, or from config.yaml)."""
    row = session.execute(
        delete(_ENTRIES)
        .where(_ENTRIES.c.id == entry_id, _ENTRIES.c.centre_id == centre_id, _ENTRIES.c.source == "staff")
        .returning(*_ENTRIES.c)
    ).first()
    return _entry(row) if row is not None else None


def source_of(session: Session, centre_id: int, entry_id: int) -> str | None:
    return session.scalar(select(_ENTRIES.c.source).where(_ENTRIES.c.id == entry_id, _ENTRIES.c.centre_id == centre_id))
