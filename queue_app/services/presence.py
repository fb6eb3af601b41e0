"""The clerk's presence at a counter: sign in (a clerk holds one counter at a time), pause with a
reason, resume, sign out. Each writes a `StaffEvent` row (timesheets, reports)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..domain.counters import Actor, CounterStatus, check_may_sign_in
from ..domain.errors import Conflict
from ..domain.tickets import AT_COUNTER
from ..store import counters as store
from ..store import tickets as tickets_store
from .catalog import CentreCatalog
from .counters import CounterResult, acting_counter, counter_changed, finish_current, username
from .events import Event


def pause(
    session: Session, centre: CentreCatalog, code: str, reason: str | None, actor: Actor, now: datetime
) -> CounterResult:
    """A break (prayer, meeting...): the counter takes no calls until resumed."""
    counter = acting_counter(session, centre, code, actor)
    if counter.state == CounterStatus.PAUSED:
        raise Conflict("counter_paused")
    if counter.current_ticket_id is not None:
        current = tickets_store.ticket(session, counter.current_ticket_id)
        if current is not None and current.status in AT_COUNTER:
            raise Conflict("ticket_still_open", number=current.number)
    reason = (reason or "").strip()[:120] or None
    counter = store.update_counter(
        session, counter, state=CounterStatus.PAUSED.value, pause_reason=reason, current_ticket_id=None, changed_at=now
    )
    store.record_presence(session, centre.id, actor.user_id, counter.id, "pause", reason, now)
    return CounterResult(counter, None, (counter_changed(session, centre, counter, None),))


def resume(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    counter = acting_counter(session, centre, code, actor)
    if counter.state != CounterStatus.PAUSED:
        raise Conflict("counter_not_paused")
    counter = store.update_counter(session, counter, state=CounterStatus.IDLE.value, pause_reason=None, changed_at=now)
    store.record_presence(session, centre.id, actor.user_id, counter.id, "resume", None, now)
    return CounterResult(counter, None, (counter_changed(session, centre, counter, None),))


def sign_in(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    """Staff take a counter: it opens (idle) and the presence is recorded. A clerk holds one counter at a
    time, so any other counter they hold here is signed out first; a counter another clerk holds is
    refused. A supervisor may take over a counter, or open several to cover them."""
    counter = store.counter(session, centre.counter_id(code))
    holder = username(session, centre, counter.user_id) if counter.user_id != actor.user_id else None
    check_may_sign_in(actor, centre.id, code, counter.state, counter.user_id, holder)
    events: list[Event] = []
    if actor.user_id is not None and not actor.oversees:
        for other in store.counters_held_by(session, centre.id, actor.user_id):
            if other.id != counter.id:
                events += sign_out(session, centre, other.code, actor, now).events
    state = CounterStatus.IDLE.value if counter.state == CounterStatus.CLOSED else counter.state
    counter = store.update_counter(session, counter, state=state, user_id=actor.user_id, changed_at=now)
    store.record_presence(session, centre.id, actor.user_id, counter.id, "sign_in", None, now)
    return CounterResult(counter, None, (*events, counter_changed(session, centre, counter, None)))


def sign_out(session: Session, centre: CentreCatalog, code: str, actor: Actor, now: datetime) -> CounterResult:
    """Leave the counter: an open ticket is completed when the rules say so; parked tickets stay with it."""
    counter = acting_counter(session, centre, code, actor)
    events = finish_current(session, centre, counter, actor, now)
    store.record_presence(session, centre.id, actor.user_id, counter.id, "sign_out", None, now)
    counter = store.update_counter(
        session,
        counter,
        state=CounterStatus.CLOSED.value,
        current_ticket_id=None,
        user_id=None,
        pause_reason=None,
        changed_at=now,
    )
    return CounterResult(counter, None, (*events, counter_changed(session, centre, counter, None)))
