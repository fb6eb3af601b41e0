"""Read-side questions about a queue: who is ahead of a ticket, how many wait, how fast it moves.

The expected wait is computed by domain/eta.py from plain values gathered here: recent service
durations of the service (weighted by transactions), the counters open for it now (a counter whose
earlier tier has people waiting counts only in part), busy counters and paused counters (docs/eta.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from ..domain.calendar import local_time
from ..domain.counters import ACTIVE_STATES, CounterStatus
from ..domain.eta import Estimate, Sample, ServiceRate, counted_counters, estimate, observed_minutes
from ..domain.policy import ahead_bounds, queue_key
from ..store import counters as counter_store
from ..store import queues
from ..store.records import TicketRecord
from .calendar import calendar_of
from .catalog import CentreCatalog


class QueuedTicket(Protocol):
    """What the place of a ticket is computed from: a `Ticket` or a `tickets.TicketRecord`."""

    @property
    def id(self) -> int: ...
    @property
    def service_id(self) -> int: ...
    @property
    def priority(self) -> str: ...
    @property
    def queued_at(self) -> datetime: ...


class CounterLike(Protocol):
    """A `Counter` or a Core row with its columns."""

    @property
    def code(self) -> str: ...
    @property
    def services_override(self) -> list[str] | None: ...


def counter_services(centre: CentreCatalog, counter: CounterLike) -> list[str]:
    """The services a counter serves now: the supervisor's live choice, else the configured list."""
    if counter.services_override:
        return list(counter.services_override)
    config = centre.config.counter(counter.code)
    return list(config.services) if config else []


def everyone_waiting(session: Session, service_id: int) -> tuple[int, int]:
    """(tickets, transactions) waiting in a service's queue, from the tally the database keeps: what is
    ahead of a ticket without priority that has just joined the end (itself included)."""
    return queues.tally(session, service_id)


def people_ahead(session: Session, centre: CentreCatalog, ticket: QueuedTicket) -> tuple[int, int]:
    """(tickets ahead, transactions ahead) of a waiting ticket: those call-next would take first, i.e. of
    each priority class, the ones queued before the ticket's own time shifted by the classes' boosts."""
    bounds = ahead_bounds(ticket.priority, ticket.queued_at, centre.config.priority.boosts())
    return queues.ahead(session, ticket.service_id, ticket.id, bounds)


SHARED_TIER_WEIGHT = 0.25  # share of a counter whose earlier tiers have people waiting
RECENT_SERVICES = 30  # finished services that make the observed rate
RECENT_WINDOW = timedelta(hours=2)


@dataclass
class Capacity:
    """Per service: counters open for it (fractional for shared counters), busy and paused ones."""

    open: dict[str, float] = field(default_factory=dict)
    busy: dict[str, float] = field(default_factory=dict)
    paused: dict[str, float] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)

    def get(self, service: str, default: int = 0) -> int:
        """How many open counters serve a service (whole counters, as the hall summary shows them)."""
        return self.count.get(service, default)


def active_counters(session: Session, centre: CentreCatalog, waiting: dict[str, int] | None = None) -> Capacity:
    """Per service: how many open counters serve it now, how many of those are busy, how many are paused.

    A counter serves its services as tiers: a later service only when the earlier ones have nobody
    waiting. So it counts fully for its first service, and for a later one fully only while the
    earlier tiers are empty (else SHARED_TIER_WEIGHT)."""
    if waiting is None:
        waiting = {code: count for code, (count, _t, _o) in waiting_by_service(session, centre).items()}
    capacity = Capacity()
    for counter in counter_store.counters_of_centre(session, centre.id):
        if counter.code not in centre.counter_ids or counter.state not in (*ACTIVE_STATES, CounterStatus.PAUSED):
            continue
        earlier_busy = False
        for code in counter_services(centre, counter):
            weight = SHARED_TIER_WEIGHT if earlier_busy else 1.0
            if counter.state == CounterStatus.PAUSED:
                capacity.paused[code] = capacity.paused.get(code, 0.0) + weight
            else:
                capacity.open[code] = capacity.open.get(code, 0.0) + weight
                capacity.count[code] = capacity.count.get(code, 0) + 1
                if counter.state in (CounterStatus.CALLING, CounterStatus.SERVING):
                    capacity.busy[code] = capacity.busy.get(code, 0.0) + weight
            earlier_busy = earlier_busy or waiting.get(code, 0) > 0
    return capacity


def configured_counters(centre: CentreCatalog, service: str) -> int:
    return sum(1 for c in centre.config.counters if service in c.services)


def recent_samples(session: Session, centre: CentreCatalog, service: str, now: datetime | None = None) -> list[Sample]:
    """The last finished services of a service (call to finish), newest first, within RECENT_WINDOW."""
    since = now - RECENT_WINDOW if now is not None else None
    rows = queues.finished(session, centre.service_ids[service], since, RECENT_SERVICES)
    return [
        Sample((finished - called).total_seconds() / 60, int(transactions or 1))
        for called, finished, transactions in rows
        if called is not None and finished is not None
    ]


def recent_samples_by_service(session: Session, centre: CentreCatalog, now: datetime) -> dict[str, list[Sample]]:
    """recent_samples() for every service of the centre in one query (a window over finished tickets)."""
    samples: dict[str, list[Sample]] = {code: [] for code in centre.service_ids}
    for row in queues.finished_by_service(session, centre.id, now - RECENT_WINDOW, RECENT_SERVICES):
        code = centre.service_code(row.service_id)
        if code in samples and row.called_at is not None and row.finished_at is not None:
            minutes = (row.finished_at - row.called_at).total_seconds() / 60
            samples[code].append(Sample(minutes, int(row.transactions or 1)))
    return samples


def service_rate(
    centre: CentreCatalog,
    service: str,
    active: Capacity | dict[str, int],
    samples: list[Sample] | None = None,
    minutes_into_shift: float | None = None,
) -> ServiceRate:
    """Minutes per transaction (configured, shrunk towards recent services) and the counters serving it
    (domain/eta.counted_counters: the configured hall before anyone signs in, and while a shift opens)."""
    config = centre.service(service)
    minutes = observed_minutes(samples or [], config.minutes)
    if isinstance(active, Capacity):
        open_counters = active.open.get(service, 0.0)
        busy, paused = active.busy.get(service, 0.0), active.paused.get(service, 0.0)
    else:
        open_counters, busy, paused = float(active.get(service, 0)), 0.0, 0.0
    configured = float(configured_counters(centre, service))
    counters = counted_counters(open_counters, paused, configured, minutes_into_shift)
    return ServiceRate(minutes_per_transaction=minutes, counters=counters, busy=busy, paused=paused)


def minutes_into_shift(session: Session, centre: CentreCatalog, now: datetime) -> float | None:
    """How long the shift open now has been open (None between shifts)."""
    local = local_time(now, centre.config.tz)
    shift = calendar_of(session, centre, now).shift_at(local)
    if shift is None:
        return None
    opened = datetime.combine(local.date(), shift.open, tzinfo=local.tzinfo)
    return (local - opened).total_seconds() / 60


ETA_INPUTS_SECONDS = 2.0  # how long the counters' capacity and recent pace are reused between tickets


def eta_inputs(
    session: Session, centre: CentreCatalog, now: datetime
) -> tuple[Capacity, dict[str, list[Sample]], float | None]:
    """The counters' capacity, every service's recent pace and the minutes since the shift opened, reused
    for ETA_INPUTS_SECONDS: they
    change at the pace of counters and services, not of tickets, and a busy kiosk issues many tickets
    a second. People ahead are always counted afresh."""
    cached = centre.eta_inputs
    if cached is not None and 0 <= (now - cached[0]).total_seconds() < ETA_INPUTS_SECONDS:
        return cached[1], cached[2], cached[3]
    waiting = {code: count for code, (count, _t, _o) in waiting_by_service(session, centre).items()}
    capacity = active_counters(session, centre, waiting)
    samples = recent_samples_by_service(session, centre, now)
    into_shift = minutes_into_shift(session, centre, now)
    centre.eta_inputs = (now, capacity, samples, into_shift)
    return capacity, samples, into_shift


def ticket_estimate(
    session: Session,
    centre: CentreCatalog,
    ticket: QueuedTicket,
    now: datetime | None = None,
    ahead: tuple[int, int] | None = None,
) -> tuple[int, Estimate]:
    """(people ahead, ETA range) for a waiting ticket at `now` (default: when it was queued); `ahead`
    (tickets, transactions) when the caller already knows it."""
    tickets_ahead, transactions = ahead if ahead is not None else people_ahead(session, centre, ticket)
    capacity, samples, into_shift = eta_inputs(session, centre, now or ticket.queued_at)
    service = centre.service_code(ticket.service_id)
    rate = service_rate(centre, service, capacity, samples.get(service, []), into_shift)
    return tickets_ahead, estimate(transactions, rate, tickets_ahead)


def places(
    session: Session, centre: CentreCatalog, service: str, now: datetime
) -> list[tuple[TicketRecord, int, Estimate]]:
    """Every ticket waiting for a service in queue order, each with (people ahead, ETA range): what
    ticket_estimate() says of each, from one read of the queue (the phones of a queue after a call)."""
    boosts = centre.config.priority.boosts()
    waiting = queues.waiting(session, centre.service_ids[service])
    waiting.sort(key=lambda t: queue_key(t.priority, t.queued_at, t.id, boosts))
    capacity, samples, into_shift = eta_inputs(session, centre, now)
    rate = service_rate(centre, service, capacity, samples.get(service, []), into_shift)
    result, transactions = [], 0
    for position, ticket in enumerate(waiting):
        result.append((ticket, position, estimate(transactions, rate, position)))
        transactions += ticket.transactions
    return result


def waiting_by_service(
    session: Session, centre: CentreCatalog, services: Iterable[str] | None = None
) -> dict[str, tuple[int, int, datetime | None]]:
    """Per service code: (tickets waiting, transactions waiting, oldest queued_at), from the tallies and
    one index seek per queue, so it costs the same however long the queues are."""
    ids = [centre.service_ids[s] for s in services] if services is not None else list(centre.service_ids.values())
    if not ids:
        return {}
    counts = queues.tallies(session, ids)
    oldest = queues.oldest_waiting(session, ids)
    result: dict[str, tuple[int, int, datetime | None]] = {}
    for i, service_id in enumerate(ids):
        waiting, transactions = counts.get(service_id, (0, 0))
        result[centre.service_code(service_id)] = (int(waiting), int(transactions), oldest[i] if waiting else None)
    return result
