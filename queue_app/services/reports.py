"""What the ticket events say about a centre's service over a span of days (the centre's own dates): per
service, tickets issued, served, missed, cancelled, transferred and closed at closing; waiting and service
times (mean, median, 90th percentile); the share served within the target wait; and the share of visitors
called within the range of minutes they were shown (the promise kept with the `issued` or `checked_in`
event). Also arrivals by weekday and hour, and per clerk and per counter the visitors served.

Waits run from the issue (or the check-in, or a family visit's move to its next service) to the first
call; service from the last call (or the start) to done.

The unit is one service's day (`ServiceDay`), read from the events of that day. A day that is over is
read once and kept in `report_days` (the roll-up, by the reports worker or `flask reports rollup`), and a
month that is over as the sum of its days; a report adds up the fewest kept pieces that make its span
(thirty days in one month row), and reads from the events only the days not kept yet (today), so it is
always current. Times are counted at the whole minute (means exact): a month of every centre is a few
hundred counts per service to add, not a million values (docs/reports.md, bench/reports.py)."""

from __future__ import annotations

import math
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
from ..offload import let_others_run
from ..store.models import ReportDay, TicketEvent
from .catalog import Catalog, CentreCatalog

MAX_DAYS = 366
YIELD_EVERY = 500  # events read between two chances for the hall's other requests
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
    waits: dict[str, int] = field(default_factory=dict)  # whole minutes -> how many waited so long
    service_times: dict[str, int] = field(default_factory=dict)  # the same, for the services
    wait_total: float = 0.0  # the exact sums, for the means
    service_total: float = 0.0
    promised: int = 0  # waits measured against a range shown at issue or check-in
    kept: int = 0  # of which called within that range
    # tickets issued per weekday (Monday first, as date.weekday()) and hour, in the centre's time
    arrivals: list[list[int]] = field(default_factory=lambda: [[0] * 24 for _ in range(7)])
    clerks: dict[str, list[float]] = field(default_factory=dict)  # user id -> [served, minutes, out of turn]
    counters: dict[str, list[float]] = field(default_factory=dict)  # counter id -> [served, minutes]
    # what staffing advice fits (services/staffing.py): the hours (a bit per hour of the centre's day) in
    # which each counter called this service, tickets issued per priority class (none left out), and the
    # tickets that went on to another service (a transfer, a family visit's next service), per service id
    desks: dict[str, int] = field(default_factory=dict)
    priorities: dict[str, int] = field(default_factory=dict)
    onward: dict[str, int] = field(default_factory=dict)

    def add(self, other: ServiceDay) -> None:
        for name in set(COUNTED.values()):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for histogram, more in ((self.waits, other.waits), (self.service_times, other.service_times)):
            for minutes, count in more.items():
                histogram[minutes] = histogram.get(minutes, 0) + count
        self.wait_total += other.wait_total
        self.service_total += other.service_total
        self.promised += other.promised
        self.kept += other.kept
        self.arrivals = [
            [a + b for a, b in zip(mine, theirs, strict=True)]
            for mine, theirs in zip(self.arrivals, other.arrivals, strict=True)
        ]
        for table, rows in ((self.clerks, other.clerks), (self.counters, other.counters)):
            for key, values in rows.items():
                table[key] = [a + b for a, b in zip(table.get(key, [0.0] * len(values)), values, strict=True)]
        for counter, hours in other.desks.items():
            self.desks[counter] = self.desks.get(counter, 0) | hours
        for counts, more_counts in ((self.priorities, other.priorities), (self.onward, other.onward)):
            for key, count in more_counts.items():
                counts[key] = counts.get(key, 0) + count


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
    for number, (ticket_id, service_id, kind, at, counter_id, user_id, detail) in enumerate(rows):
        if number % YIELD_EVERY == YIELD_EVERY - 1:
            let_others_run()  # a busy day is tens of thousands of events: the hall's requests come first
        event, detail = EventKind(kind), detail or {}
        if event == EventKind.TRANSFERRED:  # counted where it left: the event row names the new queue
            service_id, new_queue = centre.service_ids.get(detail.get("from", ""), service_id), service_id
            _tally_one(facts[service_id].onward, str(new_queue))
        if event in COUNTED:
            setattr(facts[service_id], COUNTED[event], getattr(facts[service_id], COUNTED[event]) + 1)
        if event == EventKind.ISSUED:
            local = local_time(at, centre.config.tz)
            facts[service_id].arrivals[local.weekday()][local.hour] += 1
            if "priority" in detail:
                _tally_one(facts[service_id].priorities, detail["priority"])
        if event == EventKind.NEXT_LEG:  # a family visit's next service: its wait there starts now
            done_at = legs[(ticket_id, leg_of[ticket_id])].service_id
            if done_at is not None:
                _tally_one(facts[done_at].onward, str(service_id))
            leg_of[ticket_id] += 1
            legs[(ticket_id, leg_of[ticket_id])].since = at
            continue
        leg = legs[(ticket_id, leg_of[ticket_id])]
        if event in (EventKind.ISSUED, EventKind.CHECKED_IN):
            leg.since = at
            eta = detail.get("eta")
            leg.promised = (int(eta[0]), int(eta[1])) if eta else leg.promised
        elif event == EventKind.CALLED:
            if counter_id is not None:
                hour = local_time(at, centre.config.tz).hour
                desks = facts[service_id].desks
                desks[str(counter_id)] = desks.get(str(counter_id), 0) | 1 << hour
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
            _count(facts[service_id].service_times, minutes)
            facts[service_id].service_total += minutes
            if user_id is not None:
                _tally(facts[service_id].clerks, user_id, (1, minutes, 0))
            if counter_id is not None:
                _tally(facts[service_id].counters, counter_id, (1, minutes))
    return dict(facts)


def _count(histogram: dict[str, int], minutes: float) -> None:
    """One more time of `minutes`, counted at the whole minute: a month of a country is then a few hundred
    counts per service to add, not a million values (bench/reports.py)."""
    key = str(round(minutes))
    histogram[key] = histogram.get(key, 0) + 1


def _wait(facts: ServiceDay, leg: _Leg, minutes: float) -> None:
    _count(facts.waits, minutes)
    facts.wait_total += minutes
    if leg.promised is not None:
        facts.promised += 1
        facts.kept += leg.promised[0] <= minutes <= leg.promised[1] + 0.5


def _tally_one(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _tally(table: dict[str, list[float]], key: int, values: tuple[float, ...]) -> None:
    current = table.setdefault(str(key), [0.0] * len(values))
    table[str(key)] = [round(a + b, 1) for a, b in zip(current, values, strict=True)]


# -- the roll-up -----------------------------------------------------------------------------------

DAY, MONTH = "day", "month"
Facts = dict[int, ServiceDay]  # per service id


def _month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return first, after - timedelta(days=1)


def _keep(session: Session, centre: CentreCatalog, period: str, day: date, facts: Facts, now: datetime) -> None:
    session.execute(
        delete(ReportDay).where(ReportDay.centre_id == centre.id, ReportDay.period == period, ReportDay.day == day)
    )
    stored = {str(service_id): asdict(service_day) for service_id, service_day in facts.items()}
    session.add(ReportDay(centre_id=centre.id, period=period, day=day, facts=stored, rolled_at=now))


def _loaded(stored: dict[str, Any]) -> Facts:
    return {int(service_id): ServiceDay(**facts) for service_id, facts in stored.items()}


def rollup(session: Session, centre: CentreCatalog, day: date, now: datetime) -> int:
    """Read a finished day from its events and keep it (again if it was kept before); when that was the
    last day of a finished month, keep the month too. The services of the day."""
    facts = day_facts(session, centre, day)
    _keep(session, centre, DAY, day, facts, now)
    first, last = _month_of(day)
    if day == last:
        rollup_month(session, centre, first, now)
    return len(facts)


def rollup_month(session: Session, centre: CentreCatalog, first: date, now: datetime) -> None:
    """Keep a finished month as the sum of its days (each from `report_days`, else from its events)."""
    month = _merged(_days(session, centre, *_month_of(first)))
    _keep(session, centre, MONTH, first, month, now)


def rollup_finished_days(session: Session, catalog: Catalog, now: datetime) -> int:
    """The reports worker's round: every centre's finished days of the last week that are not kept yet
    (a day is finished once it is over in the centre's timezone), and their months once over. The days
    rolled up."""
    done = 0
    for centre in catalog.centres.values():
        today = local_time(now, centre.config.tz).date()
        wanted = {today - timedelta(days=n) for n in range(1, ROLLUP_DAYS_BACK + 1)}
        kept = set(
            session.scalars(
                select(ReportDay.day).where(
                    ReportDay.centre_id == centre.id, ReportDay.period == DAY, ReportDay.day.in_(wanted)
                )
            )
        )
        for day in sorted(wanted - kept):
            rollup(session, centre, day, now)
            done += 1
    return done


def _kept(session: Session, centre: CentreCatalog, period: str, first: date, last: date) -> dict[date, Facts]:
    """The kept days (or months, by their first day) of the centre from `first` to `last`."""
    rows = session.execute(
        select(ReportDay.day, ReportDay.facts).where(
            ReportDay.centre_id == centre.id,
            ReportDay.period == period,
            ReportDay.day >= first,
            ReportDay.day <= last,
        )
    )
    return {day: _loaded(facts) for day, facts in rows}


def _days(session: Session, centre: CentreCatalog, first: date, last: date) -> list[Facts]:
    """Each day from `first` to `last`: kept, else read from its events."""
    kept = _kept(session, centre, DAY, first, last)
    found, day = [], first
    while day <= last:
        found.append(kept[day] if day in kept else day_facts(session, centre, day))
        day += timedelta(days=1)
    return found


def days_of(session: Session, centre: CentreCatalog, days: list[date]) -> list[Facts]:
    """These days of the centre (any dates): kept, else read from their events."""
    if not days:
        return []
    kept = _kept(session, centre, DAY, min(days), max(days))
    return [kept[day] if day in kept else day_facts(session, centre, day) for day in days]


def parts(session: Session, centre: CentreCatalog, first: date, last: date) -> list[Facts]:
    """The span in as few kept pieces as it allows: each whole month kept as a month, the other days as
    days (kept, or read from their events: today is always current)."""
    span_of(centre, first, last)
    months = _kept(session, centre, MONTH, first, last)
    found: list[Facts] = []
    day = first
    while day <= last:
        month_first, month_last = _month_of(day)
        if day == month_first and month_last <= last and day in months:
            found.append(months[day])
            day = month_last + timedelta(days=1)
            continue
        end = min(month_last, last)
        found += _days(session, centre, day, end)
        day = end + timedelta(days=1)
    return found


def _merged(pieces: Iterable[Facts]) -> Facts:
    total: Facts = defaultdict(ServiceDay)
    for piece in pieces:
        for service_id, facts in piece.items():
            total[service_id].add(facts)
    return dict(total)


# -- the figures -----------------------------------------------------------------------------------


def _stats(histogram: dict[str, int], total_minutes: float) -> dict[str, float | None]:
    """Mean (exact, to one decimal), median and 90th percentile (nearest rank, to the minute) of times
    kept as {whole minutes: count}."""
    values = sorted((int(minutes), count) for minutes, count in histogram.items() if count)
    total = sum(count for _minutes, count in values)
    if not total:
        return {"mean": None, "median": None, "p90": None}

    def at_rank(rank: int) -> int:  # the value at a 0-based rank of the ordered values
        seen = 0
        for minutes, count in values:
            seen += count
            if rank < seen:
                return minutes
        return values[-1][0]

    middle = total // 2
    median = at_rank(middle) if total % 2 else (at_rank(middle - 1) + at_rank(middle)) / 2
    return {
        "mean": round(total_minutes / total, 1),
        "median": round(median, 1),
        "p90": round(at_rank(max(0, math.ceil(0.9 * total) - 1)), 1),
    }


def summary(
    session: Session, centre: CentreCatalog, first: date, last: date, services: Iterable[str] | None = None
) -> dict[str, Any]:
    """The figures of the centre's services (all, or `services`) from `first` to `last` (both included)."""
    totals = _merged(parts(session, centre, first, last))
    wanted = set(services) if services is not None else None
    result = []
    overall = ServiceDay()
    for _body, config in centre.config.services():
        if wanted is not None and config.code not in wanted:
            continue
        total = totals.get(centre.service_ids[config.code], ServiceDay())
        overall.add(total)
        waited = sum(total.waits.values())
        within = sum(count for minutes, count in total.waits.items() if int(minutes) <= config.target_wait)
        result.append(
            {
                "service": config.code,
                **{name: getattr(total, name) for name in sorted(set(COUNTED.values()))},
                "wait_minutes": _stats(total.waits, total.wait_total),
                "service_minutes": _stats(total.service_times, total.service_total),
                "within_target": round(within / waited, 3) if waited else None,
                "estimate_kept": round(total.kept / total.promised, 3) if total.promised else None,
            }
        )
    return {
        "centre": centre.code,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "services": result,
        "arrivals_by_hour": [sum(day[hour] for day in overall.arrivals) for hour in range(24)],
        "arrivals_by_weekday_hour": overall.arrivals,
        "clerks": [
            {"user_id": int(key), "served": int(v[0]), "service_minutes": v[1], "out_of_turn": int(v[2])}
            for key, v in sorted(overall.clerks.items(), key=lambda item: -item[1][0])
        ],
        "counters": [
            {"counter": centre.counter_code(int(key)), "served": int(v[0]), "service_minutes": v[1]}
            for key, v in sorted(overall.counters.items(), key=lambda item: -item[1][0])
        ],
    }


PUBLIC_DAYS = 7  # the public figure: the last week's finished days
PUBLIC_MINIMUM = 20  # visitors shown a wait, below which a body's share is not published (too few to say)
PUBLIC_SECONDS = 3600


def estimates_kept(session: Session, centre: CentreCatalog, now: datetime) -> dict[str, float]:
    """Per body, the share of the last week's visitors who were called within the range of minutes they
    were shown, for the public (the hall screens, the join page); bodies with too few are left out. Read
    from the kept days at most once an hour per centre."""
    cached = centre.public_kept
    if cached is not None and timedelta(0) <= now - cached[0] < timedelta(seconds=PUBLIC_SECONDS):
        return dict(cached[1])
    today = local_time(now, centre.config.tz).date()
    totals = _merged(parts(session, centre, today - timedelta(days=PUBLIC_DAYS), today - timedelta(days=1)))
    shares = {}
    for body in centre.config.bodies:
        facts = [totals[centre.service_ids[s.code]] for s in body.services if centre.service_ids[s.code] in totals]
        promised, kept = sum(f.promised for f in facts), sum(f.kept for f in facts)
        if promised >= PUBLIC_MINIMUM:
            shares[body.code] = round(kept / promised, 2)
    centre.public_kept = (now, shares)
    return shares


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
