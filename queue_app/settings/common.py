"""The building blocks of config.yaml's models: strict frozen models, names in three languages, codes,
times of day, and the error that names the offending path."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["ar", "en", "ur"]
LANGUAGES: tuple[str, ...] = ("ar", "en", "ur")
RTL_LANGUAGES = frozenset({"ar", "ur"})
Day = Literal["sat", "sun", "mon", "tue", "wed", "thu", "fri"]
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=32)]
CounterCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$", max_length=16)]


class ConfigError(Exception):
    """config.yaml is wrong; `path` names the bad entry, e.g. centres[0].counters[3].services[1]."""

    def __init__(self, path: str, message: str, kind: str = "invalid", ctx: dict[str, Any] | None = None) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message
        self.kind = kind  # pydantic's error type ("missing", "greater_than_equal", ...), "duplicate" or "no_such"
        self.ctx = ctx or {}  # its figures, e.g. {"ge": 1}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(Strict):
    """A name in each language; Arabic is required, the others fall back to it."""

    ar: str
    en: str | None = None
    ur: str | None = None

    def get(self, lang: str) -> str:
        return getattr(self, lang, None) or self.en or self.ar

    def as_dict(self) -> dict[str, str]:
        return {lang: self.get(lang) for lang in LANGUAGES}


def parse_time(value: Any) -> time:
    if isinstance(value, int):  # YAML 1.1 reads 07:30 unquoted as sexagesimal minutes
        return time(value // 60, value % 60)
    if value == "24:00":  # the end of the day, for a shift that runs until midnight
        return time.max
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value):
        hours, minutes = map(int, value.split(":"))
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    raise ValueError('expected a time as "HH:MM" (00:00 to 24:00)')
