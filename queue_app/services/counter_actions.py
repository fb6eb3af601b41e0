"""Every counter action by its URL name, taking its inputs from a plain mapping (a JSON body or a
form): the API and the clerk's console share this one table, and each entry is one use case of
services/counters.py, which applies the ownership rule itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..domain.counters import ACTIONS as ACTION_NAMES
from ..domain.counters import Actor
from ..domain.errors import InvalidInput
from ..domain.tickets import check_transactions
from ..domain.visits import LegRequest, check_relation
from . import counter_visits, counters, presence, returning
from .catalog import CentreCatalog
from .counters import CounterResult


def _required(fields: Mapping[str, Any], name: str) -> str:
    value = str(fields.get(name) or "").strip()
    if not value:
        raise InvalidInput("missing_field", field=name)
    return value


def _optional(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    return str(value) if value not in (None, "") else None


def _leg(centre: CentreCatalog, fields: Mapping[str, Any]) -> LegRequest:
    """A leg from a form or JSON body: service, transactions (default 1), for whom (optional)."""
    raw = fields.get("transactions") or 1
    transactions = int(raw) if isinstance(raw, (int, str)) and str(raw).isdigit() else raw
    return LegRequest(
        _required(fields, "service"),
        check_transactions(transactions, centre.config.visits.max_transactions),
        check_relation(fields.get("for")),
    )


CounterAction = Callable[[Session, CentreCatalog, str, Actor, datetime, Mapping[str, Any]], CounterResult]

ACTIONS: dict[str, CounterAction] = {
    "sign-in": lambda s, c, k, a, now, f: presence.sign_in(s, c, k, a, now),
    "sign-out": lambda s, c, k, a, now, f: presence.sign_out(s, c, k, a, now),
    "call-next": lambda s, c, k, a, now, f: counters.call_next(s, c, k, a, now),
    "call": lambda s, c, k, a, now, f: counters.call_number(
        s, c, k, _required(f, "number"), a, now, _optional(f, "reason")
    ),
    "recall": lambda s, c, k, a, now, f: counters.recall(s, c, k, a, now),
    "start": lambda s, c, k, a, now, f: counters.start(s, c, k, a, now),
    "complete": lambda s, c, k, a, now, f: counters.complete(s, c, k, a, now),
    "no-show": lambda s, c, k, a, now, f: counters.no_show(s, c, k, a, now),
    "transfer": lambda s, c, k, a, now, f: counters.transfer(
        s, c, k, _required(f, "service"), _optional(f, "note"), a, now
    ),
    "add-leg": lambda s, c, k, a, now, f: counter_visits.add_leg(s, c, k, _leg(c, f), a, now),
    "end-visit": lambda s, c, k, a, now, f: counter_visits.end_visit(s, c, k, a, now),
    "park": lambda s, c, k, a, now, f: returning.park(s, c, k, _optional(f, "note"), a, now),
    "unpark": lambda s, c, k, a, now, f: returning.unpark(s, c, k, _required(f, "number"), a, now),
    "requeue": lambda s, c, k, a, now, f: returning.requeue(s, c, k, _required(f, "number"), a, now),
    "pause": lambda s, c, k, a, now, f: presence.pause(s, c, k, _optional(f, "reason"), a, now),
    "resume": lambda s, c, k, a, now, f: presence.resume(s, c, k, a, now),
}
assert set(ACTION_NAMES) <= set(ACTIONS), "every action the screens may offer has a use case"
