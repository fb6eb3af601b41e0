"""Staffing advice from a centre's own history. What visitors ask of each service on a weekday is fitted
from the same weekdays of the last weeks, as the reports keep them (services/reports.py: arrivals by
hour, service times, priority classes, who goes on to which service, which counters called in which
hour); the day is then simulated with the server's own call-next policy (domain/staffing.py).

- `plan`: a day and a target wait -> per body and hour the usual counters and their expected wait, and
  the smallest roster that keeps every service under the target (docs/staffing.md);
- the board's live advice builds on the same fit: services/staffing_advice.py."""

from __future__ import annotations

import random
import time as time_module
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.calendar import as_utc, local_time
from ..domain.errors import InvalidInput
from ..domain.staffing import (
    CounterPlan,
    Demand,
    Hours,
    Roster,
    Rules,
    Shift,
    draw_visits,
    forecast,
    smallest_roster,
)
from ..domain.tickets import PriorityClass
from ..offload import let_others_run
from ..settings.hall import Service as ServiceConfig
from ..store.database import Database
from ..store.models import Appointment
from . import reports
from .calendar import calendar_of
from .catalog import CentreCatalog

T = TypeVar("T")
HISTORY_WEEKS = 8  # the same weekday of the last eight weeks the centre was open
DAYS_FORECAST = 16  # simulated days behind each expected wait shown (fewer: too noisy per hour, bench/staffing.py)
DAYS_SEARCHED = 6  # of which the search for the smallest roster simulates, body by body, round after round
MAX_SAMPLES = 2000  # service times drawn from, per service
PROFILE_WEIGHT = 50  # visitors' worth of its body's hours a service's own hours are drawn towards


DEFAULT_TARGET = 20  # minutes, when the supervisor does not say
PLAN_SECONDS = 300  # a plan reads finished days only: it changes with new bookings, seldom
PLAN_DAYS = 366  # how far from today a plan may be asked for (history is kept for a year)


def check_target(value: str | None) -> int:
    """The target wait asked for: whole minutes from 1 to 600 (default 20)."""
    try:
        target = int(value) if value else DEFAULT_TARGET
    except ValueError:
        raise InvalidInput("invalid_target_wait") from None
    if not 1 <= target <= 600:
        raise InvalidInput("invalid_target_wait")
    return target


def cached(centre: CentreCatalog, key: tuple[Any, ...], seconds: float, work: Callable[[], T]) -> T:
    """The answer to `key` if this process computed it less than `seconds` ago, else `work()` (kept)."""
    cache = centre.staffing_cache if isinstance(centre.staffing_cache, dict) else {}
    centre.staffing_cache = cache
    hit = cache.get(key)
    if hit is not None and time_module.monotonic() - hit[0] < seconds:
        return hit[1]  # type: ignore[no-any-return]
    value = work()
    cache[key] = (time_module.monotonic(), value)
    return value


def plan_of(db: Database, centre: CentreCatalog, day: date, target: int, now: datetime) -> dict[str, Any]:
    """`plan`, answered again from memory for PLAN_SECONDS (the page, its reloads and the API share it)."""
    today = local_time(now, centre.config.tz).date()
    if abs((day - today).days) > PLAN_DAYS:
        raise InvalidInput("invalid_date_span", first=today.isoformat(), last=day.isoformat())

    def work() -> dict[str, Any]:
        with db.reading() as session:
            return plan(session, centre, day, target, now)

    return cached(centre, ("plan", day, target), PLAN_SECONDS, work)


@dataclass
class History:
    """What the centre's own history says about one weekday: per service the demand, the counters
    usually open per hour (those that called on at least half of the days seen), and how many days."""

    demands: dict[str, Demand]
    usual: Roster
    days_seen: list[date]


def _past_weekdays(session: Session, centre: CentreCatalog, day: date, now: datetime) -> list[date]:
    """The same weekday as `day`, before today, on which the centre was open: the last `HISTORY_WEEKS`."""
    calendar = calendar_of(session, centre, now)
    today = local_time(now, centre.config.tz).date()
    seen: list[date] = []
    candidate = day - timedelta(days=7)
    while len(seen) < HISTORY_WEEKS and (day - candidate).days <= 7 * 52:
        if candidate < today and calendar.shifts_on(candidate):
            seen.append(candidate)
        candidate -= timedelta(days=7)
    return seen


def _samples(histogram: dict[str, int]) -> tuple[float, ...]:
    """The kept times (whole minutes -> how many), as at most `MAX_SAMPLES` values in their proportions."""
    total = sum(histogram.values())
    scale = min(1.0, MAX_SAMPLES / total) if total else 1.0
    return tuple(float(m) for m, n in sorted(histogram.items()) for _ in range(max(1, round(n * scale))))


def _smoothed(counts: list[int], profile: list[int]) -> list[float]:
    """A service's arrivals by hour, its hours drawn towards its body's (`PROFILE_WEIGHT` visitors' worth):
    eight weeks of a small service say little about each of its hours, its body's say more (the
    back-test: the hourly waits' error falls from ~21 % to ~14 %, bench/staffing.py)."""
    total, body_total = sum(counts), sum(profile)
    if not body_total:
        return [float(n) for n in counts]
    return [
        total * (n + PROFILE_WEIGHT * b / body_total) / (total + PROFILE_WEIGHT)
        for n, b in zip(counts, profile, strict=True)
    ]


def _demand(
    centre: CentreCatalog, service: ServiceConfig, seen: reports.ServiceDay, arrivals: list[float], days: list[date]
) -> Demand:
    """One service's demand from its merged days: walk-ins only (booked visits are planned from their
    bookings), its classes' shares, where its visitors go on to, its service times."""
    booked = seen.priorities.get(PriorityClass.APPOINTMENT.value, 0)
    walk_in_share = 1 - booked / seen.issued if seen.issued else 1.0
    per_day = tuple(n * walk_in_share / max(1, len(days)) for n in arrivals)
    shares = {
        p: seen.priorities.get(p, 0) / seen.issued
        for p in (PriorityClass.ELDERLY.value, PriorityClass.DISABLED.value)
        if seen.issued
    }
    onward_total = sum(seen.onward.values())
    onward = {
        centre.service_code(int(target)): count / max(seen.served, onward_total)
        for target, count in seen.onward.items()
        if int(target) in centre.service_ids.values()
    }
    return Demand(service.code, per_day, _samples(seen.service_times) or (service.minutes,), shares, onward)


def history(session: Session, centre: CentreCatalog, day: date, now: datetime) -> History:
    """Fit the weekday of `day` from the kept days (today's events are never read: today is not over)."""
    days = _past_weekdays(session, centre, day, now)
    merged: dict[int, reports.ServiceDay] = defaultdict(reports.ServiceDay)
    called_in: dict[int, list[int]] = defaultdict(lambda: [0] * 24)  # counter id -> days it called, per hour
    for facts in reports.days_of(session, centre, days):
        hours_of: dict[str, int] = defaultdict(int)
        for service_id, service_day in facts.items():
            merged[service_id].add(service_day)
            for counter, bits in service_day.desks.items():
                hours_of[counter] |= bits
        for counter, bits in hours_of.items():
            for hour in range(24):
                called_in[int(counter)][hour] += bits >> hour & 1
    weekday = day.weekday()
    demands = {}
    for body in centre.config.bodies:
        mine = [merged.get(centre.service_ids[s.code], reports.ServiceDay()) for s in body.services]
        profile = [sum(seen.arrivals[weekday][hour] for seen in mine) for hour in range(24)]
        for service, seen in zip(body.services, mine, strict=True):
            demands[service.code] = _demand(centre, service, seen, _smoothed(seen.arrivals[weekday], profile), days)
    known = {counter_id: code for code, counter_id in centre.counter_ids.items()}
    usual: Roster = {
        hour: frozenset(
            known[c] for c, per_hour in called_in.items() if c in known and 2 * per_hour[hour] >= max(1, len(days))
        )
        for hour in range(24)
    }
    return History(demands, usual, days)


def counter_plans(centre: CentreCatalog) -> list[CounterPlan]:
    """The centre's counters as the planner opens them, each counted in the body of its first service."""
    plans = []
    for counter in centre.config.counters:
        body = centre.config.body_of(counter.services[0])
        plans.append(CounterPlan(counter.code, tuple(counter.services), body.code if body else ""))
    return plans


def hours_of(session: Session, centre: CentreCatalog, day: date, now: datetime) -> Hours:
    """The day's shifts (none on a closed day), with the grace in which the queue may still be called."""
    grace = timedelta(minutes=centre.config.calendar.grace_minutes)
    shifts = tuple(
        Shift(
            datetime.combine(day, s.open), datetime.combine(day, s.last_ticket), datetime.combine(day, s.close) + grace
        )
        for s in calendar_of(session, centre, now).shifts_on(day)
    )
    return Hours(day, shifts)


def rules_of(centre: CentreCatalog) -> Rules:
    return Rules(centre.config.priority.boosts(), centre.config.priority.max_consecutive)


def booked_on(session: Session, centre: CentreCatalog, day: date) -> list[tuple[str, datetime]]:
    """The day's booked visits still to come: (service, the visitor's own time, local)."""
    tz = centre.config.tz
    start = as_utc(datetime.combine(day, time(0), tzinfo=tz))
    rows = session.execute(
        select(Appointment.service_id, Appointment.visit_at).where(
            Appointment.centre_id == centre.id,
            Appointment.status == "booked",
            Appointment.visit_at >= start,
            Appointment.visit_at < start + timedelta(days=1),
        )
    )
    return [(centre.service_code(s), local_time(at, tz).replace(tzinfo=None)) for s, at in rows]


def plan(session: Session, centre: CentreCatalog, day: date, target: float, now: datetime) -> dict[str, Any]:
    """The plan of a day: per body and hour, the usual counters and their expected worst wait, and the
    advised (smallest) counters and theirs; hours a body cannot meet the target with all its counters."""
    hours = hours_of(session, centre, day, now)
    seen = history(session, centre, day, now)
    counters = counter_plans(centre)
    result: dict[str, Any] = {"day": day.isoformat(), "target": target, "days_seen": len(seen.days_seen)}
    if not hours.shifts:
        return {**result, "closed": True, "bodies": []}
    rng = random.Random(f"{centre.code}:{day.isoformat()}")  # the same question, the same answer
    booked = booked_on(session, centre, day)
    days = [draw_visits(seen.demands, hours, rng, booked) for _ in range(DAYS_FORECAST)]
    rules = rules_of(centre)
    usual = {h: seen.usual.get(h, frozenset()) for h in hours.hours}
    as_usual = forecast(days, usual, counters, hours, rules, let_others_run)
    advised = smallest_roster(days[:DAYS_SEARCHED], counters, hours, rules, target, seen.demands, let_others_run)
    as_advised = forecast(days, advised.roster, counters, hours, rules, let_others_run)
    bodies = []
    for body in centre.config.bodies:
        mine = [c for c in counters if c.body == body.code]
        services = [s.code for s in body.services]
        rows = []
        for hour in hours.hours:
            arriving = sum(as_usual.arrivals.get(s, {}).get(hour, 0.0) for s in services)
            rows.append(
                {
                    "hour": hour,
                    "arrivals": round(arriving, 1),
                    "usual": sum(c.code in usual[hour] for c in mine),
                    "usual_wait": _rounded(as_usual.worst(services, hour)),
                    "advised": sorted((c.code for c in mine if c.code in advised.roster.get(hour, ())), key=_natural),
                    "advised_wait": _rounded(as_advised.worst(services, hour)),
                    "short": (body.code, hour) in advised.short,
                }
            )
        bodies.append({"body": body.code, "counters": len(mine), "hours": rows})
    return {**result, "closed": False, "bodies": bodies}


def _rounded(worst: tuple[str | None, float]) -> dict[str, Any]:
    return {"service": worst[0], "minutes": round(worst[1])}


def _natural(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (10**6, code)
