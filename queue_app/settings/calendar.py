"""The centre's calendar in config.yaml: weekly shifts, public holidays and closures, dated hours (Ramadan),
and what happens to the tickets still waiting when a shift ends. The database takes it from here
(services/calendar.py): staff add closures while the server runs."""

from __future__ import annotations

from datetime import time

from pydantic import Field, field_validator, model_validator

from .common import Code, Day, Names, Strict, parse_time


class Shift(Strict):
    code: Code
    names: Names
    days: list[Day] = Field(min_length=1)
    open: time
    close: time
    last_ticket: time

    _times = field_validator("open", "close", "last_ticket", mode="before")(parse_time)

    @model_validator(mode="after")
    def _order(self) -> Shift:
        if not self.open < self.close:
            raise ValueError("'open' must be before 'close'")
        if not self.open <= self.last_ticket <= self.close:
            raise ValueError("'last_ticket' must lie between 'open' and 'close'")
        return self
