"""Nobody left behind at closing: when a shift ends, the centre's policy applies to the tickets still waiting
(or parked). `carry` keeps them in line, in their order, into the next shift of the same day; `close` ends
them at every shift's end. Either way a ticket never waits into another business day. A closed ticket is
"not served: closed" (status `closed`, event `closed`): the visitor is told, and reports count it.

Run by the sweep worker every few seconds in every process; the conditional UPDATE closes each ticket once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..domain.calendar import Closing, as_utc, local_time
from ..domain.tickets import EventKind
from ..store import tickets as tickets_store
from ..store.tickets import record_event
from .calendar import calendar_of
from .catalog import Catalog, CentreCatalog
from .events import Event, QueueChanged, TicketChanged


def closing_cutoff(session: Session, centre: CentreCatalog, now: datetime) -> datetime:
    """Tickets issued before this moment (naive UTC) and still waiting are closed now."""
    policy = centre.config.calendar
    calendar = calendar_of(session, centre, now)
    local = local_time(now, centre.config.tz)
    return as_utc(calendar.closing_cutoff(local, Closing(policy.closing), timedelta(minutes=policy.grace_minutes)))


def close_centre(session: Session, centre: CentreCatalog, now: datetime) -> list[Event]:
    """Apply the closing policy to one centre at `now`: the events of the tickets it closed."""
    cutoff = closing_cutoff(session, centre, now)
    closed = tickets_store.close_waiting(session, centre.id, cutoff, now)
    detail = {"policy": centre.config.calendar.closing}
    events: list[Event] = []
    for ticket in closed:
        record_event(session, ticket, EventKind.CLOSED, now, detail=detail)
        events.append(TicketChanged(centre.code, ticket.id, ticket.tracking_code, ticket.status))
    services = tuple(sorted({centre.service_code(t.service_id) for t in closed}))
    if services:
        events.append(QueueChanged(centre.code, services))
    return events


def close_at_closing(session: Session, catalog: Catalog, now: datetime) -> list[Event]:
    """Every centre of the deployment (see `close_centre`)."""
    return [event for centre in catalog.centres.values() for event in close_centre(session, centre, now)]
