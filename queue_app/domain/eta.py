"""Expected wait: people ahead x minutes per transaction / counters serving, shown as a range."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceRate:
    """What the estimate is made from: the expected (or recently observed) minutes per transaction and
    how many counters serve the service now."""

    minutes_per_transaction: float
    counters: int


@dataclass(frozen=True)
class Estimate:
    low: int
    high: int

    @property
    def minutes(self) -> int:
        return (self.low + self.high) // 2


def estimate(transactions_ahead: int, rate: ServiceRate) -> Estimate:
    """A range, never a false precision: +-25 % around the point estimate, rounded to whole minutes."""
    if transactions_ahead <= 0:
        return Estimate(0, max(1, math.ceil(rate.minutes_per_transaction / max(rate.counters, 1))))
    counters = max(rate.counters, 1)
    point = transactions_ahead * rate.minutes_per_transaction / counters
    return Estimate(max(0, math.floor(point * 0.75)), math.ceil(point * 1.25))
