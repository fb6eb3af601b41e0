"""Ticket states and the transitions between them; display numbers and tracking codes."""

from __future__ import annotations

import re
import secrets
from enum import StrEnum

from .errors import Conflict, InvalidInput


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    PARKED = "parked"  # sent to fetch a document; stays with its counter, which calls it back
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    CLOSED = "closed"  # not served: still waiting when the centre closed (the closing policy)


class EventKind(StrEnum):
    """What happened to a ticket: one `ticket_events` row each (waits, service times, reports)."""

    ISSUED = "issued"
    CALLED = "called"
    RECALLED = "recalled"
    STARTED = "started"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    PARKED = "parked"
    REQUEUED = "requeued"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    EXPIRED = "expired"
    DUE = "due"  # a visitor who joined from home is told to come now; their place is held from here
    CLOSED = "closed"
    NEXT_LEG = "next_leg"  # a family visit's leg was done and the ticket joined its next leg's queue
    REPLANNED = "replanned"  # a waiting family visit moved to another of its legs (its place in time kept)


class PriorityClass(StrEnum):
    """A ticket's class in the queue order. Visitors choose the first three at the kiosk; APPOINTMENT is
    given by a check-in of a booked visit (its place in time is the slot's start: domain/policy.py)."""

    NONE = "none"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    APPOINTMENT = "appointment"


WALK_IN_CLASSES = (PriorityClass.NONE, PriorityClass.ELDERLY, PriorityClass.DISABLED)


class Source(StrEnum):
    KIOSK = "kiosk"
    REMOTE = "remote"
    APPOINTMENT = "appointment"
    STAFF = "staff"


OPEN_STATES = frozenset({Status.WAITING, Status.CALLED, Status.SERVING, Status.PARKED})
AT_COUNTER = frozenset({Status.CALLED, Status.SERVING})
FINAL_STATES = frozenset({Status.DONE, Status.NO_SHOW, Status.CANCELLED, Status.CLOSED})

# action -> the states it may start from, and the state it leads to (None: unchanged)
TRANSITIONS: dict[str, tuple[frozenset[Status], Status | None]] = {
    "call": (frozenset({Status.WAITING}), Status.CALLED),
    "recall": (frozenset({Status.CALLED}), None),
    "start": (frozenset({Status.CALLED}), Status.SERVING),
    "complete": (frozenset({Status.CALLED, Status.SERVING}), Status.DONE),
    "no_show": (frozenset({Status.CALLED}), Status.NO_SHOW),
    "transfer": (frozenset({Status.WAITING, Status.CALLED, Status.SERVING}), Status.WAITING),
    "cancel": (frozenset({Status.WAITING, Status.CALLED, Status.PARKED}), Status.CANCELLED),
    "park": (frozenset({Status.CALLED, Status.SERVING}), Status.PARKED),
    "unpark": (frozenset({Status.PARKED}), Status.CALLED),
    "requeue": (frozenset({Status.NO_SHOW}), Status.WAITING),
    "close": (frozenset({Status.WAITING, Status.PARKED}), Status.CLOSED),  # the end of a shift
}
CLOSABLE = TRANSITIONS["close"][0]


def is_due(people_ahead: int, wait_low_minutes: int, due_ahead: int, due_minutes: int) -> bool:
    """A visitor who joined from home should set off now: few enough people ahead, or a short enough wait
    (the low end of the range they were shown: better early than losing the place)."""
    return people_ahead <= due_ahead or wait_low_minutes <= due_minutes


# Why a clerk calls a number out of turn (the event and the audit trail keep the code).
CALL_REASONS = ("returned", "appointment", "special_needs", "supervisor_request", "other")


def check_call_reason(value: object) -> str:
    """A known reason code for calling a number ahead of its turn."""
    if value not in CALL_REASONS:
        raise InvalidInput("reason_required", reasons=", ".join(CALL_REASONS))
    return str(value)


CIVIL_ID = re.compile(r"[0-9]{12}")  # matched whole (fullmatch), after ascii_digits
_ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def ascii_digits(value: str) -> str:
    """Arabic-Indic (٠-٩) and Urdu (۰-۹) digits written as 0-9: one number, one key, however it was typed."""
    return value.translate(_ASCII_DIGITS)


def next_status(current: Status | str, action: str) -> Status:
    """The state after `action`, or Conflict(code=invalid_transition) when it does not fit."""
    allowed, target = TRANSITIONS[action]
    status = Status(current)
    if status not in allowed:
        raise Conflict("invalid_transition", action=action, status=status.value)
    return target or status


def display_number(prefix: str, sequence: int) -> str:
    """`A012`: the service prefix and the sequence, zero-padded to three digits."""
    return f"{prefix}{sequence:03d}"


def tracking_link(public_url: str, tracking_code: str) -> str:
    """The visitor's page of a ticket (web/track.py serves `/t/<code>`): printed as a QR code, sent by
    SMS, returned by the API. Built here only."""
    return f"{public_url.rstrip('/')}/t/{tracking_code}"


def new_tracking_code() -> str:
    """An unguessable code for the visitor's link: 96 random bits, URL-safe."""
    return secrets.token_urlsafe(12)


def check_transactions(value: object, maximum: int) -> int:
    """Transactions of one service (one leg of a visit): 1 to the centre's maximum (`visits:`)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise InvalidInput("invalid_transactions", maximum=maximum)
    return value


def check_civil_id(value: object) -> str | None:
    if value in (None, ""):
        return None
    cleaned = ascii_digits(value.strip()) if isinstance(value, str) else ""
    if not CIVIL_ID.fullmatch(cleaned):
        raise InvalidInput("invalid_civil_id")
    return cleaned


def check_priority(value: object) -> PriorityClass:
    """A class a visitor may ask for (an appointment's class comes only with its check-in)."""
    try:
        priority = PriorityClass(str(value) if value is not None else "none")
    except ValueError:
        raise InvalidInput("invalid_priority") from None
    if priority not in WALK_IN_CLASSES:
        raise InvalidInput("invalid_priority")
    return priority
