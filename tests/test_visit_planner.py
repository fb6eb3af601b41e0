"""The planner of family visits (domain/visits.py) on simulated days, with the very call-next policy the
server uses: its default rule must shorten the families' time in the centre against the visitor's own
order without making anyone else wait longer (docs/visits.md). Replays fixed seeds."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from queue_app.domain.simulation import Desk, Visit, planner, simulate
from queue_app.domain.visits import PlanRule
from tests.support.family_day import BOOSTS, MAX_CONSECUTIVE, family_day

SEEDS = range(10)
T0 = datetime(2026, 11, 22, 7, 30)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_the_short_queue_first_and_the_long_one_kept_for_later() -> None:
    """Six wait for residency, nobody for civil ID: a family asking residency then civil ID is done sooner
    taking civil ID first, and loses nothing in the residency queue, where it keeps its arrival time."""
    desks = [Desk("r", ("residency",), at(0), at(600)), Desk("c", ("civil-id",), at(0), at(600))]
    queue = [Visit(n, "residency", at(0), 10.0) for n in range(1, 7)]
    family = Visit(99, "residency", at(1), 10.0, later=(("civil-id", 5.0),))
    given = simulate([*queue, family], desks, BOOSTS, MAX_CONSECUTIVE)
    planned = simulate([*queue, family], desks, BOOSTS, MAX_CONSECUTIVE, planner(PlanRule.FREE_FIRST))
    assert given.minutes_in_centre(family) == 74  # 59 waiting for residency, 10 there, then 5 at civil ID
    assert planned.minutes_in_centre(family) == 69  # civil ID while the residency queue moves
    assert all(planned.called[v.id] == given.called[v.id] for v in queue)  # nobody behind it lost a minute


def test_free_first_shortens_family_visits_and_costs_nobody_else() -> None:
    planned_families, given_families, planned_singles, given_singles = [], [], [], []
    for seed in SEEDS:
        day = family_day(seed)
        planned = simulate(day.visits, day.desks, BOOSTS, MAX_CONSECUTIVE, planner(PlanRule.FREE_FIRST))
        given = simulate(day.visits, day.desks, BOOSTS, MAX_CONSECUTIVE)
        for visit in day.visits:
            a, b = planned.minutes_in_centre(visit), given.minutes_in_centre(visit)
            if a is None or b is None:
                continue  # still waiting when the counters closed (on both sides of the comparison)
            if visit.id in day.families:
                planned_families.append(a)
                given_families.append(b)
            else:
                planned_singles.append(a)
                given_singles.append(b)
    assert len(planned_families) > 300
    assert statistics.mean(planned_families) <= 0.97 * statistics.mean(given_families)
    assert statistics.median(planned_families) <= statistics.median(given_families)
    # it sends the family to counters nobody waits for, and passes nobody there: the others lose nothing
    assert statistics.mean(planned_singles) <= 1.01 * statistics.mean(given_singles)
