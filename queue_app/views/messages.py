"""The message sent to a visitor (webhook body, SMS words' facts): one wire shape for every event."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from ..domain.messages import STATUS_OF, Message
from ..domain.tickets import tracking_link
from ..services.catalog import CentreCatalog
from ..store import outbox
from .hall import iso


class MessageFacts(Protocol):
    """What a message needs of its ticket: a stored event's row or a waiting ticket's row."""

    @property
    def id(self) -> int: ...
    @property
    def centre_id(self) -> int: ...
    @property
    def service_id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def tracking_code(self) -> str: ...
    @property
    def phone(self) -> str | None: ...


def message_payload(
    centre: CentreCatalog,
    ticket: MessageFacts,
    event: Message,
    ahead: int | None,
    counter_id: int | None,
    public_url: str,
) -> dict[str, Any]:
    """The facts of one message, with the names it needs in every language of the centre."""
    service = centre.service_code(ticket.service_id)
    payload: dict[str, Any] = {
        "event": event.value,
        "centre": centre.code,
        "number": ticket.number,
        "service": service,
        "service_names": centre.service(service).names.as_dict(),
        "status": STATUS_OF[event].value,  # the state the message speaks of, not whatever came since
        "lang": ticket.lang,
        "tracking_code": ticket.tracking_code,
        "tracking_url": tracking_link(public_url, ticket.tracking_code),
        "ahead": ahead,
        "counter": None,
        "phone": ticket.phone,
    }
    if event == Message.CALLED and counter_id is not None:
        code = centre.counter_code(counter_id)
        config = centre.config.counter(code)
        payload["counter"] = {"code": code, "names": config.names.as_dict() if config else {}}
    if event == Message.DUE:
        payload["hold_minutes"] = centre.config.remote.hold_minutes
    if event == Message.DONE:
        payload["rating_url"] = payload["tracking_url"] + "#rate"
    return payload


def outbox_listing(
    session: Session, centre: CentreCatalog, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The outbox for staff, newest first: failures are what they look at."""
    return [
        {
            "id": n.id,
            "event": n.event,
            "channel": n.channel,
            "number": n.payload.get("number"),
            "status": n.status,
            "attempts": n.attempts,
            "last_error": n.last_error,
            "created_at": iso(n.created_at),
            "next_try_at": iso(n.next_try_at),
            "sent_at": iso(n.sent_at),
        }
        for n in outbox.messages_of_centre(session, centre.id, status, limit)
    ]
