"""A busy morning drawn at random from a seed (so every run replays the same days): walk-ins, elderly and
disabled visitors, and booked visits that come early, on time, late or not at all, at one service with
four counters. Shared by the fairness test and its benchmark."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from queue_app.domain.appointments import slot_capacity, visit_time
from queue_app.domain.simulation import Desk, Visit

OPENS = datetime(2026, 11, 22, 7, 30)
CLOSES = datetime(2026, 11, 22, 13, 30)
LAST_ARRIVAL = datetime(2026, 11, 22, 12, 30)
COUNTERS = 4
SERVICE_MINUTES = 6.0
SLOT_MINUTES = 15
WALK_IN_SHARE = 0.5
CHECK_IN_AFTER = 10  # minutes after the slot's start: later is a walk-in
BOOSTS = {"elderly": 15, "disabled": 20}
MAX_CONSECUTIVE = 3


@dataclass(frozen=True)
class BusyDay:
    visits: list[Visit]
    desks: list[Desk]
    on_time: set[int]  # appointments checked in within their window
    late: set[int]  # appointments that came after it: walk-ins


def busy_day(seed: int, walk_ins_per_hour: float = 22.0, booked_share: float = 0.9) -> BusyDay:
    """About 90 % of the counters' time is asked for: `walk_ins_per_hour` walk-ins (10 % elderly, 5 %
    disabled) and `booked_share` of every slot's capacity booked (each at its own time in the slot), of
    which 10 % never come and 15 % come late; the others check in between 25 minutes before and 8 minutes
    after their time."""
    rng = random.Random(seed)
    visits: list[Visit] = []
    on_time: set[int] = set()
    late: set[int] = set()

    def service_time() -> float:
        return min(30.0, max(1.0, rng.expovariate(1 / SERVICE_MINUTES)))

    moment = OPENS
    while True:
        moment += timedelta(minutes=rng.expovariate(walk_ins_per_hour / 60))
        if moment > LAST_ARRIVAL:
            break
        draw = rng.random()
        priority = "elderly" if draw < 0.10 else "disabled" if draw < 0.15 else "none"
        visits.append(Visit(len(visits) + 1, "svc", moment, service_time(), priority))
    capacity = slot_capacity(COUNTERS, SLOT_MINUTES, SERVICE_MINUTES, WALK_IN_SHARE)
    slot = OPENS
    while slot < LAST_ARRIVAL:
        for place in range(1, capacity + 1):
            if rng.random() >= booked_share:
                continue
            time = visit_time(slot, place, capacity, SLOT_MINUTES)  # the booking's own time in the slot
            fate = rng.random()
            visit_id = len(visits) + 1
            if fate < 0.10:
                continue  # a no-show: its slot's time goes to walk-ins
            if fate < 0.25:
                arrives = time + timedelta(minutes=rng.uniform(CHECK_IN_AFTER + 1, 40))
                visits.append(Visit(visit_id, "svc", arrives, service_time()))
                late.add(visit_id)
            else:
                arrives = max(OPENS, time + timedelta(minutes=rng.uniform(-25, 8)))
                visits.append(Visit(visit_id, "svc", arrives, service_time(), "appointment", time))
                on_time.add(visit_id)
        slot += timedelta(minutes=SLOT_MINUTES)
    desks = [Desk(str(n + 1), ("svc",), OPENS, CLOSES + timedelta(hours=2)) for n in range(COUNTERS)]
    return BusyDay(visits, desks, on_time, late)
