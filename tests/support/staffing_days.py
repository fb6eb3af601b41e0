"""Weeks of a centre with a known truth, for staffing advice's tests and back-test: visitors drawn from a
stated demand (arrivals per service and hour, service times from a lognormal law, priority classes),
served by a stated roster in the simulator (the server's call-next policy), and written as the rows and
events the server writes (issued, called, started, done; closed if never called), then rolled up as the
reports worker does."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta

from queue_app.domain.calendar import as_utc
from queue_app.domain.simulation import simulate
from queue_app.domain.staffing import CounterPlan, Demand, Hours, Roster, Rules, desks_of, draw_visits
from queue_app.services import reports
from queue_app.services.catalog import CentreCatalog
from queue_app.store.database import Database
from tests.support.history_rows import insert_rows, one_clerk

PRIORITIES = {"elderly": 0.08, "disabled": 0.03}


def truth(
    minutes: Mapping[str, float], rates: Mapping[str, float], shape: Mapping[int, float], seed: int = 7
) -> dict[str, Demand]:
    """Per service: `rates[s]` visitors an hour at the shape's 1.0, times `shape[hour]`; service times
    from a lognormal law with the service's mean minutes (sigma 0.5), as 4,000 draws."""
    rng = random.Random(seed)
    demands = {}
    for service, mean in minutes.items():
        mu = math.log(mean) - 0.125  # mean of a lognormal: exp(mu + sigma^2 / 2)
        draws = tuple(rng.lognormvariate(mu, 0.5) for _ in range(4000))
        arrivals = tuple(rates[service] * shape.get(hour, 0.0) for hour in range(24))
        demands[service] = Demand(service, arrivals, draws, PRIORITIES)
    return demands


def write_days(
    db: Database,
    centre: CentreCatalog,
    demands: Mapping[str, Demand],
    counters: Sequence[CounterPlan],
    roster: Roster,
    days: Sequence[Hours],
    rules: Rules,
    seed: int,
    first_ticket_id: int = 1,
    postgres: bool = False,
) -> int:
    """Draw, serve and store each day, then keep it as the roll-up does. The next free ticket id."""
    rng = random.Random(seed)
    tz = centre.config.tz
    ticket_rows, event_rows = [], []
    ticket_id = first_ticket_id

    def utc(moment: datetime) -> str:
        return str(as_utc(moment.replace(tzinfo=tz)))

    for hours in days:
        visits = draw_visits(demands, hours, rng)
        served = simulate(visits, desks_of(roster, counters, hours), rules.boosts, rules.max_consecutive)
        for visit in visits:
            service_id = centre.service_ids[visit.service]
            called, left = served.called.get(visit.id), served.left.get(visit.id)
            counter_id = centre.counter_ids[served.desk_of[visit.id]] if called else None
            status = "done" if called else "closed"
            detail = {"source": "kiosk", "eta": [0, 10]}
            if visit.priority != "none":
                detail["priority"] = visit.priority
            ticket_rows.append(
                (ticket_id, centre.id, service_id, service_id, str(hours.day), ticket_id, f"A{ticket_id % 1000:03d}",
                 f"staff-{ticket_id}", status, utc(visit.arrives), utc(visit.arrives),
                 utc(called) if called else None, utc(left or hours.ends), counter_id, visit.priority)
            )  # fmt: skip
            issued = (ticket_id, centre.id, service_id, "issued", utc(visit.arrives), None, None, json.dumps(detail))
            event_rows.append(issued)
            if called and left:
                for kind, at in (("called", called), ("started", called), ("done", left)):
                    event_rows.append((ticket_id, centre.id, service_id, kind, utc(at), counter_id, 1, None))
            else:
                event_rows.append((ticket_id, centre.id, service_id, "closed", utc(hours.ends), None, None, None))
            ticket_id += 1
    one_clerk(db)
    insert_rows(db, ticket_rows, event_rows, postgres)
    rolled_at = datetime.combine(max(h.day for h in days), time(23))
    for hours in days:
        with db.transaction() as session:
            reports.rollup(session, centre, hours.day, rolled_at)
    return ticket_id


def same_weekdays(last: date, weeks: int) -> list[date]:
    """`last` and the same weekday of the `weeks - 1` weeks before it, oldest first."""
    return [last - timedelta(days=7 * n) for n in range(weeks - 1, -1, -1)]
