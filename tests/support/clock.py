"""A centre's clock for tests that book the rest of today: a time zone where it is about noon when the
test session starts, so the afternoon lies ahead whenever the suite runs. In Kuwait's time, the last half
hour before midnight left one slot of the day, and the booking tests failed every evening (UTC 20:30-21:00)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def daytime_zone() -> str:
    """An Etc/GMT zone where it is 12:xx now (chosen once per test process)."""
    offset = (12 - datetime.now(UTC).hour + 11) % 24 - 11  # hours east of UTC, in -11 .. 12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-3 is UTC+3


def daytime_today() -> str:
    """Today's date in that zone."""
    return datetime.now(ZoneInfo(daytime_zone())).date().isoformat()
