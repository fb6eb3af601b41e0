"""A discrete-event simulation of a hall's day with the very call-next policy the server uses
(domain/policy.py): visitors arrive, counters call the next one by the policy whenever they are free.
Pure and deterministic: arrivals and service times come in as data (the caller draws them), so a day can
be replayed exactly. Used to check fairness bounds (tests/test_fairness.py) and to plan staffing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .policy import Candidate, order_candidates
from .tickets import PriorityClass


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

    @property
    def place(self) -> datetime:
        return self.queued_at or self.arrives


@dataclass(frozen=True)
class Desk:
    """A counter: the services it calls in order, and its hours."""

    code: str
    services: tuple[str, ...]
    opens: datetime
    closes: datetime


@dataclass
class _DeskState:
    desk: Desk
    free_at: datetime
    streak: int = 0


@dataclass
class Day:
    """What happened: when each visit was called (absent: never, the counters closed first) and by whom."""

    called: dict[int, datetime] = field(default_factory=dict)
    desk_of: dict[int, str] = field(default_factory=dict)

    def wait_minutes(self, visit: Visit) -> float | None:
        """From the later of arrival and place in time (an early appointment waits from its slot)."""
        called = self.called.get(visit.id)
        if called is None:
            return None
        return (called - max(visit.arrives, visit.place)).total_seconds() / 60


def simulate(
    visits: Sequence[Visit],
    desks: Sequence[Desk],
    boosts: Mapping[str, int],
    max_consecutive: int,
) -> Day:
    """Run the day: at every moment a desk is free and someone callable waits, the desk calls the policy's
    first choice. Desks are asked in their order at equal times (as counters racing for the same head)."""
    pending = sorted(visits, key=lambda v: (v.arrives, v.id))
    states = [_DeskState(d, d.opens) for d in desks]
    waiting: dict[int, Visit] = {}
    day = Day()
    arrived = 0
    now = min([d.opens for d in desks] + [v.arrives for v in pending[:1]])
    while True:
        while arrived < len(pending) and pending[arrived].arrives <= now:
            waiting[pending[arrived].id] = pending[arrived]
            arrived += 1
        for state in states:
            if state.free_at > now or not state.desk.opens <= now < state.desk.closes or not waiting:
                continue
            candidates = [Candidate(v.id, v.service, v.priority, v.place) for v in waiting.values()]
            ordered = order_candidates(candidates, state.desk.services, now, boosts, max_consecutive, state.streak)
            if not ordered:
                continue
            visit = waiting.pop(ordered[0].ticket_id)
            day.called[visit.id] = now
            day.desk_of[visit.id] = state.desk.code
            state.free_at = now + timedelta(minutes=visit.service_minutes)
            state.streak = state.streak + 1 if visit.priority != PriorityClass.NONE else 0
        upcoming = [s.free_at for s in states if s.free_at > now and s.free_at < s.desk.closes]
        upcoming += [s.desk.opens for s in states if s.desk.opens > now]
        if arrived < len(pending):
            upcoming.append(pending[arrived].arrives)
        if waiting:  # an appointment's slot may begin while everyone else waits: its turn comes then
            upcoming += [v.place for v in waiting.values() if v.place > now]
        if not upcoming:
            return day
        now = min(upcoming)
