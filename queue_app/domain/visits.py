"""A family visit: one ticket for several legs (a service, its number of transactions, and for whom),
served at one counter at a time. The ticket is the visitor's single place in the hall; its legs are the
plan. Here: what a leg may hold, and which leg comes next (the planner's rule).

A visit keeps its place in time (its arrival) in every queue it joins, so in the queue of a later leg it
goes ahead of everyone who came after it: each such person waits one more service. The rule therefore
weighs the family's time against everyone else's (measured in docs/visits.md, bench/visits.py):

- `free_first` (the default): a leg whose queue has nobody ahead of the visit goes first (the shortest
  expected wait among those); otherwise the visitor's own order. Families spend about 5 % less time in
  the centre, and everyone else a little less too: the family takes counters that would have waited.
- `shortest_wait`: the leg whose queue reaches the visit soonest, always. Families gain about 7 %, but
  they reach the long queues later and pass more people there: everyone else waits about 7 % longer,
  and the hall as a whole spends more time, not less.
- `as_given`: the visitor's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .errors import InvalidInput
from .tickets import check_transactions


class Relation(StrEnum):
    """For whom a leg is done: no names are needed, only the relation to the visitor."""

    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"


class LegStatus(StrEnum):
    PENDING = "pending"  # not yet in a queue: waits for the visit's current leg to end
    CURRENT = "current"  # the ticket is on this leg now (waiting, called, served or parked)
    DONE = "done"
    DROPPED = "dropped"  # the visit was ended before this leg (by the clerk)


@dataclass(frozen=True)
class LegRequest:
    """One leg as a visitor (kiosk) or a client (API) asks for it, checked."""

    service: str
    transactions: int = 1
    relation: Relation | None = None


def check_relation(value: object) -> Relation | None:
    if value in (None, ""):
        return None
    try:
        return Relation(str(value))
    except ValueError:
        raise InvalidInput("invalid_relation", relations=", ".join(r.value for r in Relation)) from None


def check_legs(raw: object, max_legs: int, max_transactions: int) -> tuple[LegRequest, ...]:
    """The `legs` of a request: a list of {service, transactions, for}; at most `max_legs`, and a service
    at most once per relation (the same service for yourself twice is one leg with two transactions)."""
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("invalid_legs", maximum=max_legs)
    if len(raw) > max_legs:
        raise InvalidInput("too_many_legs", maximum=max_legs)
    legs: list[LegRequest] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("service"), str) or not item["service"]:
            raise InvalidInput("invalid_legs", maximum=max_legs)
        leg = LegRequest(
            service=item["service"],
            transactions=check_transactions(item.get("transactions", 1), max_transactions),
            relation=check_relation(item.get("for")),
        )
        if any(other.service == leg.service and other.relation == leg.relation for other in legs):
            raise InvalidInput("duplicate_leg", service=leg.service)
        legs.append(leg)
    return tuple(legs)


class PlanRule(StrEnum):
    FREE_FIRST = "free_first"
    SHORTEST_WAIT = "shortest_wait"
    AS_GIVEN = "as_given"


@dataclass(frozen=True)
class LegOption:
    """A leg that could go next: its place in the visitor's order, and in its queue now the people who
    would be ahead of the visit and the minutes it would wait."""

    position: int
    service: str
    wait_minutes: float
    ahead: int


def next_leg(options: Sequence[LegOption], rule: PlanRule | str = PlanRule.FREE_FIRST) -> LegOption:
    """The leg a visit does next, by `rule` (see the module's docstring for why the default is the default)."""
    if not options:
        raise ValueError("no leg to choose from")
    fastest = sorted(options, key=lambda option: (option.wait_minutes, option.position))
    if rule == PlanRule.SHORTEST_WAIT:
        return fastest[0]
    free = [option for option in fastest if option.ahead == 0]
    if rule == PlanRule.FREE_FIRST and free:
        return free[0]
    return min(options, key=lambda option: option.position)


def better_leg(
    current: LegOption, pending: Sequence[LegOption], rule: PlanRule | str, margin_minutes: float
) -> LegOption | None:
    """Re-planning a visit that waits: the pending leg it should move to now, or None to stay. Under
    `free_first` only when the current queue still has someone ahead and another leg's has nobody; under
    `shortest_wait` when another leg's wait is at least `margin_minutes` shorter (no flapping)."""
    if not pending or rule == PlanRule.AS_GIVEN:
        return None
    fastest = min(pending, key=lambda option: (option.wait_minutes, option.position))
    if rule == PlanRule.SHORTEST_WAIT:
        return fastest if fastest.wait_minutes + margin_minutes <= current.wait_minutes else None
    free = [option for option in pending if option.ahead == 0]
    if current.ahead == 0 or not free:
        return None
    return min(free, key=lambda option: (option.wait_minutes, option.position))
