"""Read-side questions about a queue: who is ahead of a ticket, how many wait, how fast it moves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..domain.eta import Estimate, ServiceRate, estimate
from ..store.models import Counter, Ticket
from .catalog import CentreCatalog

ACTIVE_COUNTER_STATES = ("idle", "calling", "serving")


def counter_services(centre: CentreCatalog, counter: Counter) -> list[str]:
    """The services a counter serves now: the supervisor's live choice, else the configured list."""
    if counter.services_override:
        return list(counter.services_override)
    config = centre.config.counter(counter.code)
    return list(config.services) if config else []


def ahead_filter(ticket: Ticket, boosts: dict[str, int]) -> object:
    """SQL condition: waiting tickets of the same service that call-next would take before `ticket`."""
    mine = ticket.queued_at - timedelta(minutes=boosts.get(ticket.priority, 0))
    clauses = []
    for priority in ("none", "elderly", "disabled"):
        limit = mine + timedelta(minutes=boosts.get(priority, 0))
        clauses.append(
            and_(
                Ticket.priority == priority,
                or_(Ticket.queued_at < limit, and_(Ticket.queued_at == limit, Ticket.id < ticket.id)),
            )
        )
    return and_(
        Ticket.service_id == ticket.service_id,
        Ticket.status == "waiting",
        Ticket.id != ticket.id,
        or_(*clauses),
    )


def people_ahead(session: Session, centre: CentreCatalog, ticket: Ticket) -> tuple[int, int]:
    """(tickets ahead, transactions ahead) of a waiting ticket."""
    boosts = centre.config.priority.boosts()
    row = session.execute(
        select(func.count(Ticket.id), func.coalesce(func.sum(Ticket.transactions), 0)).where(
            ahead_filter(ticket, boosts)  # type: ignore[arg-type]
        )
    ).one()
    return int(row[0]), int(row[1])


def active_counters(session: Session, centre: CentreCatalog) -> dict[str, int]:
    """Per service: how many open (not paused, not closed) counters serve it now."""
    counts: dict[str, int] = {}
    rows = session.scalars(select(Counter).where(Counter.centre_id == centre.id))
    for counter in rows:
        if counter.code not in centre.counter_ids or counter.state not in ACTIVE_COUNTER_STATES:
            continue
        for code in counter_services(centre, counter):
            counts[code] = counts.get(code, 0) + 1
    return counts


def configured_counters(centre: CentreCatalog, service: str) -> int:
    return sum(1 for c in centre.config.counters if service in c.services)


def service_rate(centre: CentreCatalog, service: str, active: dict[str, int]) -> ServiceRate:
    """Minutes per transaction and counters serving; before anyone signs in, assume the configured hall."""
    config = centre.service(service)
    counters = active.get(service) or configured_counters(centre, service)
    return ServiceRate(minutes_per_transaction=config.minutes, counters=counters)


def ticket_estimate(
    session: Session, centre: CentreCatalog, ticket: Ticket, active: dict[str, int] | None = None
) -> tuple[int, Estimate]:
    """(people ahead, ETA range) for a waiting ticket."""
    ahead, transactions = people_ahead(session, centre, ticket)
    if active is None:
        active = active_counters(session, centre)
    rate = service_rate(centre, centre.service_code(ticket.service_id), active)
    return ahead, estimate(transactions, rate)


def waiting_by_service(
    session: Session, centre: CentreCatalog, services: Iterable[str] | None = None
) -> dict[str, tuple[int, int, datetime | None]]:
    """Per service code: (tickets waiting, transactions waiting, oldest queued_at)."""
    ids = [centre.service_ids[s] for s in services] if services is not None else list(centre.service_ids.values())
    result: dict[str, tuple[int, int, datetime | None]] = {centre.service_code(i): (0, 0, None) for i in ids}
    rows = session.execute(
        select(
            Ticket.service_id,
            func.count(Ticket.id),
            func.coalesce(func.sum(Ticket.transactions), 0),
            func.min(Ticket.queued_at),
        )
        .where(Ticket.centre_id == centre.id, Ticket.status == "waiting", Ticket.service_id.in_(ids))
        .group_by(Ticket.service_id)
    )
    for service_id, count, transactions, oldest in rows:
        result[centre.service_code(service_id)] = (int(count), int(transactions), oldest)
    return result
