"""A discrete-event simulation of a hall's day with the very call-next policy the server uses
(domain/policy.py): visitors arrive, counters call the next one by the policy whenever they are free.
Pure and deterministic: arrivals and service times come in as data (the caller draws them), so a day can
be replayed exactly. Used to check fairness bounds (tests/test_fairness.py) and to plan staffing."""

from __future__ import annotations

import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from .policy import Candidate, order_candidates
from .tickets import PriorityClass
from .visits import LegOption, PlanRule, next_leg


@dataclass(frozen=True)
class Visit:
    """One ticket: when it can be called (`arrives`), its place in time (`queued_at`: the arrival, or an
    appointment's slot), its class, and how long its service takes."""

    id: int
    service: str
    arrives: datetime
    service_minutes: float
    priority: str = PriorityClass.NONE.value
    queued_at: datetime | None = None
    later: tuple[tuple[str, float], ...] = ()  # a family visit's other legs: (service, minutes), visitor's order

    @property
    def place(self) -> datetime:
        return self.queued_at or self.arrives

    @property
    def legs(self) -> tuple[tuple[str, float], ...]:
        return ((self.service, self.service_minutes), *self.later)


@dataclass(frozen=True)
class Desk:
    """A counter: the services it calls in order, and its hours."""

    code: str
    services: tuple[str, ...]
    opens: datetime
    closes: datetime


Legs = tuple[tuple[str, float], ...]  # (service, minutes) of the legs a visit has still to do


@dataclass
class _DeskState:
    desk: Desk
    free_at: datetime
    streak: int = 0


@dataclass
class Day:
    """What happened: when each visit was first called (absent: never, the counters closed first) and by
    whom, and when it left (its last leg served)."""

    called: dict[int, datetime] = field(default_factory=dict)
    desk_of: dict[int, str] = field(default_factory=dict)
    left: dict[int, datetime] = field(default_factory=dict)

    def minutes_in_centre(self, visit: Visit) -> float | None:
        """From arrival to the end of the visit's last leg."""
        left = self.left.get(visit.id)
        return (left - visit.arrives).total_seconds() / 60 if left is not None else None

    def wait_minutes(self, visit: Visit) -> float | None:
        """From the later of arrival and place in time (an early appointment waits from its slot)."""
        called = self.called.get(visit.id)
        if called is None:
            return None
        return (called - max(visit.arrives, visit.place)).total_seconds() / 60


# Which leg a family visit does next: (the visit's legs still to do, its place in time, the tickets
# waiting now, the desks, now) -> the index of the leg. None: the visitor's own order.
NextLeg = Callable[[Sequence[tuple[str, float]], datetime, Sequence[Visit], Sequence[Desk], datetime], int]


def planner(rule: PlanRule) -> NextLeg:
    """A planner's rule (domain/visits.py) on the simulated hall: per leg, the visits queued ahead of the
    visit's place in that service, and their work shared by the desks open for it."""

    def plan(
        legs: Sequence[tuple[str, float]],
        place: datetime,
        waiting: Sequence[Visit],
        desks: Sequence[Desk],
        now: datetime,
    ) -> int:
        options = []
        for index, (service, _minutes) in enumerate(legs):
            ahead = [v for v in waiting if v.service == service and v.place < place]
            open_desks = sum(1 for d in desks if service in d.services and d.opens <= now < d.closes)
            work = sum(v.service_minutes for v in ahead)
            options.append(LegOption(index, service, work / open_desks if open_desks else float("inf"), len(ahead)))
        return next_leg(options, rule).position

    return plan


def simulate(
    visits: Sequence[Visit],
    desks: Sequence[Desk],
    boosts: Mapping[str, int],
    max_consecutive: int,
    plan: NextLeg | None = None,
) -> Day:
    """Run the day: at every moment a desk is free and someone callable waits, the desk calls the policy's
    first choice. Desks are asked in their order at equal times (as counters racing for the same head).
    A family visit is served one leg at a time and keeps its place in time from leg to leg; `plan` picks
    each next leg (at arrival too), else they go in the visitor's order. The waiting are kept per service
    and the moments to come in heaps, so a desk reads only its own queues (a day of a 26-service hall runs
    in a fraction of a second: staffing advice simulates many)."""
    pending = sorted(visits, key=lambda v: (v.arrives, v.id))
    states = [_DeskState(d, d.opens) for d in desks]
    desks_of_service: dict[str, list[int]] = defaultdict(list)
    for index, desk in enumerate(desks):
        for service in desk.services:
            desks_of_service[service].append(index)
    openings = sorted(d.opens for d in desks)
    waiting: dict[int, Visit] = {}
    queues: dict[str, dict[int, Candidate]] = defaultdict(dict)  # per service, the waiting as the policy sees them
    serving: list[tuple[datetime, int, int, Visit, Legs]] = []  # heap: (ends, n, desk, visit, legs left)
    later_places: list[tuple[datetime, int]] = []  # heap: appointments whose time has not come yet
    remaining: dict[int, Legs] = {}
    day = Day()
    order = itertools.count()  # ties in the serving heap end in the order they began
    arrived = 0
    now = min([d.opens for d in desks] + [v.arrives for v in pending[:1]])
    ask: set[int] = set(range(len(desks)))  # the desks whose turn it may be: all, at first
    idle: set[int] = set()  # free and open, with nobody to call (until someone joins one of their queues)

    def join(visit: Visit, legs: Legs) -> None:
        """The visit joins the queue of the leg it does next, with its place in time."""
        index = plan(legs, visit.place, list(waiting.values()), desks, now) if plan and len(legs) > 1 else 0
        service, minutes = legs[index]
        remaining[visit.id] = legs[:index] + legs[index + 1 :]
        waiting[visit.id] = replace(visit, service=service, service_minutes=minutes, queued_at=visit.place)
        queues[service][visit.id] = Candidate(visit.id, service, visit.priority, visit.place)
        ask.update(d for d in desks_of_service[service] if d in idle)
        if visit.place > now:
            heapq.heappush(later_places, (visit.place, visit.id))

    while True:
        while serving and serving[0][0] <= now:
            ends, _n, desk_index, visit, legs = heapq.heappop(serving)
            ask.add(desk_index)
            if legs:
                join(visit, legs)
            else:
                day.left[visit.id] = ends
        while arrived < len(pending) and pending[arrived].arrives <= now:
            join(pending[arrived], pending[arrived].legs)
            arrived += 1
        while openings and openings[0] <= now:
            opening = openings.pop(0)
            ask.update(i for i, d in enumerate(desks) if d.opens == opening)
        for index in sorted(ask):  # in the desks' order, as before
            state = states[index]
            idle.discard(index)
            if state.free_at > now or not state.desk.opens <= now < state.desk.closes:
                continue
            candidates = [c for service in state.desk.services for c in queues[service].values()]
            ordered = order_candidates(candidates, state.desk.services, now, boosts, max_consecutive, state.streak)
            if not ordered:
                idle.add(index)
                continue
            visit = waiting.pop(ordered[0].ticket_id)
            del queues[visit.service][visit.id]
            day.called.setdefault(visit.id, now)
            day.desk_of.setdefault(visit.id, state.desk.code)
            state.free_at = now + timedelta(minutes=visit.service_minutes)
            heapq.heappush(serving, (state.free_at, next(order), index, visit, remaining.pop(visit.id, ())))
            state.streak = state.streak + 1 if visit.priority != PriorityClass.NONE else 0
        ask.clear()
        upcoming = openings[:1]
        if arrived < len(pending):
            upcoming.append(pending[arrived].arrives)
        if serving:  # a desk's end of service is the end of a visitor's
            upcoming.append(serving[0][0])
        while later_places and (later_places[0][0] <= now or later_places[0][1] not in waiting):
            heapq.heappop(later_places)
        if later_places:  # an appointment's slot may begin while everyone else waits: its turn comes then
            upcoming.append(later_places[0][0])
        if not upcoming:
            return day
        now = min(upcoming)
