"""The visitor's rating of a finished service, stored with the ticket, counter, clerk and service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.errors import Conflict, InvalidInput
from ..domain.tickets import Status
from ..store.models import Rating, TicketEvent
from ..store.records import TicketRecord

MAX_COMMENT = 1000


def rating_of(session: Session, ticket: TicketRecord) -> Rating | None:
    return session.scalars(select(Rating).where(Rating.ticket_id == ticket.id)).first()


def clerk_of(session: Session, ticket: TicketRecord) -> int | None:
    """The clerk who served the ticket: the user of its latest counter event."""
    return session.scalar(
        select(TicketEvent.user_id)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.user_id.is_not(None))
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(1)
    )


def rate(session: Session, ticket: TicketRecord, score: object, comment: object, now: datetime) -> Rating:
    """Score 1-5 and an optional comment, once per ticket, only after the service is done."""
    if ticket.status != Status.DONE:
        raise Conflict("not_served_yet")
    try:
        value = int(str(score))
    except ValueError:
        raise InvalidInput("invalid_score") from None
    if not 1 <= value <= 5:
        raise InvalidInput("invalid_score")
    text = str(comment or "").strip()[:MAX_COMMENT] or None
    if rating_of(session, ticket) is not None:
        raise Conflict("already_rated")
    rating = Rating(
        ticket_id=ticket.id,
        centre_id=ticket.centre_id,
        service_id=ticket.service_id,
        counter_id=ticket.counter_id,
        user_id=clerk_of(session, ticket),
        score=value,
        comment=text,
        created_at=now,
    )
    session.add(rating)
    session.flush()
    return rating
