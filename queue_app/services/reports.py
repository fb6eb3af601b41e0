"""What the ticket events say about a centre's service over a span of days (the centre's own dates): per
service, tickets issued, served, missed, cancelled, transferred and closed at closing; waiting and service
times (mean, median, 90th percentile); the share served within the target wait; and the share of visitors
called within the range of minutes they were shown (the promise kept with the `issued` or `checked_in`
event).

Waits run from the issue (or, for a ticket that had to check in, the check-in) to the first call; service
from the last call (or the start) to done. Every figure comes from the events, which every transition
writes in its own transaction, so nothing else has to be kept for reports."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.calendar import as_utc
from ..domain.errors import InvalidInput
from ..domain.tickets import EventKind
from ..store.models import TicketEvent
from .catalog import CentreCatalog

MAX_DAYS = 366
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
class _Visit:
    """One ticket's story, as far as the span shows it."""

    since: datetime | None = None  # issued, or checked in
    promised: tuple[int, int] | None = None
    first_call: datetime | None = None
    service_id: int | None = None  # the queue that called it
    last_call: datetime | None = None
    started: datetime | None = None
    served: list[tuple[int, float]] = field(default_factory=list)  # (the queue that served it, minutes)


def _span(centre: CentreCatalog, first: date, last: date) -> tuple[datetime, datetime]:
    if last < first or (last - first).days >= MAX_DAYS:
        raise InvalidInput("invalid_date_span", first=first.isoformat(), last=last.isoformat())
    tz = centre.config.tz
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return as_utc(start), as_utc(end)


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


def summary(session: Session, centre: CentreCatalog, first: date, last: date) -> dict[str, Any]:
    """The figures of every service of the centre from `first` to `last` (both included)."""
    start, end = _span(centre, first, last)
    rows = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.service_id, TicketEvent.kind, TicketEvent.at, TicketEvent.detail)
        .where(TicketEvent.centre_id == centre.id, TicketEvent.at >= start, TicketEvent.at < end)
        .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(set(COUNTED.values()), 0))
    visits: dict[tuple[int, int], _Visit] = defaultdict(_Visit)  # per ticket and leg of a family visit
    legs: dict[int, int] = defaultdict(int)
    for ticket_id, service_id, kind, at, detail in rows:
        event = EventKind(kind)
        if event == EventKind.TRANSFERRED:  # counted where it left: the event row names the new queue
            service_id = centre.service_ids.get((detail or {}).get("from", ""), service_id)
        if event in COUNTED:
            counts[service_id][COUNTED[event]] += 1
        if event == EventKind.NEXT_LEG:  # a family visit's next service: its wait there starts now
            legs[ticket_id] += 1
            visits[(ticket_id, legs[ticket_id])].since = at
            continue
        visit = visits[(ticket_id, legs[ticket_id])]
        if event in (EventKind.ISSUED, EventKind.CHECKED_IN):
            visit.since = at
            eta = (detail or {}).get("eta")
            visit.promised = (int(eta[0]), int(eta[1])) if eta else visit.promised
        elif event == EventKind.CALLED:
            if visit.first_call is None:
                visit.first_call, visit.service_id = at, service_id
            visit.last_call, visit.started = at, None
        elif event == EventKind.STARTED:
            visit.started = at
        elif event == EventKind.DONE and visit.last_call is not None:
            visit.served.append((service_id, (at - (visit.started or visit.last_call)).total_seconds() / 60))
    waits: dict[int, list[float]] = defaultdict(list)
    services: dict[int, list[float]] = defaultdict(list)
    kept: dict[int, list[bool]] = defaultdict(list)
    for visit in visits.values():
        for served_by, minutes in visit.served:
            services[served_by].append(minutes)
        if visit.first_call is None or visit.service_id is None or visit.since is None:
            continue
        wait = (visit.first_call - visit.since).total_seconds() / 60
        waits[visit.service_id].append(wait)
        if visit.promised is not None:
            kept[visit.service_id].append(visit.promised[0] <= wait <= visit.promised[1] + 0.5)
    result = []
    for _body, config in centre.config.services():
        service_id = centre.service_ids[config.code]
        service_waits = waits[service_id]
        within = [w <= config.target_wait for w in service_waits]
        result.append(
            {
                "service": config.code,
                **counts[service_id],
                "wait_minutes": _stats(service_waits),
                "service_minutes": _stats(services[service_id]),
                "within_target": round(sum(within) / len(within), 3) if within else None,
                "estimate_kept": round(sum(kept[service_id]) / len(kept[service_id]), 3) if kept[service_id] else None,
            }
        )
    return {"centre": centre.code, "from": first.isoformat(), "to": last.isoformat(), "services": result}


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
