"""The planner of family visits against the visitor's own order, on simulated busy days.

    .venv/bin/python bench/visits.py [--days 50] [--family-share 0.2]

Each day (tests/support/family_day.py, one seed each) is a hall of five services of different bodies,
unequal in desks and service time, a rush from 9:00 to 11:00, and one visitor in five a family visit of
two to four services (1-3 transactions each) asked in a random order. Every day is served twice by the
discrete-event simulator (queue_app/domain/simulation.py, the server's own call-next policy), once per
rule of the planner (domain/visits.py: free_first, shortest_wait, as_given: the visitor's order). Every
rule keeps the visit's place in time from leg to leg. Figures: minutes in the centre (arrival to the end
of the last service) of the families and of everyone else, and everyone's minutes in all.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from queue_app.domain.simulation import planner, simulate  # noqa: E402
from queue_app.domain.visits import PlanRule  # noqa: E402
from tests.support.family_day import BOOSTS, MAX_CONSECUTIVE, family_day  # noqa: E402


def figures(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "mean": round(statistics.fmean(ordered), 1),
        "median": round(statistics.median(ordered), 1),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=50)
    parser.add_argument("--family-share", type=float, default=0.2)
    args = parser.parse_args()
    names = [rule.value for rule in PlanRule]
    families: dict[str, list[float]] = {name: [] for name in names}
    others: dict[str, list[float]] = {name: [] for name in names}
    unfinished = 0
    started = time.perf_counter()
    for seed in range(args.days):
        day = family_day(seed, args.family_share)
        runs = {
            rule.value: simulate(day.visits, day.desks, BOOSTS, MAX_CONSECUTIVE, planner(rule)) for rule in PlanRule
        }
        for visit in day.visits:
            times = {name: run.minutes_in_centre(visit) for name, run in runs.items()}
            if None in times.values():
                unfinished += 1  # still waiting when the counters closed: left out of every rule's figures
                continue
            into = families if visit.id in day.families else others
            for name, minutes in times.items():
                into[name].append(float(minutes or 0.0))
    seconds = time.perf_counter() - started
    given = PlanRule.AS_GIVEN.value
    print(f"{args.days} days, {len(families[given])} family visits, {len(others[given])} other visitors")
    print(f"  left out (unfinished at closing under some rule): {unfinished}; simulated in {seconds:.1f} s")
    for title, group in (("family visits", families), ("everyone else", others)):
        print(f"minutes in the centre, {title} (change against the visitor's own order):")
        base = figures(group[given])
        for name in names:
            mine = figures(group[name])
            change = " ".join(f"{k} {100 * (mine[k] - base[k]) / base[k]:+.1f} %" for k in mine)
            print(f"  {name:<14} {mine}  {'' if name == given else change}")
    total = {name: sum(families[name]) + sum(others[name]) for name in names}
    print("everyone's minutes in the centre, in all:")
    for name in names:
        print(f"  {name:<14} {total[name]:,.0f}  {100 * (total[name] - total[given]) / total[given]:+.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
