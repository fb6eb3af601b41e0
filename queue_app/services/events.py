"""What happened, as plain values: services return these, the publisher turns them into messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..store.records import CounterRecord, TicketRecord


@dataclass(frozen=True)
class TicketCalled:
    centre: str
    ticket_id: int
    number: str
    counter: str
    service: str
    tracking_code: str
    recall: bool
    called_at: datetime
    waited: float | None = field(default=None, compare=False)  # seconds in the queue, for a call from it


@dataclass(frozen=True)
class TicketChanged:
    """Any other change to one ticket (issued, started, done, no-show, cancelled, transferred...)."""

    centre: str
    ticket_id: int
    tracking_code: str
    status: str


@dataclass(frozen=True)
class QueueChanged:
    """Waiting counts changed. `reordered`: places in these queues changed too, so the visitors' phones
    re-read their ticket; a ticket without priority joining the end of a queue moves nobody."""

    centre: str
    services: tuple[str, ...]
    reordered: bool = True


@dataclass(frozen=True)
class CounterChanged:
    """A counter changed. `record`, `ticket` and `clerk`: what the use case already knew of it (the
    counter, the ticket now at it, the clerk's name), so the publisher need not read it back."""

    centre: str
    counter: str
    record: CounterRecord | None = field(default=None, compare=False)
    ticket: TicketRecord | None = field(default=None, compare=False)
    clerk: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class CalledOutOfTurn:
    """A clerk called a number ahead of the one due, for a reason: staff pages (the board) show it."""

    centre: str
    number: str
    counter: str
    service: str
    reason: str
    clerk: str | None
    at: datetime


Event = TicketCalled | TicketChanged | QueueChanged | CounterChanged | CalledOutOfTurn
