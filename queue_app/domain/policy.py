"""Call-next: which waiting ticket a counter gets. A pure function over plain values.

Rules, in order:
1. The counter's services are tiers in their configured order: a later service is served only when
   no earlier one has anyone waiting (that is how a hall says "this counter is mainly for X").
2. Within a tier the queue order goes first (`queue_key`): the longest effective wait, i.e. time since
   the ticket was queued (a transfer keeps the original time) plus its priority class's boost in minutes.
3. A checked-in appointment whose slot has begun goes first within its tier (by slot time): it is called
   at its time, ahead of walk-ins. Before its slot it ranks as if it had joined at the slot's start, so
   an early arrival does not jump the walk-ins who came before that time.
4. Anti-starvation: after `max_consecutive` priority or appointment calls in a row at this counter, the
   next call goes to the longest-waiting regular ticket of the tier, if there is one. Appointments cannot
   starve walk-ins for long either way: slots only offer the share of each hour not kept for walk-ins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .tickets import PriorityClass


def queue_key(priority: str, queued_at: datetime, ticket_id: int, boosts: Mapping[str, int]) -> tuple[datetime, int]:
    """The one queue order of a service: the time a ticket joined, moved earlier by its priority class's
    boost (minutes), then the ticket id. Call-next, "people ahead" and the notifier all sort by this."""
    return queued_at - timedelta(minutes=boosts.get(priority, 0)), ticket_id


def ahead_bounds(priority: str, queued_at: datetime, boosts: Mapping[str, int]) -> dict[str, datetime]:
    """Per priority class, the `queued_at` before which a ticket of that class is ahead of this one in
    `queue_key` order (ties broken by id): lets a store count "people ahead" with one index range per class."""
    mine = queued_at - timedelta(minutes=boosts.get(priority, 0))
    return {p.value: mine + timedelta(minutes=boosts.get(p.value, 0)) for p in PriorityClass}


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    service: str
    priority: str  # none | elderly | disabled
    queued_at: datetime
    callable: bool = True  # false for a remote ticket that has not checked in yet


def effective_wait(candidate: Candidate, now: datetime, boosts: Mapping[str, int]) -> float:
    """Seconds waited, plus the boost of the ticket's priority class."""
    return (now - candidate.queued_at).total_seconds() + 60 * boosts.get(candidate.priority, 0)


def order_candidates(
    candidates: Sequence[Candidate],
    counter_services: Sequence[str],
    now: datetime,
    boosts: Mapping[str, int],
    max_consecutive: int,
    priority_streak: int,
) -> list[Candidate]:
    """All callable candidates, best first. The caller claims them in this order (another counter
    may take the first one at the same instant)."""
    tier_of = {code: index for index, code in enumerate(counter_services)}
    eligible = [c for c in candidates if c.callable and c.service in tier_of]

    def key(candidate: Candidate) -> tuple[int, bool, datetime, int]:
        due = candidate.priority == PriorityClass.APPOINTMENT and candidate.queued_at <= now
        return (
            tier_of[candidate.service],
            not due,
            *queue_key(candidate.priority, candidate.queued_at, candidate.ticket_id, boosts),
        )

    ordered = sorted(eligible, key=key)
    if ordered and priority_streak >= max_consecutive and ordered[0].priority != PriorityClass.NONE:
        first_tier = tier_of[ordered[0].service]
        regular = [c for c in ordered if c.priority == PriorityClass.NONE and tier_of[c.service] == first_tier]
        if regular:
            ordered.remove(regular[0])
            ordered.insert(0, regular[0])
    return ordered
