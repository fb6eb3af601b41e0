"""The centre's calendar as pure rules, without a database: shifts by weekday, holidays, closures, dated
hours (Ramadan), intake with its reason and next opening, numbering periods, and the closing cutoff of
each policy. The clock is moved by hand: every function takes the local moment."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from queue_app.domain.calendar import (
    Calendar,
    Closing,
    DatedEntry,
    EntryKind,
    ShiftHours,
    business_day,
    local_time,
    numbering_period,
)
from queue_app.domain.errors import IntakeClosed

KUWAIT = ZoneInfo("Asia/Kuwait")
ALL_DAYS = ("sat", "sun", "mon", "tue", "wed", "thu", "fri")
WORKDAYS = ("sun", "mon", "tue", "wed", "thu")
MORNING = ShiftHours("morning", ALL_DAYS, time(7, 30), time(14, 0), time(13, 30))
EVENING = ShiftHours("evening", ALL_DAYS, time(16, 0), time(21, 0), time(20, 30))
HALL = Calendar((MORNING, EVENING))
NATIONAL_DAY = DatedEntry(EntryKind.HOLIDAY, date(2027, 2, 25), date(2027, 2, 26), {"en": "National Day"})
RAMADAN = DatedEntry(
    EntryKind.HOURS,
    date(2027, 2, 8),
    date(2027, 3, 8),
    {"en": "Ramadan hours"},
    (
        ShiftHours("morning", WORKDAYS, time(9, 30), time(14, 30), time(14, 0)),
        ShiftHours("evening", WORKDAYS, time(20, 30), time(23, 30), time(23, 0)),
    ),
)


def kuwait(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    """<year>-<month>-<day> HH:MM in Kuwait, computed from naive UTC the way the services do (UTC+3)."""
    return local_time(datetime(year, month, day, hour, minute) - timedelta(hours=3), KUWAIT)


def closed_reason(calendar: Calendar, local: datetime) -> IntakeClosed:
    with pytest.raises(IntakeClosed) as closed:
        calendar.check_intake(local)
    return closed.value


# --- weekly shifts, numbering --------------------------------------------------------------------------


def test_local_time_crosses_utc_midnight() -> None:
    local = local_time(datetime(2026, 11, 21, 22, 0), KUWAIT)  # 22:00 UTC is 01:00 the next day in Kuwait
    assert (local.date().isoformat(), local.hour) == ("2026-11-22", 1)
    assert business_day(local).isoformat() == "2026-11-22"
    assert numbering_period(HALL, local, "day") == "2026-11-22"
    before = local_time(datetime(2026, 11, 21, 20, 59), KUWAIT)
    assert numbering_period(HALL, before, "day") == "2026-11-21"


def test_day_and_shift_numbering_periods() -> None:
    assert numbering_period(HALL, kuwait(22, 8), "day") == "2026-11-22"
    assert numbering_period(HALL, kuwait(22, 17), "day") == "2026-11-22"
    assert numbering_period(HALL, kuwait(22, 8), "shift") == "2026-11-22/morning"
    assert numbering_period(HALL, kuwait(22, 17), "shift") == "2026-11-22/evening"
    assert numbering_period(HALL, kuwait(23, 8), "shift") == "2026-11-23/morning"
    assert numbering_period(HALL, kuwait(22, 15), "shift") == "2026-11-22/off"


def test_shift_open_and_close_bounds() -> None:
    assert HALL.shift_at(kuwait(22, 7, 29)) is None
    assert HALL.shift_at(kuwait(22, 7, 30)) is MORNING  # open is inclusive
    assert HALL.shift_at(kuwait(22, 13, 59)) is MORNING
    assert HALL.shift_at(kuwait(22, 14, 0)) is None  # close is exclusive
    assert HALL.shift_at(kuwait(22, 16, 0)) is EVENING


def test_shift_days_and_the_next_opening_after_a_weekend() -> None:
    weekdays = Calendar((ShiftHours("week", WORKDAYS, time(7, 30), time(14, 0), time(13, 30)),))
    assert kuwait(22, 9).strftime("%a") == "Sun"
    assert weekdays.shift_at(kuwait(22, 9)) is not None
    assert weekdays.shift_at(kuwait(20, 9)) is None  # a Friday
    closed = closed_reason(weekdays, kuwait(20, 9))
    assert closed.code == "outside_shift"
    assert closed.params["opens_at"] == kuwait(22, 7, 30)  # Sunday morning, past Friday and Saturday


def test_intake_closes_outside_shift_and_after_last_ticket() -> None:
    assert HALL.check_intake(kuwait(22, 9)) is MORNING
    assert HALL.check_intake(kuwait(22, 13, 30)) is MORNING  # the last-ticket minute itself is allowed
    late = closed_reason(HALL, kuwait(22, 13, 31))
    assert late.code == "last_ticket_passed" and late.params["time"] == "13:30"
    assert late.params["opens_at"] == kuwait(22, 16, 0)  # the evening shift, the same day
    early = closed_reason(HALL, kuwait(22, 6, 0))
    assert early.code == "outside_shift" and early.params["opens_at"] == kuwait(22, 7, 30)
    night = closed_reason(HALL, kuwait(22, 22, 0))
    assert night.params["opens_at"] == kuwait(23, 7, 30)
    # 04:30 UTC is 07:30 in Kuwait: open, although it is before opening time in UTC terms
    assert HALL.check_intake(local_time(datetime(2026, 11, 22, 4, 30), KUWAIT)) is MORNING


# --- holidays, closures, dated hours -------------------------------------------------------------------


def test_a_holiday_closes_its_days_and_names_itself() -> None:
    calendar = Calendar((MORNING, EVENING), (NATIONAL_DAY,))
    closed = closed_reason(calendar, kuwait(25, 9, month=2, year=2027))
    assert closed.code == "holiday"
    assert closed.params["names"] == {"en": "National Day"}
    assert closed.params["opens_at"] == kuwait(27, 7, 30, month=2, year=2027)  # the day after the second day
    assert calendar.shifts_on(date(2027, 2, 26)) == ()
    assert calendar.check_intake(kuwait(24, 9, month=2, year=2027)) is MORNING


def test_a_closure_announced_today_wins_over_the_shift_and_over_a_holiday() -> None:
    power_cut = DatedEntry(EntryKind.CLOSURE, date(2027, 2, 25), date(2027, 2, 25), {"en": "Power cut"})
    calendar = Calendar((MORNING, EVENING), (NATIONAL_DAY, power_cut))
    assert closed_reason(calendar, kuwait(25, 9, month=2, year=2027)).code == "closure"
    assert closed_reason(calendar, kuwait(26, 9, month=2, year=2027)).code == "holiday"


def test_ramadan_hours_replace_the_weekly_shifts_on_their_days() -> None:
    calendar = Calendar((MORNING, EVENING), (RAMADAN,))
    day = kuwait(14, 8, month=2, year=2027)  # a Sunday in Ramadan, 08:00: before Ramadan's 09:30 opening
    assert day.strftime("%a") == "Sun"
    closed = closed_reason(calendar, day)
    assert closed.code == "outside_shift" and closed.params["opens_at"] == kuwait(14, 9, 30, month=2, year=2027)
    assert calendar.check_intake(kuwait(14, 22, 0, month=2, year=2027)).open == time(20, 30)
    assert calendar.shifts_on(date(2027, 2, 12)) == ()  # a Friday: Ramadan's shifts run Sunday to Thursday
    assert calendar.shifts_on(date(2027, 3, 9)) == (MORNING, EVENING)  # the weekly hours are back


def test_daily_cap_resets_at_the_next_day_opening() -> None:
    assert HALL.next_day_opening(kuwait(22, 9)) == kuwait(23, 7, 30)
    assert HALL.next_opening(kuwait(22, 9)) == kuwait(22, 16, 0)


def test_a_calendar_with_no_shift_in_a_year_has_no_next_opening() -> None:
    closed_for_good = DatedEntry(EntryKind.CLOSURE, date(2026, 1, 1), date(2030, 1, 1), {"en": "Moved"})
    calendar = Calendar((MORNING,), (closed_for_good,))
    assert closed_reason(calendar, kuwait(22, 9)).params["opens_at"] is None


# --- closing: which waiting tickets the end of a shift closes ------------------------------------------


@pytest.mark.parametrize(
    ("moment", "carry", "close"),
    [
        (kuwait(22, 9), kuwait(22, 0), kuwait(22, 0)),  # a ticket from yesterday never waits into today
        (kuwait(22, 13, 59), kuwait(22, 0), kuwait(22, 0)),
        (kuwait(22, 14, 0), kuwait(22, 0), kuwait(22, 14)),  # the morning ends: `close` closes its queue
        (kuwait(22, 17), kuwait(22, 0), kuwait(22, 14)),  # `carry` keeps the morning's tickets in the evening
        (kuwait(22, 21, 0), kuwait(22, 21), kuwait(22, 21)),  # the day's last shift ends: both close
        (kuwait(22, 23, 0), kuwait(22, 21), kuwait(22, 21)),
    ],
)
def test_closing_cutoff_per_policy(moment: datetime, carry: datetime, close: datetime) -> None:
    assert HALL.closing_cutoff(moment, Closing.CARRY) == carry
    assert HALL.closing_cutoff(moment, Closing.CLOSE) == close


def test_closing_waits_for_the_grace_after_closing_time() -> None:
    grace = timedelta(minutes=15)
    assert HALL.closing_cutoff(kuwait(22, 21, 14), Closing.CARRY, grace) == kuwait(22, 0)
    assert HALL.closing_cutoff(kuwait(22, 21, 15), Closing.CARRY, grace) == kuwait(22, 21)


def test_a_closure_announced_during_the_day_closes_everything_still_waiting() -> None:
    power_cut = DatedEntry(EntryKind.CLOSURE, date(2026, 11, 22), date(2026, 11, 22), {"en": "Power cut"})
    calendar = Calendar((MORNING, EVENING), (power_cut,))
    assert calendar.closing_cutoff(kuwait(22, 10), Closing.CARRY) == kuwait(22, 10)
    assert calendar.closing_cutoff(kuwait(23, 10), Closing.CARRY) == kuwait(23, 0)  # the next day is normal
