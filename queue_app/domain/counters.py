"""Counter states, who may act on a counter, and which clerk actions fit right now.

Every door (the clerk's console, the REST API) calls the same use cases, and every use case checks
`check_may_act` before it changes anything: the rule lives here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import Conflict, Forbidden
from .tickets import Status


class CounterStatus(StrEnum):
    CLOSED = "closed"  # nobody signed in
    IDLE = "idle"
    CALLING = "calling"  # a ticket was called and has not arrived yet
    SERVING = "serving"
    PAUSED = "paused"


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    CLERK = "clerk"


ACTIVE_STATES = frozenset({CounterStatus.IDLE, CounterStatus.CALLING, CounterStatus.SERVING})
OVERSEERS = frozenset({Role.ADMIN, Role.SUPERVISOR})


@dataclass(frozen=True)
class Actor:
    """Who acts on a counter: a signed-in staff member, or the system (user_id None: sweeps, tests)."""

    user_id: int | None
    role: str | None = None
    centre_id: int | None = None  # the staff member's centre; None: every centre
    username: str | None = None

    @property
    def oversees(self) -> bool:
        """Supervisors and administrators may act on any counter of their centre without taking it."""
        return self.user_id is None or self.role in OVERSEERS


def check_may_act(
    actor: Actor, centre_id: int, code: str, status: CounterStatus | str, holder_id: int | None, holder: str | None
) -> None:
    """The ownership rule: a counter is worked by the clerk who signed in to it; a supervisor (or
    administrator) of its centre may act on it too, without taking it over. A closed counter takes
    no action but a sign-in."""
    if actor.centre_id is not None and actor.centre_id != centre_id:
        raise Forbidden("other_centre")
    if CounterStatus(status) == CounterStatus.CLOSED:
        raise Conflict("counter_not_signed_in", counter=code)
    if holder_id is not None and holder_id != actor.user_id and not actor.oversees:
        raise Conflict("counter_taken", counter=code, clerk=holder or "?")


def check_may_sign_in(
    actor: Actor, centre_id: int, code: str, status: CounterStatus | str, holder_id: int | None, holder: str | None
) -> None:
    """A clerk takes a closed counter or one already theirs; a supervisor may take over any counter."""
    if actor.centre_id is not None and actor.centre_id != centre_id:
        raise Forbidden("other_centre")
    held = CounterStatus(status) != CounterStatus.CLOSED and holder_id not in (None, actor.user_id)
    if held and not actor.oversees:
        raise Conflict("counter_taken", counter=code, clerk=holder or "?")


@dataclass(frozen=True)
class CounterFacts:
    """What decides the allowed actions: the counter's state and the ticket at it."""

    status: CounterStatus
    ticket_status: Status | None = None  # the current ticket's, if one is at the counter
    recalls: int = 0
    max_recalls: int = 0
    parked: int = 0  # tickets parked at this counter
    pending_legs: int = 0  # legs of the current ticket's visit still to come


# Every clerk action by its URL name. The console enables a button iff its action is allowed now.
ACTIONS = (
    "call-next",
    "call",
    "recall",
    "start",
    "complete",
    "no-show",
    "transfer",
    "add-leg",
    "end-visit",
    "park",
    "unpark",
    "requeue",
    "pause",
    "resume",
)


def allowed_actions(facts: CounterFacts) -> list[str]:
    """The actions that fit the counter now (the use cases enforce the same, this is for the screens)."""
    if facts.status == CounterStatus.CLOSED:
        return []
    if facts.status == CounterStatus.PAUSED:
        return ["resume", "requeue"]
    at_counter = facts.ticket_status in (Status.CALLED, Status.SERVING)
    called = facts.ticket_status == Status.CALLED
    allowed = ["call-next", "call", "requeue"]
    if called and facts.recalls < facts.max_recalls:
        allowed.append("recall")
    if called:
        allowed += ["start", "no-show"]
    if at_counter:
        allowed += ["complete", "transfer", "park", "add-leg"]
    if at_counter and facts.pending_legs:
        allowed.append("end-visit")
    if facts.parked:
        allowed.append("unpark")
    if not at_counter:
        allowed.append("pause")
    return [action for action in ACTIONS if action in allowed]
