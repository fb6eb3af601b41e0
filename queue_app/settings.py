"""config.yaml -> validated, frozen settings; every error names the path of the offending entry.

Pydantic does the type checking (unknown keys are refused); the cross-references pydantic cannot see
(duplicate prefixes, a counter naming a missing service, ...) are checked here with the same paths.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from printers.backends import check_config as check_printer_config
from printers.errors import PrinterConfigError

Language = Literal["ar", "en", "ur"]
LANGUAGES: tuple[str, ...] = ("ar", "en", "ur")
RTL_LANGUAGES = frozenset({"ar", "ur"})
Day = Literal["sat", "sun", "mon", "tue", "wed", "thu", "fri"]
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=32)]
CounterCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$", max_length=16)]


class ConfigError(Exception):
    """config.yaml is wrong; `path` names the bad entry, e.g. centres[0].counters[3].services[1]."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Names(_Strict):
    """A name in each language; Arabic is required, the others fall back to it."""

    ar: str
    en: str | None = None
    ur: str | None = None

    def get(self, lang: str) -> str:
        return getattr(self, lang, None) or self.en or self.ar

    def as_dict(self) -> dict[str, str]:
        return {lang: self.get(lang) for lang in LANGUAGES}


def _parse_time(value: Any) -> time:
    if isinstance(value, int):  # YAML 1.1 reads 07:30 unquoted as sexagesimal minutes
        return time(value // 60, value % 60)
    if value == "24:00":  # the end of the day, for a shift that runs until midnight
        return time.max
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}", value):
        hours, minutes = map(int, value.split(":"))
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    raise ValueError('expected a time as "HH:MM" (00:00 to 24:00)')


class Shift(_Strict):
    code: Code
    names: Names
    days: list[Day] = Field(min_length=1)
    open: time
    close: time
    last_ticket: time

    _times = field_validator("open", "close", "last_ticket", mode="before")(_parse_time)

    @model_validator(mode="after")
    def _order(self) -> Shift:
        if not self.open < self.close:
            raise ValueError("'open' must be before 'close'")
        if not self.open <= self.last_ticket <= self.close:
            raise ValueError("'last_ticket' must lie between 'open' and 'close'")
        return self


class PriorityClass(_Strict):
    boost_minutes: int = Field(15, ge=0, le=240)


class Priority(_Strict):
    elderly: PriorityClass = PriorityClass(boost_minutes=15)
    disabled: PriorityClass = PriorityClass(boost_minutes=20)
    max_consecutive: int = Field(3, ge=1, le=50)

    def boosts(self) -> dict[str, int]:
        return {"elderly": self.elderly.boost_minutes, "disabled": self.disabled.boost_minutes}


class Remote(_Strict):
    check_in_required: bool = True
    hold_minutes: int = Field(30, ge=1, le=600)
    per_ip_per_day: int = Field(5, ge=1)
    per_person_per_day: int = Field(3, ge=1)


class CounterRules(_Strict):
    auto_complete_on_next: bool = True
    max_recalls: int = Field(2, ge=0, le=10)
    max_requeues: int = Field(1, ge=0, le=10)  # times a day a no-show may be put back in line
    requeue_place: Literal["front", "original"] = "original"  # where: the queue's front, or their own time


class Zone(_Strict):
    code: Code
    names: Names


class Service(_Strict):
    code: Code
    prefix: Annotated[str, Field(pattern=r"^[A-Z]$")]
    names: Names
    minutes: float = Field(gt=0, le=240)
    target_wait: int = Field(20, gt=0, le=600)
    daily_cap: int = Field(500, gt=0, le=9999)
    remote_join: bool = True


class Body(_Strict):
    code: Code
    names: Names
    services: list[Service] = Field(min_length=1)


class Counter(_Strict):
    code: CounterCode
    names: Names
    zone: Code
    services: list[Code] = Field(min_length=1)


class Voice(_Strict):
    enabled: bool = True
    languages: list[Language] = ["ar", "en"]
    chime: bool = True


class Display(_Strict):
    code: Code
    names: Names | None = None
    zones: list[Code] = Field(min_length=1)
    layout: Literal["hall", "counter"] = "hall"
    counter: CounterCode | None = None
    languages: list[Language] = Field(["ar", "en"], min_length=1)
    voice: Voice = Voice()
    ticker: Names | None = None


class Printer(_Strict):
    """Where a kiosk's tickets go; the keys besides backend/paper are the backend's own."""

    model_config = ConfigDict(extra="allow", frozen=True)
    backend: Literal["network", "usb", "serial", "file", "memory", "agent"]
    paper: Literal[58, 80] = 80
    native_qr: bool = True

    def backend_options(self) -> dict[str, Any]:
        return {"backend": self.backend, **(self.model_extra or {})}

    @model_validator(mode="after")
    def _drives_a_printer(self) -> Printer:
        """The backend's own keys are checked now, not at the first print (`port: ninety`, no host)."""
        if self.backend != "agent":
            try:
                check_printer_config(self.backend_options())
            except PrinterConfigError as error:
                raise ValueError(str(error)) from None
        return self


class Kiosk(_Strict):
    code: Code
    names: Names | None = None
    languages: list[Language] = Field(["ar", "en", "ur"], min_length=1)
    printer: Printer | None = None


class Centre(_Strict):
    code: Code
    names: Names
    timezone: str = "Asia/Kuwait"
    languages: list[Language] = Field(["ar", "en", "ur"], min_length=1)
    numbering: Literal["day", "shift"] = "day"
    shifts: list[Shift] = Field(min_length=1)
    priority: Priority = Priority()
    remote: Remote = Remote()
    counter_rules: CounterRules = CounterRules()
    zones: list[Zone] = Field(min_length=1)
    bodies: list[Body] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    displays: list[Display] = []
    kiosks: list[Kiosk] = []

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def services(self) -> list[tuple[Body, Service]]:
        return [(body, service) for body in self.bodies for service in body.services]

    def service(self, code: str) -> Service | None:
        return next((s for _, s in self.services() if s.code == code), None)

    def body_of(self, service_code: str) -> Body | None:
        return next((b for b, s in self.services() if s.code == service_code), None)

    def counter(self, code: str) -> Counter | None:
        return next((c for c in self.counters if c.code == code), None)

    def display(self, code: str) -> Display | None:
        return next((d for d in self.displays if d.code == code), None)

    def kiosk(self, code: str) -> Kiosk | None:
        return next((k for k in self.kiosks if k.code == code), None)


class Webhook(_Strict):
    """Notifications as a JSON POST signed with HMAC-SHA256 (header X-Tabour-Signature)."""

    url: str
    secret: str | None = None  # or secret_env: the name of an environment variable holding it
    secret_env: str | None = None
    timeout: float = Field(5.0, gt=0, le=60)

    def secret_value(self) -> str:
        if self.secret_env:
            return os.environ.get(self.secret_env, "")
        return self.secret or ""


class SmsGateway(_Strict):
    """SMS through an HTTP gateway; `url` and `body` are templates with $phone and $text
    (escaped for the body's content type: JSON string, form or URL)."""

    url: str
    method: Literal["POST", "GET"] = "POST"
    content_type: str = "application/json"
    body: str = '{"to": "$phone", "text": "$text"}'
    headers: dict[str, str] = {}
    timeout: float = Field(5.0, gt=0, le=60)


NotificationEvent = Literal["issued", "ahead", "called", "done"]


class Notifications(_Strict):
    """Messages to visitors (optional): one channel for the deployment, sent from an outbox by a worker."""

    channel: Literal["none", "log", "webhook", "sms"] = "none"
    events: list[NotificationEvent] = ["issued", "ahead", "called", "done"]
    ahead: int = Field(3, ge=1, le=50)  # "N people ahead of you" is sent once at this position
    max_attempts: int = Field(6, ge=1, le=50)
    backoff_seconds: float = Field(5.0, gt=0, le=3600)  # doubled after every failed attempt
    webhook: Webhook | None = None
    sms: SmsGateway | None = None

    @model_validator(mode="after")
    def _channel_settings(self) -> Notifications:
        if self.channel == "webhook" and self.webhook is None:
            raise ValueError("channel 'webhook' needs a 'webhook' section with a url")
        if self.channel == "sms" and self.sms is None:
            raise ValueError("channel 'sms' needs an 'sms' section with a url")
        return self


class Server(_Strict):
    public_url: str = "http://127.0.0.1:8000"
    default_language: Language = "ar"
    # how the hall's voice says a prefix letter, per language, over the defaults: {ar: {P: "پي"}}
    letter_names: dict[
        Language, dict[Annotated[str, Field(pattern=r"^[A-Z]$")], Annotated[str, Field(min_length=1, max_length=40)]]
    ] = {}


class HallConfig(_Strict):
    """The whole config.yaml."""

    server: Server = Server()
    notifications: Notifications = Notifications()
    centres: list[Centre] = Field(min_length=1)

    def centre(self, code: str) -> Centre | None:
        return next((c for c in self.centres if c.code == code), None)


def _unique(items: list[Any], attr: str, path: str, what: str) -> None:
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        value = getattr(item, attr)
        if value in seen:
            raise ConfigError(f"{path}[{index}].{attr}", f"duplicate {what} {value!r} (also at [{seen[value]}])")
        seen[value] = index


def _check_references(config: HallConfig) -> None:
    """The checks that span entries: uniqueness and references by code."""
    _unique(config.centres, "code", "centres", "centre code")
    for ci, centre in enumerate(config.centres):
        at = f"centres[{ci}]"
        _unique(centre.zones, "code", f"{at}.zones", "zone code")
        _unique(centre.bodies, "code", f"{at}.bodies", "body code")
        _unique(centre.shifts, "code", f"{at}.shifts", "shift code")
        _unique(centre.counters, "code", f"{at}.counters", "counter code")
        _unique(centre.displays, "code", f"{at}.displays", "display code")
        _unique(centre.kiosks, "code", f"{at}.kiosks", "kiosk code")
        codes: dict[str, str] = {}
        prefixes: dict[str, str] = {}
        for bi, body in enumerate(centre.bodies):
            for si, service in enumerate(body.services):
                where = f"{at}.bodies[{bi}].services[{si}]"
                if service.code in codes:
                    raise ConfigError(
                        f"{where}.code", f"duplicate service {service.code!r} (also at {codes[service.code]})"
                    )
                if service.prefix in prefixes:
                    raise ConfigError(
                        f"{where}.prefix", f"duplicate prefix {service.prefix!r} (also at {prefixes[service.prefix]})"
                    )
                codes[service.code] = where
                prefixes[service.prefix] = where
        zones = {z.code for z in centre.zones}
        for ki, counter in enumerate(centre.counters):
            where = f"{at}.counters[{ki}]"
            if counter.zone not in zones:
                raise ConfigError(f"{where}.zone", f"no zone {counter.zone!r}")
            for si, code in enumerate(counter.services):
                if code not in codes:
                    raise ConfigError(f"{where}.services[{si}]", f"no service {code!r}")
            if len(set(counter.services)) != len(counter.services):
                raise ConfigError(f"{where}.services", "a service is listed twice")
        for di, display in enumerate(centre.displays):
            where = f"{at}.displays[{di}]"
            for zi, zone in enumerate(display.zones):
                if zone not in zones:
                    raise ConfigError(f"{where}.zones[{zi}]", f"no zone {zone!r}")
            if display.layout == "counter" and centre.counter(display.counter or "") is None:
                raise ConfigError(f"{where}.counter", f"no counter {display.counter!r} for the counter layout")


def _format_location(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def parse_config(data: Any) -> HallConfig:
    """Validate plain data (as read from YAML); raise ConfigError naming the first bad path."""
    if not isinstance(data, dict):
        raise ConfigError("", "the configuration must be a mapping with a 'centres' list")
    try:
        config = HallConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = f"unknown key {location[-1]!r}"
        raise ConfigError(_format_location(location), message) from None
    _check_references(config)
    return config


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key written twice in one mapping (plain YAML keeps the last one, silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | os.PathLike[str]) -> HallConfig:
    """Read and validate config.yaml."""
    file = Path(path)
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise ConfigError("", f"configuration file not found: {file}") from None
    except yaml.YAMLError as error:
        raise ConfigError("", f"{file} is not valid YAML: {error}") from None
    return parse_config(data)


@dataclass(frozen=True)
class Settings:
    """Everything create_app() needs: the hall plus where its data and messages live."""

    hall: HallConfig
    database_url: str
    secret_key: str
    redis_url: str | None = None
    bus_channel: str | None = None  # the Redis channel; default: named after the database (one deployment)
    instance_path: str = "instance"
    testing: bool = False
    start_workers: bool = True  # the print spooler and notifier greenlets
    print_retry_base: float = 1.0  # first delay (s) before a failed print job is retried, doubled up to 30 s
    print_retry_deadline: float = 180.0  # a job not printed by then is given up (staff can reprint)
    print_status_interval: float = 20.0  # seconds between printer status polls
    voice_dir: str | None = None  # a centre's own recorded clips; default <instance>/voice
    metrics_token: str | None = None  # when set, /metrics asks for it as a bearer token
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* headers are believed (nginx: 1)

    @property
    def public_url(self) -> str:
        return self.hall.server.public_url.rstrip("/")
