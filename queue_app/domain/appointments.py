"""Booked visits as pure rules: the slots of a service on a day (from the calendar), the capacity of a slot
(the share of each hour not kept for walk-ins), booking codes, and the check-in window."""

from __future__ import annotations

import math
import secrets
from datetime import date, datetime, timedelta
from enum import StrEnum

from .calendar import Calendar


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"  # on time: a ticket of class `appointment`, called at its slot
    LATE = "late"  # came after the window: joined the queue as a walk-in
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"  # never came: the slot's time went to walk-ins


class Arrival(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


CODE_DIGITS = 8  # digits only: the kiosk's keypad types it, like a civil ID (12 digits)


def new_booking_code() -> str:
    return "".join(str(secrets.randbelow(10)) for _ in range(CODE_DIGITS))


def slot_starts(calendar: Calendar, day: date, slot_minutes: int, tzinfo: object) -> list[datetime]:
    """The slots of a day (local, aware): every `slot_minutes` from each shift's opening while the slot
    starts before the shift's last-ticket time. None on a closed day."""
    starts: list[datetime] = []
    step = timedelta(minutes=slot_minutes)
    for shift in calendar.shifts_on(day):
        start = datetime.combine(day, shift.open, tzinfo=tzinfo)  # type: ignore[arg-type]
        last = datetime.combine(day, shift.last_ticket, tzinfo=tzinfo)  # type: ignore[arg-type]
        while start < last:
            starts.append(start)
            start += step
    return starts


def slot_capacity(counters: int, slot_minutes: int, service_minutes: float, walk_in_share: float) -> int:
    """Visits a slot can take: what the service's counters serve in a slot, less the walk-ins' share."""
    served = counters * slot_minutes / service_minutes
    return max(0, math.floor(served * (1 - walk_in_share) + 1e-9))


def visit_time(slot_start: datetime, place: int, capacity: int, slot_minutes: int) -> datetime:
    """The `place`-th visit of a slot (1-based) gets its own time, spread over the slot: five visits in a
    15-minute slot come at :00, :03, :06, :09, :12. Booked visits arriving together at the slot's start
    would queue behind each other (the simulation measured up to 15 minutes past their time on four
    counters); spread, they are called within 10 (docs/appointments.md)."""
    if capacity <= 1 or place <= 1:
        return slot_start
    offset = timedelta(minutes=slot_minutes * min(place - 1, capacity - 1) / capacity)
    return slot_start + timedelta(minutes=offset.seconds // 60)


def slot_of(moment: datetime, slot_minutes: int) -> datetime:
    """The slot a time falls in, counted from midnight (an imported booking's exact time)."""
    minutes = moment.hour * 60 + moment.minute
    return moment.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        minutes=minutes - minutes % slot_minutes
    )


def arrival(slot_start: datetime, now: datetime, before_minutes: int, after_minutes: int) -> Arrival:
    """Check-in opens `before_minutes` ahead of the slot and closes `after_minutes` after its start."""
    if now < slot_start - timedelta(minutes=before_minutes):
        return Arrival.EARLY
    if now > slot_start + timedelta(minutes=after_minutes):
        return Arrival.LATE
    return Arrival.ON_TIME
