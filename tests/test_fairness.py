"""Fairness of call-next, stated and tested without a database: twenty busy mornings (drawn from fixed
seeds, so every run replays the same days) of walk-ins, elderly and disabled visitors, and booked visits
that come early, on time, late or not at all, simulated with the very policy the server uses. The bounds
are the ones docs/appointments.md states."""

from __future__ import annotations

import statistics
from dataclasses import replace

import pytest

from queue_app.domain.simulation import Day, Visit, simulate
from tests.support.busy_day import BOOSTS, MAX_CONSECUTIVE, BusyDay, busy_day

SEEDS = range(20)


def run(day: BusyDay) -> Day:
    return simulate(day.visits, day.desks, BOOSTS, MAX_CONSECUTIVE)


def in_arrival_order(visits: list[Visit]) -> list[Visit]:
    """The same day without appointments: every booked visitor is a walk-in from when they arrive."""
    return [replace(v, priority="none", queued_at=None) if v.priority == "appointment" else v for v in visits]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_busy_morning_keeps_every_class_within_its_bounds(seed: int) -> None:
    day = busy_day(seed)
    served = run(day)
    waits = {v.id: served.wait_minutes(v) for v in day.visits}
    assert None not in waits.values(), "someone was never called"

    booked = sorted(waits[i] or 0.0 for i in day.on_time)
    assert booked[int(0.9 * len(booked))] <= 6  # nine checked-in appointments in ten: within 6 minutes
    assert booked[-1] <= 15  # and none waits more than 15 minutes past its time

    regular = [v for v in day.visits if v.priority == "none"]
    baseline = simulate(in_arrival_order(day.visits), day.desks, BOOSTS, MAX_CONSECUTIVE)
    ours = [waits[v.id] or 0.0 for v in regular]
    plain = [baseline.wait_minutes(v) or 0.0 for v in regular]
    # what appointments cost walk-ins, against the same day served in arrival order
    assert statistics.mean(ours) <= 1.25 * statistics.mean(plain) + 1
    assert max(ours) <= 1.6 * max(plain)

    priority = [waits[v.id] or 0.0 for v in day.visits if v.priority in ("elderly", "disabled")]
    assert statistics.mean(priority) <= statistics.mean(ours)  # the elderly and disabled wait less ...
    assert max(priority) <= max(ours) + 5  # ... and never much longer than the longest regular wait


def test_the_late_and_the_no_shows_cost_the_others_nothing() -> None:
    """A late visitor is a walk-in from when they come; a no-show holds nothing in the queue."""
    day = busy_day(3)
    served = run(day)
    for visit_id in day.late:
        visit = next(v for v in day.visits if v.id == visit_id)
        assert visit.priority == "none" and visit.queued_at is None
        assert served.called[visit_id] >= visit.arrives
