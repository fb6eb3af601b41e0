"""Expected wait, from the live rate of service; shown as a range, never a false precision.

The model (documented with its reasons in docs/eta.md), for one service:

1. Minutes per transaction `m`: the configured minutes, shrunk towards what the hall is doing now.
   Recent services (call to finish, so the walk to the counter counts) are pooled and weighted by
   their transactions: m = (prior x PRIOR_WEIGHT + sum of minutes) / (PRIOR_WEIGHT + sum of
   transactions). A few fast services do not swing the estimate; a slow afternoon moves it quickly.
2. Capacity: counters open for the service now (a counter whose first-choice service is another one
   counts only in part; the caller decides the share) plus paused counters, which are expected back
   after PAUSE_RETURN_MINUTES and only help a wait that is longer than that. In a shift's first
   OPENING_MINUTES, while clerks are still signing in, at least the counters configured for the service
   (`counted_counters`).
3. Work ahead: the transactions of the tickets call-next would take first, plus one transaction
   scaled by the share of counters that are busy: departures come at about counters/m per minute,
   so the visitor is called after about (ahead + 1) x m / counters when every counter is busy.
4. Range: the point +- a spread that shrinks with the number of people ahead (waits of many people
   average out) and never drops below +-15 %; above half an hour the bounds are rounded to 5 minutes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

PRIOR_WEIGHT = 4.0  # the configured minutes count as this many observed transactions
PAUSE_RETURN_MINUTES = 10.0  # a paused counter is expected back after this long
OPENING_MINUTES = 30.0  # a shift's first minutes, while its clerks are still signing in
MIN_SPREAD = 0.15
MAX_SPREAD = 0.5


@dataclass(frozen=True)
class ServiceRate:
    """What the estimate is made from: minutes per transaction (observed or configured), counters open
    for the service now (may be fractional: a shared counter counts in part), busy counters among them,
    and paused counters expected back."""

    minutes_per_transaction: float
    counters: float
    busy: float = 0.0
    paused: float = 0.0


@dataclass(frozen=True)
class Estimate:
    low: int
    high: int

    @property
    def minutes(self) -> int:
        return (self.low + self.high) // 2


@dataclass(frozen=True)
class Sample:
    """One finished service: minutes from call to finish, and its number of transactions."""

    minutes: float
    transactions: int


def observed_minutes(samples: Iterable[Sample], prior_minutes: float, prior_weight: float = PRIOR_WEIGHT) -> float:
    """Minutes per transaction: the configured prior shrunk towards recent services, weighted by transactions."""
    total_minutes = prior_minutes * prior_weight
    total_transactions = prior_weight
    for sample in samples:
        if sample.minutes <= 0 or sample.transactions <= 0:
            continue
        total_minutes += sample.minutes
        total_transactions += sample.transactions
    return total_minutes / total_transactions


def counted_counters(open_now: float, paused: float, configured: float, minutes_into_shift: float | None) -> float:
    """The counters an estimate counts for a service: those open now. Before anyone serves it, the
    counters configured for it; and in a shift's first OPENING_MINUTES at least those, as the others are
    still signing in: the first clerk to sign in must not triple every estimate (a 5-12 minute wait
    became 15-35 while the line got shorter). After that, the counters that came are the truth."""
    if open_now <= 0 and paused <= 0:
        return configured
    if minutes_into_shift is not None and 0 <= minutes_into_shift < OPENING_MINUTES:
        return max(open_now, configured)
    return open_now


def wait_minutes(transactions_ahead: float, rate: ServiceRate) -> float:
    """The point estimate in minutes (unrounded)."""
    m = max(rate.minutes_per_transaction, 0.01)
    busy_share = min(rate.busy, rate.counters) / rate.counters if rate.counters > 0 else 0.0
    work = (max(transactions_ahead, 0.0) + busy_share) * m
    open_counters, paused = max(rate.counters, 0.0), max(rate.paused, 0.0)
    if open_counters <= 0 and paused <= 0:
        open_counters = 1.0  # nobody serves it now: assume one counter rather than "never"
    if paused <= 0:
        return work / open_counters
    # paused counters work from PAUSE_RETURN_MINUTES on: open*T + paused*(T - R) = work, when T > R
    with_paused = (work + paused * PAUSE_RETURN_MINUTES) / (open_counters + paused)
    if open_counters <= 0 or with_paused > PAUSE_RETURN_MINUTES:
        return with_paused
    return work / open_counters


def spread(people_ahead: int) -> float:
    """Relative half-width of the range: wide for the next in line, narrower when many waits average out."""
    return min(MAX_SPREAD, max(MIN_SPREAD, 0.1 + 0.6 / math.sqrt(people_ahead + 1)))


def estimate(transactions_ahead: float, rate: ServiceRate, people_ahead: int | None = None) -> Estimate:
    """The expected wait as a range of whole minutes."""
    point = wait_minutes(transactions_ahead, rate)
    people = int(transactions_ahead) if people_ahead is None else people_ahead
    if point < 1:
        return Estimate(0, max(1, math.ceil(rate.minutes_per_transaction / max(rate.counters, 1.0))))
    half = spread(people)
    low, high = point * (1 - half), point * (1 + half)
    if point >= 30:
        return Estimate(int(5 * math.floor(low / 5)), int(5 * math.ceil(high / 5)))
    return Estimate(max(0, math.floor(low)), max(1, math.ceil(high)))
