"""Read-side questions about a queue, as one statement each: how many wait (the tallies the triggers
keep), who is ahead of a ticket, who waits in it, the oldest waiting ticket of each queue, and the recent
finished services that make its pace. Each reads an index range, so its cost does not grow with history."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, select, tuple_, union_all
from sqlalchemy.orm import Session

from ..domain.tickets import PriorityClass, Status
from .models import QueueTally, Ticket, table
from .prepared import Prepared
from .records import TicketRecord
from .tickets import ticket_record


def _ahead_in_class(priority: str) -> Select[int, int]:
    """Waiting tickets of one priority class before (limit, ticket_id) in queue order: one range of the
    index ix_tickets_queue_priority, which also holds `transactions`, so the count never reads a row."""
    return select(func.count(Ticket.id).label("n"), func.coalesce(func.sum(Ticket.transactions), 0).label("tx")).where(
        Ticket.service_id == bindparam("service_id"),
        Ticket.status == Status.WAITING.value,
        Ticket.priority == priority,
        tuple_(Ticket.queued_at, Ticket.id) < tuple_(bindparam(f"limit_{priority}"), bindparam("ticket_id")),
    )


# Built once, with the limits as parameters (it runs on every ticket issued): one index range per
# priority class instead of a filter over the whole queue.
_CLASSES = union_all(*(_ahead_in_class(p.value) for p in PriorityClass)).subquery()
_AHEAD = Prepared(select(func.sum(_CLASSES.c.n), func.sum(_CLASSES.c.tx)))


_TALLY = Prepared(
    select(QueueTally.waiting, QueueTally.transactions).where(QueueTally.service_id == bindparam("service_id"))
)


_TALLIES = select(QueueTally.service_id, QueueTally.waiting, QueueTally.transactions).where(
    QueueTally.service_id.in_(bindparam("service_ids", expanding=True))
)


def tally(session: Session, service_id: int) -> tuple[int, int]:
    """(tickets, transactions) waiting in a service's queue, from the tally the database keeps."""
    row = _TALLY.execute(session, {"service_id": service_id}).first()
    return (int(row[0]), int(row[1])) if row is not None else (0, 0)


def tallies(session: Session, service_ids: list[int]) -> dict[int, tuple[int, int]]:
    """tally() of several queues in one statement."""
    rows = session.connection().execute(_TALLIES, {"service_ids": service_ids})
    return {row.service_id: (int(row.waiting), int(row.transactions)) for row in rows}


def ahead(session: Session, service_id: int, ticket_id: int, bounds: dict[str, datetime]) -> tuple[int, int]:
    """(tickets, transactions) waiting ahead of a ticket: per priority class, those queued before its
    bound (domain.policy.ahead_bounds), ties broken by id."""
    limits = {f"limit_{priority}": bound for priority, bound in bounds.items()}
    row = _AHEAD.execute(session, {"service_id": service_id, "ticket_id": ticket_id, **limits}).one()
    return int(row[0] or 0), int(row[1] or 0)


_TICKETS = table(Ticket)
_WAITING = Prepared(
    select(_TICKETS).where(_TICKETS.c.service_id == bindparam("service_id"), _TICKETS.c.status == Status.WAITING.value)
)


def waiting(session: Session, service_id: int) -> list[TicketRecord]:
    """Every ticket waiting in a service's queue, in no particular order (domain.policy.queue_key sorts)."""
    rows = _WAITING.execute(session, {"service_id": service_id})
    return [record for row in rows if (record := ticket_record(row)) is not None]


@lru_cache(maxsize=64)
def _oldest_waiting(services: int) -> Prepared:
    """The oldest waiting ticket's queued_at of each of `services` services (ids bound as s0, s1, ...):
    one index seek each (a GROUP BY over the queues would read every waiting ticket)."""
    statement = union_all(
        *(
            select(literal(i).label("i"), func.min(Ticket.queued_at)).where(
                Ticket.service_id == bindparam(f"s{i}"), Ticket.status == Status.WAITING.value
            )
            for i in range(services)
        )
    )
    return Prepared(statement)


def oldest_waiting(session: Session, service_ids: list[int]) -> list[datetime | None]:
    """The oldest waiting ticket's queued_at of each queue, in the order of `service_ids`."""
    rows = _oldest_waiting(len(service_ids)).execute(session, {f"s{i}": v for i, v in enumerate(service_ids)})
    found: dict[int, datetime | None] = {int(row[0]): row[1] for row in rows}
    return [found.get(i) for i in range(len(service_ids))]


def finished(session: Session, service_id: int, since: datetime | None, limit: int) -> list[Any]:
    """The last finished services of a queue (called_at, finished_at, transactions), newest first."""
    query = select(Ticket.called_at, Ticket.finished_at, Ticket.transactions).where(
        Ticket.service_id == service_id,
        Ticket.status == Status.DONE.value,
        Ticket.called_at.is_not(None),
        Ticket.finished_at.is_not(None),
    )
    if since is not None:
        query = query.where(Ticket.finished_at >= since)
    return list(session.execute(query.order_by(Ticket.finished_at.desc()).limit(limit)))


def finished_by_service(session: Session, centre_id: int, since: datetime, limit: int) -> list[Any]:
    """finished() for every queue of a centre in one statement (a window over finished tickets): rows of
    (service_id, called_at, finished_at, transactions)."""
    rank = func.row_number().over(partition_by=Ticket.service_id, order_by=Ticket.finished_at.desc()).label("rank")
    inner = (
        select(Ticket.service_id, Ticket.called_at, Ticket.finished_at, Ticket.transactions, rank)
        .where(
            Ticket.centre_id == centre_id,
            Ticket.status == Status.DONE.value,
            Ticket.called_at.is_not(None),
            Ticket.finished_at >= since,
        )
        .subquery()
    )
    return list(session.execute(select(inner).where(inner.c.rank <= limit)))
