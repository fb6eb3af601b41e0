"""Staffing advice: which counters to open, hour by hour, to keep the wait under a target, answered by
simulating the day (domain/simulation.py: the server's own call-next policy) with visitors drawn from the
centre's own history (services/staffing.py fits it). Pure and seeded: the same question, the same answer.

The rule (docs/staffing.md): an hour meets the target when, in every service, the visitors who arrive in
that hour wait no longer than the target on average over the simulated days. The advised roster is found
greedily: start from each body's offered load (the counters its work needs if nobody ever waited), then,
at the earliest hour that misses the target, open the closed counter that serves the worst service
first (its first tier), and simulate again; a body whose counters are all open in that hour is left there
and marked short."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from .simulation import Day, Desk, Visit, simulate
from .tickets import PriorityClass

MAX_LEGS = 5  # a drawn visit goes on to at most this many services (transfers and family visits)


@dataclass(frozen=True)
class Demand:
    """One service on one weekday, as its history says: visitors issued per clock hour (the mean of the
    days seen), the service times seen (minutes, drawn as they came), each priority class's share, and
    where visitors go on to afterwards (a transfer or a family visit's next service), with what chance."""

    service: str
    arrivals: tuple[float, ...]  # 24 hourly means, walk-ins only (booked visits come as appointments)
    minutes: tuple[float, ...]
    priorities: Mapping[str, float] = field(default_factory=dict)
    onward: Mapping[str, float] = field(default_factory=dict)

    @property
    def mean_minutes(self) -> float:
        return sum(self.minutes) / len(self.minutes) if self.minutes else 0.0


@dataclass(frozen=True)
class CounterPlan:
    """A counter that can be opened: its code, its services in tier order, and its body (the group it is
    counted in: "three Interior counters")."""

    code: str
    services: tuple[str, ...]
    body: str


Roster = dict[int, frozenset[str]]  # clock hour -> the counters open in it


@dataclass(frozen=True)
class Shift:
    """One shift of the planned day (local time): it opens, issues its last ticket, and its counters may
    call until `stops` (the closing time plus the grace)."""

    opens: datetime
    last_ticket: datetime
    stops: datetime

    @property
    def hours(self) -> range:
        """The clock hours in which visitors arrive."""
        return range(self.opens.hour, (self.last_ticket - timedelta(microseconds=1)).hour + 1)


@dataclass(frozen=True)
class Hours:
    """The planned day: its date and its shifts, by opening time."""

    day: date
    shifts: tuple[Shift, ...]

    @property
    def hours(self) -> list[int]:
        return sorted({hour for shift in self.shifts for hour in shift.hours})

    @property
    def ends(self) -> datetime:
        return max(shift.stops for shift in self.shifts)


@dataclass(frozen=True)
class Rules:
    boosts: Mapping[str, int]
    max_consecutive: int


@dataclass
class Forecast:
    """Per service and clock hour, the mean wait of the visitors who arrive then (None: nobody does), and
    per hour whether the roster was short of counters to meet the target."""

    waits: dict[str, dict[int, float]]
    arrivals: dict[str, dict[int, float]]  # the mean number arriving per hour

    def worst(self, services: Iterable[str], hour: int) -> tuple[str | None, float]:
        worst: tuple[str | None, float] = (None, 0.0)
        for service in services:
            wait = self.waits.get(service, {}).get(hour)
            if wait is not None and wait > worst[1]:
                worst = (service, wait)
        return worst


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's, in pieces so that large means do not underflow)."""
    count = 0
    while mean > 0:
        step = min(mean, 30.0)
        mean -= step
        limit, product = math.exp(-step), rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
    return count


def _pick(rng: random.Random, shares: Mapping[str, float]) -> str | None:
    draw = rng.random()
    for key, share in shares.items():
        draw -= share
        if draw < 0:
            return key
    return None


def _minutes(rng: random.Random, demand: Demand) -> float:
    """A service time as history has it: a kept time (whole minutes) spread over its minute."""
    if not demand.minutes:
        return 1.0
    return max(0.2, rng.choice(demand.minutes) + rng.uniform(-0.5, 0.5))


def draw_visits(
    demands: Mapping[str, Demand],
    hours: Hours,
    rng: random.Random,
    booked: Sequence[tuple[str, datetime]] = (),
    window: tuple[datetime, datetime] | None = None,
) -> list[Visit]:
    """One possible day: walk-ins by the clock hour (Poisson, spread over the hour's intake time), each
    with a service time, a priority class and the services it goes on to; plus the booked visits at their
    times (checked in a few minutes early, called at their time). `window`: only the visitors who arrive
    in it (the rest of today, for live advice: a thinned Poisson draw is still one)."""
    visits: list[Visit] = []

    def legs_after(service: str) -> tuple[tuple[str, float], ...]:
        later: list[tuple[str, float]] = []
        while len(later) < MAX_LEGS - 1:
            onward = _pick(rng, demands[service].onward) if service in demands else None
            if onward is None or onward not in demands:
                break
            later.append((onward, _minutes(rng, demands[onward])))
            service = onward
        return tuple(later)

    for demand in demands.values():
        for shift in hours.shifts:
            for hour in shift.hours:
                start = max(shift.opens, datetime.combine(hours.day, time(hour)))
                end = min(shift.last_ticket, datetime.combine(hours.day, time(hour)) + timedelta(hours=1))
                for _ in range(_poisson(rng, demand.arrivals[hour])):
                    arrives = start + (end - start) * rng.random()
                    priority = _pick(rng, demand.priorities) or PriorityClass.NONE.value
                    visits.append(
                        Visit(0, demand.service, arrives, _minutes(rng, demand), priority,
                              later=legs_after(demand.service))
                    )  # fmt: skip
    for service, at in booked:
        if service in demands:
            arrives = at - timedelta(minutes=rng.uniform(0, 20))
            visits.append(
                Visit(0, service, arrives, _minutes(rng, demands[service]), PriorityClass.APPOINTMENT.value, at)
            )
    if window is not None:
        visits = [v for v in visits if window[0] <= v.arrives < window[1]]
    visits.sort(key=lambda v: v.arrives)
    return [Visit(n + 1, v.service, v.arrives, v.service_minutes, v.priority, v.queued_at, v.later)
            for n, v in enumerate(visits)]  # fmt: skip


def desks_of(roster: Roster, counters: Sequence[CounterPlan], hours: Hours) -> list[Desk]:
    """The simulator's desks: each counter open for its runs of consecutive hours within a shift; a run
    that reaches the shift's last intake hour goes on calling until the shift stops."""
    desks = []
    for shift in hours.shifts:
        last = shift.hours[-1]
        for counter in counters:
            open_hours = [h for h in shift.hours if counter.code in roster.get(h, frozenset())]
            runs: list[list[int]] = []
            for hour in open_hours:
                if runs and hour == runs[-1][-1] + 1:
                    runs[-1].append(hour)
                else:
                    runs.append([hour])
            for run in runs:
                opens = max(shift.opens, datetime.combine(hours.day, time(run[0])))
                closes = datetime.combine(hours.day, time(0)) + timedelta(hours=run[-1] + 1)
                desks.append(Desk(counter.code, counter.services, opens, shift.stops if run[-1] == last else closes))
    return desks


def forecast(
    days: Sequence[Sequence[Visit]],
    roster: Roster,
    counters: Sequence[CounterPlan],
    hours: Hours,
    rules: Rules,
    pause: Callable[[], None] = lambda: None,
) -> Forecast:
    """Simulate each drawn day with the roster; per service and hour of arrival, the mean wait over all
    days (a visitor never called waits until the counters stop: being sent home is the worst wait)."""
    desks = desks_of(roster, counters, hours)
    total: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    count: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for visits in days:
        day: Day = simulate(visits, desks, rules.boosts, rules.max_consecutive) if desks else Day()
        pause()  # a server lets its other requests run between two simulated days
        for visit in visits:
            wait = day.wait_minutes(visit)
            if wait is None:
                wait = (hours.ends - max(visit.arrives, visit.place)).total_seconds() / 60
            total[visit.service][visit.arrives.hour] += wait
            count[visit.service][visit.arrives.hour] += 1
    waits = {s: {h: total[s][h] / n for h, n in per.items()} for s, per in count.items()}
    arrivals = {s: {h: n / max(1, len(days)) for h, n in per.items()} for s, per in count.items()}
    return Forecast(waits, arrivals)


def offered_counters(demands: Mapping[str, Demand], services: Iterable[str], hour: int) -> int:
    """The counters a body's work needs in an hour if nobody ever waited (its offered load, rounded up)."""
    load = sum(demands[s].arrivals[hour] * demands[s].mean_minutes / 60 for s in services if s in demands)
    return math.ceil(load - 1e-9)


def first_choice(closed: Sequence[CounterPlan], service: str) -> CounterPlan | None:
    """The closed counter that serves `service` earliest in its tiers (then in configured order)."""
    serving = [c for c in closed if service in c.services]
    return min(serving, key=lambda c: c.services.index(service)) if serving else None


def starting_roster(demands: Mapping[str, Demand], counters: Sequence[CounterPlan], hours: Hours) -> Roster:
    """Each body's offered load in every hour, spread over its services by their load: a lower bound the
    search starts from (fewer counters than this can only fall further behind)."""
    roster: Roster = {}
    bodies = sorted({c.body for c in counters})
    for hour in hours.hours:
        chosen: list[str] = []
        for body in bodies:
            mine = [c for c in counters if c.body == body]
            services = {s for c in mine for s in c.services}
            need = min(len(mine), offered_counters(demands, services, hour))
            load = {s: demands[s].arrivals[hour] * demands[s].mean_minutes for s in services if s in demands}
            opened: dict[str, int] = defaultdict(int)
            closed = list(mine)
            for _ in range(need):
                service = max(load, key=lambda s: load[s] / (1 + opened[s]))
                counter = first_choice(closed, service) or closed[0]
                closed.remove(counter)
                chosen.append(counter.code)
                opened[counter.services[0]] += 1
        roster[hour] = frozenset(chosen)
    return roster


@dataclass
class Plan:
    """The advised roster, its forecast, and the hours in which a body could not meet the target even
    with all its counters open."""

    roster: Roster
    forecast: Forecast
    short: set[tuple[str, int]]  # (body, hour)
    rounds: int


def smallest_roster(
    days: Sequence[Sequence[Visit]],
    counters: Sequence[CounterPlan],
    hours: Hours,
    rules: Rules,
    target: float,
    demands: Mapping[str, Demand],
    pause: Callable[[], None] = lambda: None,
) -> Plan:
    """The greedy search of the module's docstring, every body at once: each round opens, in each body
    that misses the target somewhere, one counter at its earliest failing hour, and simulates again."""
    roster = starting_roster(demands, counters, hours)
    short: set[tuple[str, int]] = set()
    bodies = sorted({c.body for c in counters})
    rounds = 0
    while True:
        rounds += 1
        result = forecast(days, roster, counters, hours, rules, pause)
        changed = False
        for body in bodies:
            mine = [c for c in counters if c.body == body]
            services = sorted({s for c in mine for s in c.services})
            missed_before = False  # a run of missed hours is mended from its first hour
            for hour in hours.hours:
                worst, wait = result.worst(services, hour)
                missed = worst is not None and wait > target
                if worst is not None and missed and not missed_before and (body, hour) not in short:
                    closed = [c for c in mine if c.code not in roster.get(hour, frozenset())]
                    counter = first_choice(closed, worst)
                    if counter is None:
                        short.add((body, hour))
                    else:
                        roster[hour] = roster.get(hour, frozenset()) | {counter.code}
                        changed = True
                missed_before = missed and (body, hour) not in short
        if not changed:
            return Plan(roster, result, short, rounds)


def body_of(counters: Sequence[CounterPlan], roster: Roster, hour: int) -> dict[str, int]:
    """Per body, how many of its counters the roster opens in the hour."""
    open_codes = roster.get(hour, frozenset())
    counts: dict[str, int] = defaultdict(int)
    for counter in counters:
        counts[counter.body] += counter.code in open_codes
    return dict(counts)
