"""A busy day of a hall with five services of different bodies, one visitor in five a family visit of two
to four of them, drawn from a seed (every run replays the same days). Shared by the planner's test and its
benchmark (bench/visits.py)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from queue_app.domain.simulation import Desk, Visit

OPENS = datetime(2026, 11, 22, 7, 30)
LAST_ARRIVAL = datetime(2026, 11, 22, 12, 30)
CLOSES = datetime(2026, 11, 22, 15, 30)  # the counters finish the queue
BOOSTS = {"elderly": 15, "disabled": 20}
MAX_CONSECUTIVE = 3
# service: (minutes per transaction, desks) -- unequal on purpose: some queues run long, others short
SERVICES = {"residency": (8.0, 3), "civil-id": (5.0, 2), "traffic": (7.0, 3), "health": (10.0, 2), "justice": (12.0, 2)}
LOAD = 0.85  # of the desks' time asked for, on average over the morning


def sample_weighted(rng: random.Random, codes: list[str], weights: list[float], k: int) -> list[str]:
    """k distinct services, the busier (more desks' time) the likelier: families ask what everyone asks."""
    pool, chosen = list(zip(codes, weights, strict=True)), []
    for _ in range(k):
        code = rng.choices([c for c, _ in pool], [w for _, w in pool])[0]
        chosen.append(code)
        pool = [(c, w) for c, w in pool if c != code]
    return chosen


@dataclass(frozen=True)
class FamilyDay:
    visits: list[Visit]
    desks: list[Desk]
    families: set[int]


def family_day(seed: int, family_share: float = 0.2) -> FamilyDay:
    """Arrivals at a rate that asks LOAD of every desk (a rush between 9:00 and 11:00 at twice the
    rate of the quiet hours); a family visit asks for 2-4 services in a random order (the visitor's) with
    1-3 transactions each, and counts for its services' load like as many single visitors."""
    rng = random.Random(seed)
    codes = list(SERVICES)
    capacity = sum(desks * 60 / minutes for minutes, desks in SERVICES.values())  # single visits an hour
    mean_legs = 1 + family_share * 2  # a family visit has three legs on average
    per_hour = LOAD * capacity / mean_legs
    weights = [desks * 60 / minutes for minutes, desks in SERVICES.values()]

    def minutes(service: str, transactions: int) -> float:
        mean = SERVICES[service][0]
        return min(60.0, max(1.0, sum(rng.expovariate(1 / mean) for _ in range(transactions)) / transactions**0.3))

    visits: list[Visit] = []
    families: set[int] = set()
    moment = OPENS
    while True:
        rush = 1.35 if 9 <= moment.hour < 11 else 0.75
        moment += timedelta(minutes=rng.expovariate(per_hour * rush / 60))
        if moment > LAST_ARRIVAL:
            break
        visit_id = len(visits) + 1
        if rng.random() < family_share:
            chosen = sample_weighted(rng, codes, weights, rng.randint(2, 4))
            legs = [(service, minutes(service, rng.randint(1, 3))) for service in chosen]
            visits.append(Visit(visit_id, legs[0][0], moment, legs[0][1], later=tuple(legs[1:])))
            families.add(visit_id)
        else:
            service = rng.choices(codes, weights)[0]
            visits.append(Visit(visit_id, service, moment, minutes(service, 1)))
    desks = [
        Desk(f"{service}-{n + 1}", (service,), OPENS, CLOSES)
        for service, (_minutes, count) in SERVICES.items()
        for n in range(count)
    ]
    return FamilyDay(visits, desks, families)
