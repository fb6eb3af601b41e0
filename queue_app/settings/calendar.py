"""The centre's calendar in config.yaml: weekly shifts, public holidays and closures, dated hours (Ramadan),
and what happens to the tickets still waiting when a shift ends. The database takes it from here
(services/calendar.py): staff add closures while the server runs."""

from __future__ import annotations

from datetime import date as Date
from datetime import time
from typing import Literal

from pydantic import ConfigDict, Field, field_serializer, field_validator, model_validator

from .common import Code, Day, Names, Strict, parse_time


class Shift(Strict):
    code: Code
    names: Names
    days: list[Day] = Field(min_length=1)
    open: time
    close: time
    last_ticket: time

    _times = field_validator("open", "close", "last_ticket", mode="before")(parse_time)

    @field_serializer("open", "close", "last_ticket")
    def _as_written(self, value: time) -> str:
        """Back as config.yaml writes it ("07:30", "24:00"), so a dump reads in again."""
        return "24:00" if value == time.max else value.strftime("%H:%M")

    @model_validator(mode="after")
    def _order(self) -> Shift:
        if not self.open < self.close:
            raise ValueError("'open' must be before 'close'")
        if not self.open <= self.last_ticket <= self.close:
            raise ValueError("'last_ticket' must lie between 'open' and 'close'")
        return self


class ClosedDays(Strict):
    """A public holiday or a closure: one `date`, or `from` .. `to` (both included)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    date: Date | None = None
    from_: Date | None = Field(None, alias="from")
    to: Date | None = None
    names: Names

    @model_validator(mode="after")
    def _one_span(self) -> ClosedDays:
        if (self.date is None) == (self.from_ is None):
            raise ValueError("give either 'date' or 'from' (and 'to')")
        if self.date is not None and self.to is not None:
            raise ValueError("'to' goes with 'from', not with 'date'")
        if self.from_ is not None and self.to is not None and self.to < self.from_:
            raise ValueError("'to' must not be before 'from'")
        return self

    @property
    def first(self) -> Date:
        return self.date or self.from_  # type: ignore[return-value]  # one of them is set (validated)

    @property
    def last(self) -> Date:
        return self.date or self.to or self.first


class DatedHours(Strict):
    """Other hours for a span of dates (Ramadan): these shifts replace the weekly ones on those days."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: Date = Field(alias="from")
    to: Date
    names: Names
    shifts: list[Shift] = Field(min_length=1)

    @model_validator(mode="after")
    def _span(self) -> DatedHours:
        if self.to < self.from_:
            raise ValueError("'to' must not be before 'from'")
        return self


class CalendarConfig(Strict):
    """What config.yaml seeds; closures announced on the day are added by staff (API, CLI)."""

    closing: Literal["carry", "close"] = "carry"  # tickets waiting at a shift's end: next shift, or closed
    grace_minutes: int = Field(0, ge=0, le=240)  # the queue may still be called this long after closing
    holidays: list[ClosedDays] = []
    closures: list[ClosedDays] = []
    hours: list[DatedHours] = []
