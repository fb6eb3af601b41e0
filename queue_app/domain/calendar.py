"""The centre's calendar in its own timezone: which shifts run on a day (weekly hours, dated hours such as
Ramadan, holidays and closures), whether intake is open now and, if not, why and when it opens next, and
which waiting tickets the end of a shift closes. Pure: time comes in as an aware local `datetime`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from .errors import IntakeClosed

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOOK_AHEAD_DAYS = 400  # how far the next opening is looked for (a year of closures, and then some)


class EntryKind(StrEnum):
    HOLIDAY = "holiday"  # a public holiday: closed all day
    CLOSURE = "closure"  # a one-off closure (announced in the morning, a power cut): closed all day
    HOURS = "hours"  # other shifts on these days (Ramadan)


class Closing(StrEnum):
    """What the end of a shift does to the tickets still waiting (a centre's policy)."""

    CARRY = "carry"  # into the next shift of the same day, in their order; closed at the day's end
    CLOSE = "close"  # closed at every shift's end ("not served: closed")


@dataclass(frozen=True)
class ShiftHours:
    code: str
    days: tuple[str, ...]
    open: time
    close: time
    last_ticket: time


@dataclass(frozen=True)
class DatedEntry:
    """A holiday, a closure or dated hours, from `first` to `last` (both included)."""

    kind: EntryKind
    first: date
    last: date
    names: Mapping[str, str] = field(default_factory=dict)
    shifts: tuple[ShiftHours, ...] = ()  # for HOURS only
    id: int | None = None

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Calendar:
    """Weekly shifts plus dated entries. A closed day (holiday, closure) wins over dated hours, which win
    over the weekly shifts."""

    weekly: tuple[ShiftHours, ...]
    entries: tuple[DatedEntry, ...] = ()

    def closed_by(self, day: date) -> DatedEntry | None:
        """The closure or holiday that shuts this day, if any (a closure is named first: it is the news)."""
        closed = [e for e in self.entries if e.kind != EntryKind.HOURS and e.covers(day)]
        return min(closed, key=lambda e: e.kind != EntryKind.CLOSURE) if closed else None

    def hours_on(self, day: date) -> DatedEntry | None:
        return next((e for e in self.entries if e.kind == EntryKind.HOURS and e.covers(day)), None)

    def shifts_on(self, day: date) -> tuple[ShiftHours, ...]:
        """The shifts that run on this day, by opening time (none on a closed day)."""
        if self.closed_by(day) is not None:
            return ()
        dated = self.hours_on(day)
        weekday = WEEKDAYS[day.weekday()]
        shifts = dated.shifts if dated is not None else self.weekly
        return tuple(sorted((s for s in shifts if weekday in s.days), key=lambda s: s.open))

    def shift_at(self, local: datetime) -> ShiftHours | None:
        """The shift open at this local moment, or None."""
        moment = local.time()
        return next((s for s in self.shifts_on(local.date()) if s.open <= moment < s.close), None)

    def next_opening(self, local: datetime) -> datetime | None:
        """The first moment after `local` at which a shift opens (local, aware), or None within a year."""
        for offset in range(LOOK_AHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            for shift in self.shifts_on(day):
                start = datetime.combine(day, shift.open, tzinfo=local.tzinfo)
                if start > local:
                    return start
        return None

    def next_day_opening(self, local: datetime) -> datetime | None:
        """The first opening on a later day than `local`'s (a daily cap resets then)."""
        midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
        return self.next_opening(midnight - timedelta(microseconds=1))

    def check_intake(self, local: datetime) -> ShiftHours:
        """The shift a new ticket belongs to, or IntakeClosed with the reason and the next opening."""
        closed = self.closed_by(local.date())
        if closed is not None:
            raise IntakeClosed(closed.kind.value, names=dict(closed.names), opens_at=self.next_opening(local))
        shift = self.shift_at(local)
        if shift is None:
            raise IntakeClosed("outside_shift", opens_at=self.next_opening(local))
        if local.time() > shift.last_ticket:
            raise IntakeClosed(
                "last_ticket_passed", time=shift.last_ticket.strftime("%H:%M"), opens_at=self.next_opening(local)
            )
        return shift

    def closing_cutoff(self, local: datetime, policy: Closing, grace: timedelta = timedelta(0)) -> datetime:
        """Tickets issued before this local moment and still waiting are closed now.

        Never later than today's midnight (a ticket never waits into another business day). Under CLOSE,
        every shift's end counts; under CARRY, only the end of a day's last shift. An end counts once
        `grace` has passed after it (clerks may still call the queue down). On a closed day (a closure
        announced this morning) everything still waiting is closed."""
        if self.closed_by(local.date()) is not None:
            return local
        cutoff = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
        shifts = self.shifts_on(local.date())
        ends = [s.close for s in shifts] if policy == Closing.CLOSE else [s.close for s in shifts[-1:]]
        for end in ends:
            closed_at = datetime.combine(local.date(), end, tzinfo=local.tzinfo)
            if closed_at + grace <= local and closed_at > cutoff:
                cutoff = closed_at
        return cutoff


def local_time(now_utc: datetime, tz: ZoneInfo) -> datetime:
    """`now_utc` is naive UTC (as stored); the same instant in the centre's timezone."""
    return now_utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)


def as_utc(local: datetime) -> datetime:
    """An aware local moment as naive UTC (as stored)."""
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def business_day(local: datetime) -> date:
    return local.date()


def numbering_period(calendar: Calendar, local: datetime, mode: str) -> str:
    """The key numbers restart with: `2026-11-22` per day, `2026-11-22/morning` per shift."""
    day = business_day(local).isoformat()
    if mode == "shift":
        shift = calendar.shift_at(local)
        return f"{day}/{shift.code if shift else 'off'}"
    return day
