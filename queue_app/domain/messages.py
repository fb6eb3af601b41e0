"""The messages a visitor can be sent (SMS, webhook), and which ticket transition sends which."""

from __future__ import annotations

from enum import StrEnum

from .tickets import EventKind, Status


class Message(StrEnum):
    ISSUED = "issued"
    AHEAD = "ahead"  # a few people ahead: time to come to the hall
    CALLED = "called"
    DONE = "done"  # with a link to rate the service
    DUE = "due"  # joined from home: time to come, the place is held for hold_minutes
    CLOSED = "closed"  # not served: the centre closed first
    BOOKED = "booked"  # an appointment booked or moved: its code, time and link
    REMINDER = "reminder"  # an appointment soon


MESSAGE_FOR: dict[EventKind, Message] = {
    EventKind.ISSUED: Message.ISSUED,
    EventKind.CALLED: Message.CALLED,
    EventKind.RECALLED: Message.CALLED,
    EventKind.DONE: Message.DONE,
    EventKind.DUE: Message.DUE,
    EventKind.CLOSED: Message.CLOSED,
}

STATUS_OF: dict[Message, Status] = {  # the ticket's state each message speaks of
    Message.ISSUED: Status.WAITING,
    Message.AHEAD: Status.WAITING,
    Message.CALLED: Status.CALLED,
    Message.DONE: Status.DONE,
    Message.DUE: Status.WAITING,
    Message.CLOSED: Status.CLOSED,
}
