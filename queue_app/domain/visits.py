"""A family visit: one ticket for several legs (a service, its number of transactions, and for whom),
served at one counter at a time. The ticket is the visitor's single place in the hall; its legs are the
plan. Here: what a leg may hold, and which leg comes next (the planner's rule).

The planner's rule: **the leg whose queue reaches the visit soonest goes next** (the shortest expected
wait, ties in the order the visitor gave). A visit keeps its arrival time in every queue it joins, so
the queues it has not yet joined keep moving while it is served elsewhere: taking the shortest wait
first lets the long queues shorten "for free", where a fixed order makes the visitor wait out the long
queue first and the short ones after it. docs/visits.md measures the gain in a simulated day."""

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


@dataclass(frozen=True)
class LegOption:
    """A leg that could go next: its place in the visitor's order and the wait expected in its queue."""

    position: int
    service: str
    wait_minutes: float


def next_leg(options: Sequence[LegOption]) -> LegOption:
    """The planner's choice among the legs still to do (see the module's docstring for why)."""
    if not options:
        raise ValueError("no leg to choose from")
    return min(options, key=lambda option: (option.wait_minutes, option.position))


def in_given_order(options: Sequence[LegOption]) -> LegOption:
    """The fixed order (the visitor's own): what the planner is measured against."""
    return min(options, key=lambda option: option.position)
