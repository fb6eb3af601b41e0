"""What the ticket events say about a centre's service over a span of days (the centre's own dates): per
service, tickets issued, served, missed, cancelled, transferred and closed at closing; waiting and service
times (mean, median, 90th percentile); the share served within the target wait; and the share of visitors
called within the range of minutes they were shown (the promise kept with the `issued` or `checked_in`
event). Also arrivals by weekday and hour, and per clerk and per counter the visitors served.

Waits run from the issue (or the check-in, or a family visit's move to its next service) to the first
call; service from the last call (or the start) to done.

The unit is one service's day (`ServiceDay`), read from the events of that day. A day that is over is
read once and kept in `report_days` (the roll-up, by the reports worker or `flask reports rollup`), so a
month's report adds up thirty stored days per service instead of reading a million events; a day not
rolled up yet (today) is read from its events, so reports are always current (docs/reports.md)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..domain.calendar import as_utc, local_time
from ..domain.errors import InvalidInput
from ..domain.tickets import EventKind
from ..store.models import ReportDay, TicketEvent
from .catalog import Catalog, CentreCatalog

MAX_DAYS = 366
ROLLUP_DAYS_BACK = 7  # the worker rolls up the finished days of the last week that are not stored yet
COUNTED = {
    EventKind.ISSUED: "issued",
    EventKind.DONE: "served",
    EventKind.NO_SHOW: "no_show",
    EventKind.CANCELLED: "cancelled",
    EventKind.EXPIRED: "cancelled",  # a remote hold that ran out: the visitor never came
    EventKind.TRANSFERRED: "transferred",
    EventKind.CLOSED: "closed",
}


@dataclass
class ServiceDay:
    """One service's day: what every report adds up. Plain lists and counts, so that it is stored as JSON
    and days are merged by adding them. Times in minutes, to one decimal."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    transferred: int = 0
    closed: int = 0
    waits: list[float] = field(default_factory=list)
    service_times: list[float] = field(default_factory=list)
    promised: int = 0  # waits measured against a range shown at issue or check-in
    kept: int = 0  # of which called within that range
    arrivals: list[int] = field(default_factory=lambda: [0] * 24)  # issued per hour of the centre's day
    clerks: dict[str, list[float]] = field(default_factory=dict)  # user id -> [served, minutes, out of turn]
    counters: dict[str, list[float]] = field(default_factory=dict)  # counter id -> [served, minutes]

    def add(self, other: ServiceDay) -> None:
        for name in set(COUNTED.values()):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.waits += other.waits
        self.service_times += other.service_times
        self.promised += other.promised
        self.kept += other.kept
        self.arrivals = [a + b for a, b in zip(self.arrivals, other.arrivals, strict=True)]
        for mine, theirs in ((self.clerks, other.clerks), (self.counters, other.counters)):
            for key, values in theirs.items():
                mine[key] = [a + b for a, b in zip(mine.get(key, [0.0] * len(values)), values, strict=True)]


@dataclass
class _Leg:
    """One ticket's story in one queue (a family visit has one per service), as far as the day shows it."""

    since: datetime | None = None  # issued, checked in, or moved on to this service
    promised: tuple[int, int] | None = None
    first_call: datetime | None = None
    service_id: int | None = None  # the queue that called it
    last_call: datetime | None = None
    started: datetime | None = None


def span_of(centre: CentreCatalog, first: date, last: date) -> tuple[datetime, datetime]:
    """The span of the centre's dates `first` to `last` (both included), in stored (naive UTC) time."""
    if last < first or (last - first).days >= MAX_DAYS:
        raise InvalidInput("invalid_date_span", first=first.isoformat(), last=last.isoformat())
    tz = centre.config.tz
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return as_utc(start), as_utc(end)


def day_facts(session: Session, centre: CentreCatalog, day: date) -> dict[int, ServiceDay]:
    """Per service id, what the events of one day of the centre say."""
    start, end = span_of(centre, day, day)
    rows = session.execute(
        select(
            TicketEvent.ticket_id,
            TicketEvent.service_id,
            TicketEvent.kind,
            TicketEvent.at,
            TicketEvent.counter_id,
            TicketEvent.user_id,
            TicketEvent.detail,
        )
        .where(TicketEvent.centre_id == centre.id, TicketEvent.at >= start, TicketEvent.at < end)
        .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
    )
    facts: dict[int, ServiceDay] = defaultdict(ServiceDay)
    legs: dict[tuple[int, int], _Leg] = defaultdict(_Leg)
    leg_of: dict[int, int] = defaultdict(int)
    for ticket_id, service_id, kind, at, counter_id, user_id, detail in rows:
        event, detail = EventKind(kind), detail or {}
        if event == EventKind.TRANSFERRED:  # counted where it left: the event row names the new queue
            service_id = centre.service_ids.get(detail.get("from", ""), service_id)
        if event in COUNTED:
            setattr(facts[service_id], COUNTED[event], getattr(facts[service_id], COUNTED[event]) + 1)
        if event == EventKind.ISSUED:
            facts[service_id].arrivals[local_time(at, centre.config.tz).hour] += 1
        if event == EventKind.NEXT_LEG:  # a family visit's next service: its wait there starts now
            leg_of[ticket_id] += 1
            legs[(ticket_id, leg_of[ticket_id])].since = at
            continue
        leg = legs[(ticket_id, leg_of[ticket_id])]
        if event in (EventKind.ISSUED, EventKind.CHECKED_IN):
            leg.since = at
            eta = detail.get("eta")
            leg.promised = (int(eta[0]), int(eta[1])) if eta else leg.promised
        elif event == EventKind.CALLED:
            if leg.first_call is None:
                leg.first_call, leg.service_id = at, service_id
                if leg.since is not None:
                    _wait(facts[service_id], leg, (at - leg.since).total_seconds() / 60)
            leg.last_call, leg.started = at, None
            if detail.get("out_of_turn") and user_id is not None:
                _tally(facts[service_id].clerks, user_id, (0, 0, 1))
        elif event == EventKind.STARTED:
            leg.started = at
        elif event == EventKind.DONE and leg.last_call is not None:
            minutes = round((at - (leg.started or leg.last_call)).total_seconds() / 60, 1)
            facts[service_id].service_times.append(minutes)
            if user_id is not None:
                _tally(facts[service_id].clerks, user_id, (1, minutes, 0))
            if counter_id is not None:
                _tally(facts[service_id].counters, counter_id, (1, minutes))
    return dict(facts)


def _wait(facts: ServiceDay, leg: _Leg, minutes: float) -> None:
    facts.waits.append(round(minutes, 1))
    if leg.promised is not None:
        facts.promised += 1
        facts.kept += leg.promised[0] <= minutes <= leg.promised[1] + 0.5


def _tally(table: dict[str, list[float]], key: int, values: tuple[float, ...]) -> None:
    current = table.setdefault(str(key), [0.0] * len(values))
    table[str(key)] = [round(a + b, 1) for a, b in zip(current, values, strict=True)]


# -- the roll-up -----------------------------------------------------------------------------------


def rollup(session: Session, centre: CentreCatalog, day: date, now: datetime) -> int:
    """Read a finished day from its events and keep it in `report_days` (again if it was kept before);
    the services stored."""
    facts = day_facts(session, centre, day)
    session.execute(delete(ReportDay).where(ReportDay.centre_id == centre.id, ReportDay.day == day))
    for service_id, service_day in facts.items():
        session.add(
            ReportDay(centre_id=centre.id, service_id=service_id, day=day, facts=asdict(service_day), rolled_at=now)
        )
    return len(facts)


def rollup_finished_days(session: Session, catalog: Catalog, now: datetime) -> int:
    """The reports worker's round: every centre's finished days of the last week not kept yet (a day is
    finished once it is over in the centre's timezone). The days rolled up."""
    done = 0
    for centre in catalog.centres.values():
        today = local_time(now, centre.config.tz).date()
        days = {today - timedelta(days=n) for n in range(1, ROLLUP_DAYS_BACK + 1)}
        kept = set(
            session.scalars(
                select(ReportDay.day).where(ReportDay.centre_id == centre.id, ReportDay.day.in_(days)).distinct()
            )
        )
        for day in sorted(days - kept):
            rollup(session, centre, day, now)
            done += 1
    return done


def days(session: Session, centre: CentreCatalog, first: date, last: date) -> dict[date, dict[int, ServiceDay]]:
    """Every day of the span: from `report_days` where kept, else read from the events."""
    span_of(centre, first, last)
    found: dict[date, dict[int, ServiceDay]] = defaultdict(dict)
    rows = session.execute(
        select(ReportDay.day, ReportDay.service_id, ReportDay.facts).where(
            ReportDay.centre_id == centre.id, ReportDay.day >= first, ReportDay.day <= last
        )
    )
    for day, service_id, facts in rows:
        found[day][service_id] = ServiceDay(**facts)
    kept = set(found)
    day = first
    while day <= last:
        if day not in kept:
            found[day] = day_facts(session, centre, day)
        day += timedelta(days=1)
    return dict(found)


# -- the figures -----------------------------------------------------------------------------------


def _stats(values: list[float]) -> dict[str, float | None]:
    """Mean, median and 90th percentile (nearest rank), in minutes to one decimal."""
    if not values:
        return {"mean": None, "median": None, "p90": None}
    ordered = sorted(values)
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return {
        "mean": round(statistics.fmean(ordered), 1),
        "median": round(statistics.median(ordered), 1),
        "p90": round(p90, 1),
    }


def _merge(parts: Iterable[ServiceDay]) -> ServiceDay:
    total = ServiceDay()
    for part in parts:
        total.add(part)
    return total


def summary(
    session: Session, centre: CentreCatalog, first: date, last: date, services: Iterable[str] | None = None
) -> dict[str, Any]:
    """The figures of the centre's services (all, or `services`) from `first` to `last` (both included)."""
    span = days(session, centre, first, last)
    wanted = set(services) if services is not None else None
    result = []
    overall = ServiceDay()
    heat = [[0] * 24 for _ in range(7)]  # Monday first, as date.weekday()
    for _body, config in centre.config.services():
        if wanted is not None and config.code not in wanted:
            continue
        service_id = centre.service_ids[config.code]
        total = _merge(day_services[service_id] for day_services in span.values() if service_id in day_services)
        for day, day_services in span.items():
            if service_id in day_services:
                heat[day.weekday()] = [
                    a + b for a, b in zip(heat[day.weekday()], day_services[service_id].arrivals, strict=True)
                ]
        overall.add(total)
        within = [w <= config.target_wait for w in total.waits]
        result.append(
            {
                "service": config.code,
                **{name: getattr(total, name) for name in sorted(set(COUNTED.values()))},
                "wait_minutes": _stats(total.waits),
                "service_minutes": _stats(total.service_times),
                "within_target": round(sum(within) / len(within), 3) if within else None,
                "estimate_kept": round(total.kept / total.promised, 3) if total.promised else None,
            }
        )
    return {
        "centre": centre.code,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "services": result,
        "arrivals_by_hour": overall.arrivals,
        "arrivals_by_weekday_hour": heat,
        "clerks": [
            {"user_id": int(key), "served": int(v[0]), "service_minutes": v[1], "out_of_turn": int(v[2])}
            for key, v in sorted(overall.clerks.items(), key=lambda item: -item[1][0])
        ],
        "counters": [
            {"counter": centre.counter_code(int(key)), "served": int(v[0]), "service_minutes": v[1]}
            for key, v in sorted(overall.counters.items(), key=lambda item: -item[1][0])
        ],
    }


CSV_COLUMNS = (
    "service", "issued", "served", "no_show", "cancelled", "transferred", "closed",
    "wait_mean", "wait_median", "wait_p90", "service_mean", "service_median", "service_p90",
    "within_target", "estimate_kept",
)  # fmt: skip


def csv_row(service: dict[str, Any]) -> list[Any]:
    """One service's summary as a flat row of CSV_COLUMNS (empty cells where nothing was measured)."""
    flat = {**service}
    for prefix, key in (("wait", "wait_minutes"), ("service", "service_minutes")):
        for stat in ("mean", "median", "p90"):
            flat[f"{prefix}_{stat}"] = service[key][stat]
    return ["" if flat[column] is None else flat[column] for column in CSV_COLUMNS]
