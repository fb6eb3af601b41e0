"""The forms of the hall's configuration pages: how a posted form becomes the entry as config.yaml writes
it (web/hall_kinds.py says which fields each kind has), and which field a validation error belongs to, in
the reader's language. The rules themselves are config.yaml's (settings/): the forms only carry values."""

from __future__ import annotations

import copy
import itertools
import re
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ..settings import LANGUAGES, ConfigError
from .hall_kinds import Centre, Entry, Field, Kind


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


def form_values(kind: Kind, entry: Entry | None) -> dict[str, Any]:
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
