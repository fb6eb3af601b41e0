"""The forms of the hall's configuration pages: each kind of entry (zone, body, service, counter, screen,
kiosk, shift, holiday), where it lives in a centre's configuration, its fields, how a posted form becomes
the entry as config.yaml writes it, and which field a validation error belongs to. The rules themselves
are config.yaml's (settings/): the forms only carry values to them."""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..settings import LANGUAGES, ConfigError

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


def new_centre_from(centre: Centre) -> Centre:
    """A new centre starts as a copy of another: its zones, bodies, services, counters, screens, kiosks,
    shifts and calendar, to change afterwards (its screens and kiosks are paired anew, its kiosks' printers
    set anew)."""
    copied = {k: copy.deepcopy(v) for k, v in centre.items() if k not in ("code", "names")}
    for kiosk in copied.get("kiosks", []):
        kiosk.pop("printer", None)  # another building's printer: set its own
    return copied


def changes(before: Entry | None, after: Entry) -> tuple[Any, Any]:
    """What the audit trail keeps of a change: the keys that changed, as they were and as they became
    (a new centre: its code and names, not the whole copy)."""
    if before is None:
        if "bodies" in after:
            return None, {"code": after["code"], "names": after.get("names")}
        return None, after
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


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


# -- reading and writing entries ---------------------------------------------------------------------
def get(entry: Entry, key: str) -> Any:
    value: Any = entry
    for part in key.split("."):
        if isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


def _put(entry: Entry, key: str, value: Any) -> None:
    """Set a dotted key, making the dicts and lists on the way; None drops it (and the dicts it leaves
    empty), so the default applies."""
    parts = key.split(".")
    chain: list[tuple[Any, str]] = []
    target: Any = entry
    for part, following in itertools.pairwise(parts):
        chain.append((target, part))
        if isinstance(target, list):
            while len(target) <= int(part):
                target.append({})
            target = target[int(part)]
        else:
            target = target.setdefault(part, [] if following.isdigit() else {})
    if value is not None:
        target[parts[-1]] = value
        return
    if isinstance(target, dict):
        target.pop(parts[-1], None)
    for parent, part in reversed(chain):  # {"priority": {"elderly": {}}} is written as nothing
        if isinstance(parent, dict) and parent.get(part) in ({}, []):
            parent.pop(part)


def form_values(kind: Kind, entry: Entry | None, index: int | None = None) -> dict[str, Any]:
    """The form's initial values: an entry's own, or blank (a holiday's `date` shows as its `from`)."""
    if entry is None:
        return {}
    values = {f.key: get(entry, f.key) for f in kind.fields}
    if kind.name == "holiday" and entry.get("date"):
        values["from"] = entry["date"]
    return values


class FormErrors(Exception):
    """Fields the form could not read (a letter where a number goes): field key -> translated message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def read_form(kind: Kind, form: MultiDict[str, str], base: Entry | None, adding: bool) -> Entry:
    """The entry as config.yaml writes it: `base` (the entry as it was, keys no field shows are kept) with
    the posted fields over it. Empty optional fields fall back to their defaults."""
    entry: Entry = {k: v for k, v in (base or {}).items()}
    errors: dict[str, str] = {}
    for field in kind.fields:
        if field.new_only and not adding:
            continue
        try:
            value = _value(field, form)
        except ValueError as error:
            errors[field.key] = str(error)
            continue
        if value is None and field.required:
            errors[field.key] = gettext("Required.")
            continue
        _put(entry, field.key, value)
    if kind.name == "holiday":  # one day is written as `date`, several as `from` .. `to`
        entry.pop("date", None)
        if entry.get("from") and not entry.get("to"):
            entry["date"] = entry.pop("from")
    if kind.name == "kiosk" and not get(entry, "printer.backend"):
        entry.pop("printer", None)
    if errors:
        raise FormErrors(errors)
    return entry


def _value(field: Field, form: MultiDict[str, str]) -> Any:
    key = field.key
    if field.kind == "names":
        names = {lang: form.get(f"{key}.{lang}", "").strip() for lang in LANGUAGES}
        if not names["ar"]:
            if any(names.values()):
                raise ValueError(gettext("The Arabic name is required."))
            return None
        return {lang: text for lang, text in names.items() if text}
    if field.kind == "bool":
        return form.get(key) == "on"
    if field.kind == "many":
        return form.getlist(key) or None
    if field.kind == "ordered":
        ticked = form.getlist(key)
        order = {code: form.get(f"{key}.order.{code}", "").strip() for code in ticked}
        if any(o and not o.isdigit() for o in order.values()):
            raise ValueError(gettext("The order is a whole number: 1, 2, 3 ..."))
        return sorted(ticked, key=lambda code: int(order[code] or 999)) or None
    text = form.get(key, "").strip()
    if not text:
        return None
    if field.kind == "int":
        if not re.fullmatch(r"\d{1,6}", text):
            raise ValueError(gettext("A whole number, in digits."))
        return int(text)
    if field.kind == "number":
        if not re.fullmatch(r"\d{1,4}(\.\d{1,2})?", text):
            raise ValueError(gettext("A number, in digits (6 or 7.5)."))
        return float(text) if "." in text else int(text)
    if key == "printer.paper":
        return int(text)
    return text


# -- validation errors, on the field they belong to ------------------------------------------------------
def field_of(kind: Kind, entry_path: str, error: ConfigError) -> str | None:
    """The form field an error of config.yaml's rules is about, when it is about this entry."""
    if not error.path.startswith(entry_path):
        return None
    rest = re.sub(r"\[(\d+)\]", r".\1", error.path[len(entry_path) :]).lstrip(".")
    keys = sorted((f.key for f in kind.fields), key=len, reverse=True)
    if kind.name == "holiday" and rest.split(".")[0] == "date":
        rest = "from"
    return next((k for k in keys if rest == k or rest.startswith(k + ".")), "" if not rest else None)


MESSAGES: dict[str, Any] = {
    "missing": _l("Required."),
    "duplicate": _l("Already used by another entry of this centre."),
    "no_such": _l("Names something that is not there (any more)."),
    "string_pattern_mismatch": _l("Not in the expected form: see the hint."),
    "too_short": _l("Choose at least one."),
    "literal_error": _l("Not one of the choices."),
    "date_from_datetime_parsing": _l("A date, as 2027-01-31."),
    "date_parsing": _l("A date, as 2027-01-31."),
}

VALUE_ERRORS: dict[str, Any] = {
    "unknown timezone": _l("Not a known time zone, such as Asia/Kuwait."),
    "'open' must be before 'close'": _l("A shift opens before it closes."),
    "'last_ticket' must lie between 'open' and 'close'": _l("The last ticket is given between opening and closing."),
    "'to' must not be before 'from'": _l("The last day is not before the first."),
}


def message(error: ConfigError) -> str:
    """config.yaml's error in the reader's language (the rule's own words where no translation fits)."""
    ctx = error.ctx
    if error.kind in ("greater_than", "greater_than_equal") and ctx:
        return gettext("At least %(limit)s.", limit=ctx.get("ge", ctx.get("gt")))
    if error.kind in ("less_than", "less_than_equal") and ctx:
        return gettext("At most %(limit)s.", limit=ctx.get("le", ctx.get("lt")))
    if error.kind == "string_too_long" and ctx:
        return gettext("At most %(limit)s characters.", limit=ctx.get("max_length"))
    if error.kind in MESSAGES:
        return str(MESSAGES[error.kind])
    for words, text in VALUE_ERRORS.items():
        if words in error.message:
            return str(text)
    return gettext("Not accepted: %(reason)s", reason=error.message)
