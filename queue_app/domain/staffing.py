"""Staffing advice: which counters to open, hour by hour, to keep the wait under a target, answered by
simulating the day (domain/simulation.py: the server's own call-next policy) with visitors drawn from the
centre's own history (services/staffing.py fits it). Pure and seeded: the same question, the same answer.

The rule (docs/staffing.md): an hour meets the target when, in every service, the visitors who arrive in
that hour wait no longer than the target on average over the simulated days. The advised roster is found
greedily, each body simulated alone: start from its offered load (the counters its work needs if nobody
ever waited) or one less than Erlang C says a steady hour needs; then, at the first hour of each run of
hours that miss the target, open the closed counter that serves the worst service first (its first
tier), and simulate that body again; a body whose counters are all open in that hour is marked short."""

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
            if visit.id < 0:
                continue  # load only (a later leg, cut from its visit for the search)
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


def steady_counters(demands: Mapping[str, Demand], services: Iterable[str], hour: int, target: float) -> int:
    """The counters an hour would need if it went on for ever (Erlang C, the body's services pooled): one
    less is where the search starts (a rush builds a queue that a steady hour does not, and the hours
    before and after it differ: the simulation decides the rest)."""
    wanted = [demands[s] for s in services if s in demands and demands[s].arrivals[hour] > 0]
    rate = sum(d.arrivals[hour] for d in wanted) / 60  # visitors a minute
    if not rate:
        return 0
    minutes = sum(d.arrivals[hour] * d.mean_minutes for d in wanted) / (60 * rate)
    load = rate * minutes
    counters = max(1, math.ceil(load + 1e-9))
    while True:
        term, total = 1.0, 1.0  # a^k / k!, summed for k < counters
        for k in range(1, counters):
            term *= load / k
            total += term
        last = term * load / counters * counters / (counters - load)
        waiting = last / (total + last)  # the chance a visitor waits (Erlang C)
        if waiting * minutes / (counters - load) <= target:
            return counters
        counters += 1


def first_choice(closed: Sequence[CounterPlan], service: str) -> CounterPlan | None:
    """The closed counter that serves `service` earliest in its tiers (then in configured order)."""
    serving = [c for c in closed if service in c.services]
    return min(serving, key=lambda c: c.services.index(service)) if serving else None


def starting_roster(
    demands: Mapping[str, Demand], counters: Sequence[CounterPlan], hours: Hours, target: float | None = None
) -> Roster:
    """Each body's offered load in every hour (and, given a target, one counter less than a steady hour
    would need), spread over its services by their load: where the search starts (fewer counters than
    the load can only fall further behind)."""
    roster: Roster = {}
    bodies = sorted({c.body for c in counters})
    for hour in hours.hours:
        chosen: list[str] = []
        for body in bodies:
            mine = [c for c in counters if c.body == body]
            services = {s for c in mine for s in c.services}
            need = offered_counters(demands, services, hour)
            if target is not None:
                need = max(need, steady_counters(demands, services, hour, target) - 1)
            need = min(len(mine), need)
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
    """The advised roster, and the hours in which a body could not meet the target even with all its
    counters open."""

    roster: Roster
    short: set[tuple[str, int]]  # (body, hour)
    rounds: int


def split_by_body(visits: Sequence[Visit], counters: Sequence[CounterPlan]) -> dict[str, list[Visit]]:
    """A drawn day cut into one day per body, for the search (a body's counters call only its services, so
    each body can be simulated alone, and again only when its roster changed). A visit's legs in another
    body join that body as a visit of their own, when the legs before them would be done if nobody waited,
    keeping the place in time; they are load there, not waits counted (negative ids)."""
    body_of_service: dict[str, str] = {}
    for counter in counters:
        for service in counter.services:
            body_of_service.setdefault(service, counter.body)
    days: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits:
        legs, start, moment = visit.legs, 0, visit.arrives
        while start < len(legs):
            body = body_of_service.get(legs[start][0])
            end = start + 1
            while end < len(legs) and body_of_service.get(legs[end][0]) == body:
                end += 1
            (service, minutes), later = legs[start], legs[start + 1 : end]
            if body is not None:
                piece_id = visit.id if start == 0 else -(visit.id * MAX_LEGS + start)
                days[body].append(Visit(piece_id, service, moment, minutes, visit.priority, visit.place, tuple(later)))
            moment += timedelta(minutes=sum(m for _s, m in legs[start:end]))
            start = end
    return days


def smallest_roster(
    days: Sequence[Sequence[Visit]],
    counters: Sequence[CounterPlan],
    hours: Hours,
    rules: Rules,
    target: float,
    demands: Mapping[str, Demand],
    pause: Callable[[], None] = lambda: None,
) -> Plan:
    """The greedy search of the module's docstring, every body at once, each simulated alone: each round
    opens, in each body that misses the target somewhere, one counter at the first hour of each run of
    missed hours, and simulates that body again."""
    roster = starting_roster(demands, counters, hours, target)
    short: set[tuple[str, int]] = set()
    bodies = sorted({c.body for c in counters})
    cut = [split_by_body(day, counters) for day in days]
    results: dict[str, Forecast] = {}
    changed = set(bodies)
    rounds = 0
    while changed:
        rounds += 1
        for body in changed:
            mine = [c for c in counters if c.body == body]
            results[body] = forecast([day.get(body, []) for day in cut], roster, mine, hours, rules, pause)
        changed = set()
        for body in bodies:
            mine = [c for c in counters if c.body == body]
            services = sorted({s for c in mine for s in c.services})
            missed_before = False  # a run of missed hours is mended from its first hour
            for hour in hours.hours:
                worst, wait = results[body].worst(services, hour)
                missed = worst is not None and wait > target
                if worst is not None and missed and not missed_before and (body, hour) not in short:
                    closed = [c for c in mine if c.code not in roster.get(hour, frozenset())]
                    counter = first_choice(closed, worst)
                    if counter is None:
                        short.add((body, hour))
                    else:
                        roster[hour] = roster.get(hour, frozenset()) | {counter.code}
                        changed.add(body)
                missed_before = missed and (body, hour) not in short
    return Plan(roster, short, rounds)
