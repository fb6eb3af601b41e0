"""The kinds of entry of the hall's configuration pages (zone, body, service, counter, screen, kiosk,
shift, holiday, and the centre's own settings): where each lives in a centre's configuration and the
fields its form shows. web/hall_forms.py reads and writes entries with them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

Entry = dict[str, Any]
Centre = dict[str, Any]
Choices = Callable[[Centre], list[tuple[str, str]]]


@dataclass(frozen=True)
class Field:
    """One input: `key` is the entry's key, dotted for a nested one ("appointments.enabled")."""

    key: str
    label: Any
    kind: str = "text"  # code, text, names, int, number, bool, choice, many, ordered, date, time
    choices: Choices | None = None
    required: bool = False
    new_only: bool = False  # asked when the entry is added only (a body's first service)
    hint: Any = None


@dataclass(frozen=True)
class Kind:
    """A kind of entry: its title, its fields, and the list it lives in (`place`, with the config path)."""

    name: str
    title: Any
    plural: Any
    fields: tuple[Field, ...]
    place: Callable[[Centre], list[tuple[list[Entry], str]]]  # (the lists it may live in, their paths)
    by_code: bool = True  # holidays have no code: they are named by their place in the list
    top_level: bool = False  # the centre's own settings: the entry is the centre, in the list of centres

    @property
    def slug(self) -> str:
        """The plural in links and anchors: zones, bodies, services ..."""
        return {"body": "bodies", "centre": "settings"}.get(self.name, f"{self.name}s")

    @property
    def columns(self) -> tuple[Field, ...]:
        """The fields a centre's table shows: its code and the first few others."""
        return tuple(f for f in self.fields if f.key == "code" or not f.new_only)[:6]

    def entries(self, centre: Centre) -> list[tuple[list[Entry], int, str]]:
        """Every entry of this kind: (its list, its index, its path below the centre)."""
        return [(items, i, f"{path}[{i}]") for items, path in self.place(centre) for i in range(len(items))]

    def ident(self, entry: Entry, index: int) -> str:
        return str(entry["code"]) if self.by_code else str(index)


def _names(entry: Any, lang: str) -> str:
    names = entry.get("names") or {}
    return str(names.get(lang) or names.get("en") or names.get("ar") or entry.get("code", ""))


def _lang() -> str:
    return str(get_locale() or "ar")


def _zones(centre: Centre) -> list[tuple[str, str]]:
    return [(z["code"], _names(z, _lang())) for z in centre.get("zones", [])]


def _bodies(centre: Centre) -> list[tuple[str, str]]:
    return [(b["code"], _names(b, _lang())) for b in centre.get("bodies", [])]


def _services(centre: Centre) -> list[tuple[str, str]]:
    return [(s["code"], _names(s, _lang())) for b in centre.get("bodies", []) for s in b.get("services", [])]


def _counters(centre: Centre) -> list[tuple[str, str]]:
    return [("", gettext("None"))] + [(c["code"], _names(c, _lang())) for c in centre.get("counters", [])]


def _languages(_centre: Centre) -> list[tuple[str, str]]:
    return [("ar", "العربية"), ("en", "English"), ("ur", "اردو")]


def _days(_centre: Centre) -> list[tuple[str, str]]:
    return [
        ("sat", gettext("Saturday")),
        ("sun", gettext("Sunday")),
        ("mon", gettext("Monday")),
        ("tue", gettext("Tuesday")),
        ("wed", gettext("Wednesday")),
        ("thu", gettext("Thursday")),
        ("fri", gettext("Friday")),
    ]


def _fixed(*pairs: tuple[str, Any]) -> Choices:
    return lambda _centre: [(value, str(label)) for value, label in pairs]


CODE_HINT = _l("Lower-case Latin letters, digits and hyphens; it names the entry in links and reports.")
# a code is given once: tickets, reports, pairings and links refer to it (the edit form shows it, read-only)
CODE = Field("code", _l("Code"), "code", required=True, new_only=True, hint=CODE_HINT)
NAMES = Field("names", _l("Name"), "names", required=True)


def _list(key: str) -> Callable[[Centre], list[tuple[list[Entry], str]]]:
    return lambda centre: [(centre.setdefault(key, []), key)]


def _services_place(centre: Centre) -> list[tuple[list[Entry], str]]:
    return [(b.setdefault("services", []), f"bodies[{i}].services") for i, b in enumerate(centre.get("bodies", []))]


def _holidays_place(centre: Centre) -> list[tuple[list[Entry], str]]:
    return [(centre.setdefault("calendar", {}).setdefault("holidays", []), "calendar.holidays")]


SERVICE_FIELDS = (
    Field(
        "prefix",
        _l("Ticket letter"),
        "code",
        required=True,
        hint=_l("One capital letter, A to Z, unique in the centre."),
    ),
    Field("minutes", _l("Minutes per transaction"), "number", required=True),
    Field("target_wait", _l("Target wait (minutes)"), "int"),
    Field("daily_cap", _l("Tickets a day at most"), "int"),
    Field("remote_join", _l("Visitors may join from their phone"), "bool"),
    Field("appointments.enabled", _l("Appointments can be booked"), "bool"),
    Field("appointments.only", _l("By appointment only (the elderly and disabled still walk in)"), "bool"),
)

CENTRE_FIELDS = (
    Field("code", _l("Code"), "code", required=True, new_only=True, hint=CODE_HINT),
    NAMES,
    Field("timezone", _l("Time zone"), "text", required=True, hint=_l("As Asia/Kuwait.")),
    Field("languages", _l("Languages"), "many", _languages, required=True),
    Field(
        "numbering",
        _l("Ticket numbers restart"),
        "choice",
        _fixed(("day", _l("Every day")), ("shift", _l("Every shift"))),
    ),
    Field("show_estimates_kept", _l("Screens show how often last week's estimates were kept"), "bool"),
    Field("priority.elderly.boost_minutes", _l("The elderly go ahead by (minutes)"), "int"),
    Field("priority.disabled.boost_minutes", _l("People with disabilities go ahead by (minutes)"), "int"),
    Field("priority.max_consecutive", _l("Priority calls in a row at a counter, at most"), "int"),
    Field("remote.check_in_required", _l("Visitors who joined from home check in at a kiosk"), "bool"),
    Field("remote.per_person_per_day", _l("Tickets from home per person a day"), "int"),
    Field("counter_rules.max_recalls", _l("Recalls before a visitor can be marked absent"), "int"),
    Field(
        "calendar.closing",
        _l("Tickets still waiting when a shift ends"),
        "choice",
        _fixed(("carry", _l("Carried into the next shift of the day")), ("close", _l("Closed, and the visitors told"))),
    ),
    Field("calendar.grace_minutes", _l("Minutes the queue may still be called after closing"), "int"),
    Field("appointments.slot_minutes", _l("Minutes of an appointment slot"), "int"),
    Field("appointments.days_ahead", _l("Days ahead a visit can be booked"), "int"),
)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("centre", _l("Centre"), _l("Centres"), CENTRE_FIELDS, lambda _centre: [], top_level=True),
        Kind("zone", _l("Zone"), _l("Zones"), (CODE, NAMES), _list("zones")),
        Kind(
            "body",
            _l("Government body"),
            _l("Government bodies"),
            (
                CODE,
                NAMES,
                Field("services.0.code", _l("First service: code"), "code", required=True, new_only=True),
                Field("services.0.names", _l("First service: name"), "names", required=True, new_only=True),
                *(
                    Field(f"services.0.{f.key}", f.label, f.kind, f.choices, f.required, True, f.hint)
                    for f in SERVICE_FIELDS[:3]
                ),
            ),
            _list("bodies"),
        ),
        Kind(
            "service",
            _l("Service"),
            _l("Services"),
            (Field("body", _l("Government body"), "choice", _bodies, required=True), CODE, NAMES, *SERVICE_FIELDS),
            _services_place,
        ),
        Kind(
            "counter",
            _l("Counter"),
            _l("Counters"),
            (
                Field(
                    "code",
                    _l("Code"),
                    "code",
                    required=True,
                    new_only=True,
                    hint=_l("Letters and digits, as written above the desk: 1, 12, A3."),
                ),
                NAMES,
                Field("zone", _l("Zone"), "choice", _zones, required=True),
                Field(
                    "services",
                    _l("Services it serves, in order"),
                    "ordered",
                    _services,
                    required=True,
                    hint=_l("Tick the services; the numbers give their order (1 first)."),
                ),
            ),
            _list("counters"),
        ),
        Kind(
            "display",
            _l("Screen"),
            _l("Screens"),
            (
                CODE,
                Field("names", _l("Name"), "names"),
                Field("zones", _l("Zones it shows"), "many", _zones, required=True),
                Field(
                    "layout", _l("Layout"), "choice", _fixed(("hall", _l("Hall")), ("counter", _l("Above one counter")))
                ),
                Field("counter", _l("Its counter (layout above one counter)"), "choice", _counters),
                Field("languages", _l("Languages"), "many", _languages, required=True),
                Field("voice.enabled", _l("Calls are spoken"), "bool"),
            ),
            _list("displays"),
        ),
        Kind(
            "kiosk",
            _l("Kiosk"),
            _l("Kiosks"),
            (
                CODE,
                Field("names", _l("Name"), "names"),
                Field("languages", _l("Languages"), "many", _languages, required=True),
                Field(
                    "printer.backend",
                    _l("Printer"),
                    "choice",
                    _fixed(
                        ("", _l("None")),
                        ("network", _l("Network (port 9100)")),
                        ("agent", _l("Print agent on the kiosk")),
                        ("usb", "USB"),
                        ("serial", _l("Serial")),
                        ("file", _l("A file or device path")),
                        ("memory", _l("In memory (a demonstration)")),
                    ),
                    hint=_l("USB, serial and file printers keep the keys config.yaml gives them."),
                ),
                Field("printer.host", _l("Printer address"), "text"),
                Field("printer.port", _l("Printer port"), "int"),
                Field("printer.paper", _l("Paper width (mm)"), "choice", _fixed(("80", "80"), ("58", "58"))),
            ),
            _list("kiosks"),
        ),
        Kind(
            "shift",
            _l("Shift"),
            _l("Shifts"),
            (
                CODE,
                NAMES,
                Field("days", _l("Days"), "many", _days, required=True),
                Field("open", _l("Opens"), "time", required=True),
                Field("close", _l("Closes"), "time", required=True),
                Field("last_ticket", _l("Last ticket"), "time", required=True),
            ),
            _list("shifts"),
        ),
        Kind(
            "holiday",
            _l("Holiday"),
            _l("Public holidays"),
            (
                Field("from", _l("From"), "date", required=True),
                Field("to", _l("To (for several days)"), "date"),
                NAMES,
            ),
            _holidays_place,
            by_code=False,
        ),
    )
}
