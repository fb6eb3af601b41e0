"""Business days and shifts in the centre's timezone: which period numbers belong to, and intake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .errors import IntakeClosed

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ShiftHours:
    code: str
    days: tuple[str, ...]
    open: time
    close: time
    last_ticket: time


def local_time(now_utc: datetime, tz: ZoneInfo) -> datetime:
    """`now_utc` is naive UTC (as stored); the same instant in the centre's timezone."""
    return now_utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)


def current_shift(shifts: tuple[ShiftHours, ...], local: datetime) -> ShiftHours | None:
    """The shift open at this local moment, or None."""
    day = WEEKDAYS[local.weekday()]
    moment = local.time()
    for shift in shifts:
        if day in shift.days and shift.open <= moment < shift.close:
            return shift
    return None


def business_day(local: datetime) -> date:
    return local.date()


def numbering_period(shifts: tuple[ShiftHours, ...], local: datetime, mode: str) -> str:
    """The key numbers restart with: `2026-11-22` per day, `2026-11-22/morning` per shift."""
    day = business_day(local).isoformat()
    if mode == "shift":
        shift = current_shift(shifts, local)
        return f"{day}/{shift.code if shift else 'off'}"
    return day


def check_intake(shifts: tuple[ShiftHours, ...], local: datetime) -> ShiftHours:
    """The shift a new ticket belongs to, or IntakeClosed with the reason."""
    shift = current_shift(shifts, local)
    if shift is None:
        raise IntakeClosed("outside_shift")
    if local.time() > shift.last_ticket:
        raise IntakeClosed("last_ticket_passed", time=shift.last_ticket.strftime("%H:%M"))
    return shift
