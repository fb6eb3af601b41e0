"""Live staffing advice for the supervisor board: from the live queues, the counters signed in now, the
bookings still to come and the rest of today drawn from history (services/staffing.py fits it), per
body: "open one more counter for X now: the wait will pass 30 minutes at 10:45", from each service's own
target wait, and whether one more counter is enough."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.calendar import local_time
from ..domain.counters import CounterStatus
from ..domain.simulation import Day, Desk, Visit, simulate
from ..domain.staffing import Rules, draw_visits, first_choice, split_by_body
from ..domain.tickets import Status
from ..offload import let_others_run
from ..store.database import Database
from ..store.models import Counter, Ticket
from .calendar import calendar_of
from .catalog import CentreCatalog
from .queue_state import counter_services
from .staffing import booked_on, cached, counter_plans, history, hours_of, rules_of

DAYS_DRAWN = 6  # simulated rests of today
ADVICE_HOURS = 3  # how far ahead the advice looks
ADVICE_STEP = timedelta(minutes=15)  # the advice's clock: "the wait will pass 30 minutes at 10:45"
ADVICE_SECONDS = 60  # the board asks every minute; one answer per centre and minute is enough


def advice_of(db: Database, centre: CentreCatalog, now: datetime) -> list[dict[str, Any]]:
    """`advice`, answered again from memory for ADVICE_SECONDS (every board of the centre shares it)."""

    def work() -> list[dict[str, Any]]:
        with db.reading() as session:
            return advice(session, centre, now)

    return cached(centre, ("advice",), ADVICE_SECONDS, work)


def _now_visits(session: Session, centre: CentreCatalog, now_local: datetime) -> list[Visit]:
    """The tickets waiting now, callable at once, each in its place in time (a transfer keeps its own)."""
    tz = centre.config.tz
    rows = session.execute(
        select(Ticket.id, Ticket.service_id, Ticket.priority, Ticket.queued_at, Ticket.transactions).where(
            Ticket.centre_id == centre.id, Ticket.status == Status.WAITING.value, Ticket.needs_check_in.is_(False)
        )
    )
    visits = []
    for ticket_id, service_id, priority, queued_at, transactions in rows:
        code = centre.service_code(service_id)
        minutes = centre.config.service(code).minutes * transactions  # type: ignore[union-attr]
        place = local_time(queued_at, tz).replace(tzinfo=None)
        visits.append(Visit(-ticket_id, code, now_local, minutes, priority, place))
    return visits


def _open_desks(session: Session, centre: CentreCatalog, now_local: datetime, stops: datetime) -> list[Desk]:
    """The counters open now (signed in, not paused), each free once its current visitor is done (half
    the service's expected minutes, as nobody knows how far along they are)."""
    desks = []
    rows = session.execute(
        select(Counter.code, Counter.state, Counter.services_override).where(Counter.centre_id == centre.id)
    )
    for counter in rows:
        if counter.state in (CounterStatus.CLOSED.value, CounterStatus.PAUSED.value):
            continue
        services = tuple(counter_services(centre, counter))
        busy = counter.state == CounterStatus.SERVING.value and services
        opens = now_local + timedelta(minutes=centre.config.service(services[0]).minutes / 2 if busy else 0)  # type: ignore[union-attr]
        desks.append(Desk(counter.code, services, opens, stops))
    return desks


def _crossings(
    days: list[list[Visit]],
    desks: list[Desk],
    rules: Rules,
    base: datetime,
    stops: datetime,
    targets: dict[str, int],
    waiting_now: bool = True,
) -> dict[str, tuple[datetime, float]]:
    """Per service of `targets`, the first quarter hour from `base` in which visitors wait past its target
    on average over the drawn days, and by how much (the mean wait over the target); the tickets waiting
    now count in the first quarter, with the wait they have had (unless `waiting_now` is false: the
    visitors still to come only); a visitor not called before the counters stop waits until then."""
    total: dict[tuple[str, datetime], float] = defaultdict(float)
    count: dict[tuple[str, datetime], int] = defaultdict(int)
    for visits in days:
        served: Day = simulate(visits, desks, rules.boosts, rules.max_consecutive) if desks else Day()
        let_others_run()
        for visit in visits:
            if visit.service not in targets or (visit.id < 0 and not waiting_now):
                continue
            called = served.called.get(visit.id, stops)
            since = visit.place if visit.id < 0 else max(visit.arrives, visit.place)
            step = base + ADVICE_STEP * ((visit.arrives - base) // ADVICE_STEP)
            total[(visit.service, step)] += (called - since).total_seconds() / 60
            count[(visit.service, step)] += 1
    crossings: dict[str, tuple[datetime, float]] = {}
    for (service, step), n in sorted(count.items(), key=lambda item: item[0][1]):
        ratio = total[(service, step)] / n / targets[service]
        if service not in crossings and n >= len(days) and ratio > 1:
            crossings[service] = (step, ratio)
    return crossings


def advice(session: Session, centre: CentreCatalog, now: datetime) -> list[dict[str, Any]]:
    """Per body whose wait will pass a service's target within `ADVICE_HOURS` (from the live queues, the
    counters open now and the rest of the day drawn from history): the service, when (`now`: it already
    has), the counter to open and whether opening it keeps the wait under the target that long."""
    local_aware = local_time(now, centre.config.tz)
    local = local_aware.replace(tzinfo=None)
    shift = calendar_of(session, centre, now).shift_at(local_aware)
    if shift is None:
        return []
    day = local.date()
    stops = datetime.combine(day, shift.close) + timedelta(minutes=centre.config.calendar.grace_minutes)
    today = hours_of(session, centre, day, now)
    window = (local, local + timedelta(hours=ADVICE_HOURS))
    seen = history(session, centre, day, now)
    rng = random.Random(f"{centre.code}:{local:%Y-%m-%d %H:%M}")
    waiting = _now_visits(session, centre, local)
    booked = booked_on(session, centre, day)
    days = [waiting + draw_visits(seen.demands, today, rng, booked, window) for _ in range(DAYS_DRAWN)]
    desks = _open_desks(session, centre, local, stops)
    rules = rules_of(centre)
    base = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    targets = {s.code: s.target_wait for _b, s in centre.config.services()}
    crossings = _crossings(days, desks, rules, base, stops, targets)
    found = []
    open_now = {d.code for d in desks}
    plans = counter_plans(centre)
    cut = [split_by_body(day, plans) for day in days]  # the check of one more counter looks at its body only
    for body in centre.config.bodies:
        # the body's service that passes its target first (and furthest, of those that pass it together)
        mine = sorted((*crossings[s.code], s.code) for s in body.services if s.code in crossings)
        if not mine:
            continue
        at, _ratio, service = min(mine, key=lambda m: (m[0], -m[1]))
        theirs = {c.code for c in plans if c.body == body.code}
        closed = [c for c in plans if c.code in theirs and c.code not in open_now]
        counter = first_choice(closed, service)
        helps = False
        if counter is not None:
            # whether it helps the visitors still to come (those who wait now have waited what they have)
            one = {service: targets[service]}
            body_days = [day.get(body.code, []) for day in cut]
            body_desks = [d for d in desks if d.code in theirs]
            before = _crossings(body_days, body_desks, rules, base, stops, one, waiting_now=False).get(service)
            more = [*body_desks, Desk(counter.code, counter.services, local, stops)]
            after = _crossings(body_days, more, rules, base, stops, one, waiting_now=False).get(service)
            helps = after is None or (before is not None and after[0] > before[0])
        found.append(
            {
                "body": body.code,
                "service": service,
                "target": targets[service],
                "at": at.strftime("%H:%M"),
                "now": at <= local,
                "counter": counter.code if counter else None,
                "helps": helps,
            }
        )
    return found
