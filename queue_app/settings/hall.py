"""The hall in config.yaml: centres, their bodies, services, counters, zones, screens, kiosks and printers,
the rules of their queues, and the deployment's messages to visitors. Cross-references pydantic cannot
see are checked in `check_references`, with the same paths."""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from printers.backends import check_config as check_printer_config
from printers.errors import PrinterConfigError

from .calendar import CalendarConfig, Shift
from .common import Code, ConfigError, CounterCode, Language, Names, Strict
from .security import Security


class PriorityClass(Strict):
    boost_minutes: int = Field(15, ge=0, le=240)


class Priority(Strict):
    elderly: PriorityClass = PriorityClass(boost_minutes=15)
    disabled: PriorityClass = PriorityClass(boost_minutes=20)
    max_consecutive: int = Field(3, ge=1, le=50)

    def boosts(self) -> dict[str, int]:
        return {"elderly": self.elderly.boost_minutes, "disabled": self.disabled.boost_minutes}


class Remote(Strict):
    check_in_required: bool = True
    hold_minutes: int = Field(30, ge=1, le=600)
    per_ip_per_day: int = Field(5, ge=1)
    per_person_per_day: int = Field(3, ge=1)
    # a visitor joining from home is due (told to come, and their place held) at this many people ahead,
    # or when their expected wait falls under due_minutes, whichever comes first
    due_ahead: int = Field(5, ge=0, le=200)
    due_minutes: int = Field(30, ge=0, le=600)


class CounterRules(Strict):
    auto_complete_on_next: bool = True
    max_recalls: int = Field(2, ge=0, le=10)
    max_requeues: int = Field(1, ge=0, le=10)  # times a day a no-show may be put back in line
    requeue_place: Literal["front", "original"] = "original"  # where: the queue's front, or their own time


class Visits(Strict):
    """A visit's legs (docs/visits.md): one ticket for several services, for the visitor and their family."""

    max_legs: int = Field(8, ge=1, le=20)
    max_transactions: int = Field(10, ge=1, le=50)  # per leg (a single-service ticket is one leg)
    plan: Literal["free_first", "shortest_wait", "as_given"] = "free_first"  # the next leg (domain/visits.py)
    replan_minutes: int = Field(5, ge=0, le=120)  # shortest_wait: a waiting visit moves to a leg this much shorter


class Zone(Strict):
    code: Code
    names: Names


class ServiceAppointments(Strict):
    """Booking for one service: off unless enabled. `only`: no walk-ins, except the elderly and disabled."""

    enabled: bool = False
    only: bool = False
    capacity: int | None = Field(None, ge=0, le=500)  # visits per slot; default: from the counters (below)


class Appointments(Strict):
    """A centre's booking rules (docs/appointments.md)."""

    slot_minutes: int = Field(15, ge=5, le=240)
    walk_in_share: float = Field(0.5, ge=0, le=1)  # of each slot's service time, kept for walk-ins
    days_ahead: int = Field(14, ge=0, le=180)  # how far ahead visits can be booked
    check_in_before: int = Field(30, ge=0, le=240)  # minutes before the slot check-in opens
    check_in_after: int = Field(10, ge=0, le=120)  # minutes after the slot's start a check-in is on time
    per_person_per_day: int = Field(2, ge=1, le=20)  # bookings per phone number or civil ID per day
    remind_minutes: int = Field(60, ge=0, le=2880)  # a reminder this long before the slot (0: none)


class Service(Strict):
    code: Code
    prefix: Annotated[str, Field(pattern=r"^[A-Z]$")]
    names: Names
    minutes: float = Field(gt=0, le=240)
    target_wait: int = Field(20, gt=0, le=600)
    daily_cap: int = Field(500, gt=0, le=9999)
    remote_join: bool = True
    appointments: ServiceAppointments = ServiceAppointments()


class Body(Strict):
    code: Code
    names: Names
    services: list[Service] = Field(min_length=1)


class Counter(Strict):
    code: CounterCode
    names: Names
    zone: Code
    services: list[Code] = Field(min_length=1)


class Voice(Strict):
    enabled: bool = True
    languages: list[Language] = ["ar", "en"]
    chime: bool = True


class Display(Strict):
    code: Code
    names: Names | None = None
    zones: list[Code] = Field(min_length=1)
    layout: Literal["hall", "counter"] = "hall"
    counter: CounterCode | None = None
    languages: list[Language] = Field(["ar", "en"], min_length=1)
    voice: Voice = Voice()
    ticker: Names | None = None


class Printer(Strict):
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


class Kiosk(Strict):
    code: Code
    names: Names | None = None
    languages: list[Language] = Field(["ar", "en", "ur"], min_length=1)
    printer: Printer | None = None


class Centre(Strict):
    code: Code
    names: Names
    timezone: str = "Asia/Kuwait"
    languages: list[Language] = Field(["ar", "en", "ur"], min_length=1)
    numbering: Literal["day", "shift"] = "day"
    shifts: list[Shift] = Field(min_length=1)
    calendar: CalendarConfig = CalendarConfig()
    appointments: Appointments = Appointments()
    priority: Priority = Priority()
    remote: Remote = Remote()
    counter_rules: CounterRules = CounterRules()
    visits: Visits = Visits()
    # the hall screens and the join page say, per body, the share of last week's visitors called within the
    # wait they were shown (services/reports.estimates_kept); a centre may keep it to itself
    show_estimates_kept: bool = True
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


class Webhook(Strict):
    """Notifications as a JSON POST signed with HMAC-SHA256 (header X-Tabour-Signature)."""

    url: str
    secret: str | None = None  # or secret_env: the name of an environment variable holding it
    secret_env: str | None = None
    timeout: float = Field(5.0, gt=0, le=60)

    def secret_value(self) -> str:
        if self.secret_env:
            return os.environ.get(self.secret_env, "")
        return self.secret or ""


class SmsGateway(Strict):
    """SMS through an HTTP gateway; `url` and `body` are templates with $phone and $text
    (escaped for the body's content type: JSON string, form or URL)."""

    url: str
    method: Literal["POST", "GET"] = "POST"
    content_type: str = "application/json"
    body: str = '{"to": "$phone", "text": "$text"}'
    headers: dict[str, str] = {}
    timeout: float = Field(5.0, gt=0, le=60)


NotificationEvent = Literal["issued", "ahead", "called", "done", "due", "closed", "booked", "reminder"]


class Notifications(Strict):
    """Messages to visitors (optional): one channel for the deployment, sent from an outbox by a worker."""

    channel: Literal["none", "log", "webhook", "sms"] = "none"
    events: list[NotificationEvent] = ["issued", "ahead", "called", "done", "due", "closed", "booked", "reminder"]
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


class Server(Strict):
    public_url: str = "http://127.0.0.1:8000"
    default_language: Language = "ar"
    # how the hall's voice says a prefix letter, per language, over the defaults: {ar: {P: "پي"}}
    letter_names: dict[
        Language, dict[Annotated[str, Field(pattern=r"^[A-Z]$")], Annotated[str, Field(min_length=1, max_length=40)]]
    ] = {}


class HallConfig(Strict):
    """The whole config.yaml."""

    server: Server = Server()
    security: Security = Security()
    notifications: Notifications = Notifications()
    centres: list[Centre] = Field(min_length=1)

    def centre(self, code: str) -> Centre | None:
        return next((c for c in self.centres if c.code == code), None)


def _unique(items: list[Any], attr: str, path: str, what: str) -> None:
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        value = getattr(item, attr)
        if value in seen:
            raise ConfigError(
                f"{path}[{index}].{attr}", f"duplicate {what} {value!r} (also at [{seen[value]}])", "duplicate"
            )
        seen[value] = index


def check_references(config: HallConfig) -> None:
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
                        f"{where}.code",
                        f"duplicate service {service.code!r} (also at {codes[service.code]})",
                        "duplicate",
                    )
                if service.prefix in prefixes:
                    raise ConfigError(
                        f"{where}.prefix",
                        f"duplicate prefix {service.prefix!r} (also at {prefixes[service.prefix]})",
                        "duplicate",
                    )
                codes[service.code] = where
                prefixes[service.prefix] = where
        zones = {z.code for z in centre.zones}
        for ki, counter in enumerate(centre.counters):
            where = f"{at}.counters[{ki}]"
            if counter.zone not in zones:
                raise ConfigError(f"{where}.zone", f"no zone {counter.zone!r}", "no_such")
            for si, code in enumerate(counter.services):
                if code not in codes:
                    raise ConfigError(f"{where}.services[{si}]", f"no service {code!r}", "no_such")
            if len(set(counter.services)) != len(counter.services):
                raise ConfigError(f"{where}.services", "a service is listed twice", "duplicate")
        for di, display in enumerate(centre.displays):
            where = f"{at}.displays[{di}]"
            for zi, zone in enumerate(display.zones):
                if zone not in zones:
                    raise ConfigError(f"{where}.zones[{zi}]", f"no zone {zone!r}", "no_such")
            if display.layout == "counter" and centre.counter(display.counter or "") is None:
                raise ConfigError(
                    f"{where}.counter", f"no counter {display.counter!r} for the counter layout", "no_such"
                )
