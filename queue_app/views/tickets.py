"""A ticket as it goes on the wire (the API, the phone page): a contract (docs/api.md, openapi.yaml)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..domain.calendar import local_time
from ..domain.eta import Estimate
from ..domain.tickets import AT_COUNTER, OPEN_STATES, Status, tracking_link
from ..domain.visits import LegStatus
from ..services import visits
from ..services.catalog import CentreCatalog
from ..services.queue_state import places, ticket_estimate
from ..store.records import TicketRecord
from .hall import iso


def local_iso(centre: CentreCatalog, moment: datetime | None) -> str | None:
    """A stored (naive UTC) moment in the centre's time, with its offset: what people read as a clock."""
    return local_time(moment, centre.config.tz).isoformat(timespec="seconds") if moment is not None else None


def legs_json(session: Session, centre: CentreCatalog, ticket: TicketRecord) -> list[dict[str, Any]]:
    """A visit's legs in the visitor's order (a single-service ticket: its one leg), each with its body,
    so a page can say where to go next."""
    result = []
    for leg in visits.legs_of(session, ticket):
        code = centre.service_code(leg.service_id)
        body = centre.config.body_of(code)
        result.append(
            {
                "position": leg.position,
                "service": code,
                "service_names": centre.service(code).names.as_dict(),
                "body": body.code if body else None,
                "body_names": body.names.as_dict() if body else {},
                "transactions": leg.transactions,
                "for": leg.relation,
                "status": leg.status,
            }
        )
    return result


def visit_minutes(
    centre: CentreCatalog, ticket: TicketRecord, legs: list[dict[str, Any]], eta_minutes: int | None
) -> int | None:
    """A family visit's expected minutes until its last service ends: the wait for the current leg, then
    every transaction of every leg not yet done at its service's pace. Later legs keep the visit's place
    in time, so their own waits are short and not counted. None once the visit is over."""
    if ticket.status not in OPEN_STATES:
        return None
    to_do = [leg for leg in legs if leg["status"] in (LegStatus.CURRENT, LegStatus.PENDING)]
    serving = sum(leg["transactions"] * centre.service(leg["service"]).minutes for leg in to_do)
    return round((eta_minutes or 0) + serving)


def ticket_json(
    session: Session,
    centre: CentreCatalog,
    ticket: TicketRecord,
    public_url: str,
    now: datetime,
    *,
    private: bool = True,
    ahead: tuple[int, Any] | None = None,
) -> dict[str, Any]:
    """A ticket as the API shows it; `private=False` (the public tracking view) leaves out the id and
    anything personal."""
    wait: dict[str, Any] = {"position": None, "eta_minutes": None, "eta_range": None}
    if ticket.status == Status.WAITING:
        wait = wait_json(*(ahead if ahead is not None else ticket_estimate(session, centre, ticket, now)))
    counter = None
    if ticket.status in (*AT_COUNTER, Status.PARKED) and ticket.counter_id is not None:
        code = centre.counter_code(ticket.counter_id)
        config = centre.config.counter(code)
        counter = {"code": code, "names": config.names.as_dict() if config else {}}
    service_code = centre.service_code(ticket.service_id)
    service = centre.service(service_code)
    data: dict[str, Any] = {
        "number": ticket.number,
        "centre": centre.code,
        "service": service_code,
        "service_names": service.names.as_dict(),
        "status": ticket.status,
        "priority": ticket.priority,
        "transactions": ticket.transactions,
        "tracking_code": ticket.tracking_code,
        "tracking_url": tracking_link(public_url, ticket.tracking_code),
        **wait,
        "counter": counter,
        "lang": ticket.lang,
        "source": ticket.source,
        "needs_check_in": ticket.needs_check_in and ticket.checked_in_at is None,
        # joined from home: null until they are due (told to come), then the end of the hold, centre time
        "hold_until": local_iso(centre, ticket.hold_until),
        "issued_at": iso(ticket.issued_at),
        "called_at": iso(ticket.called_at),
        "recalls": ticket.recalls,  # a recall calls the visitor again: their phone alerts again
        "legs": legs_json(session, centre, ticket),
    }
    if ticket.legs > 1:
        data["visit_minutes"] = visit_minutes(centre, ticket, data["legs"], wait["eta_minutes"])
    if private:
        data = {"id": ticket.id, **data, "note": ticket.note}
    return data


def wait_json(ahead: int, eta: Estimate) -> dict[str, Any]:
    """A waiting ticket's place and expected wait as ticket_json() and place_json() both give them."""
    return {"position": ahead, "eta_minutes": eta.minutes, "eta_range": [eta.low, eta.high]}


def place_json(
    session: Session, centre: CentreCatalog, ticket: TicketRecord, ahead: int, eta: Estimate
) -> dict[str, Any]:
    """What changes on a waiting ticket's page when people ahead move: the fields of ticket_json() for its
    place and wait (a family visit's whole time too), so the phone need not read the ticket again."""
    data = {"tracking_code": ticket.tracking_code, **wait_json(ahead, eta)}
    if ticket.legs > 1:
        data["visit_minutes"] = visit_minutes(centre, ticket, legs_json(session, centre, ticket), eta.minutes)
    return data


def places_json(session: Session, centre: CentreCatalog, service: str, now: datetime) -> list[dict[str, Any]]:
    """place_json() of every ticket waiting for a service."""
    return [place_json(session, centre, t, ahead, eta) for t, ahead, eta in places(session, centre, service, now)]
