"""The queue under random interleavings (Hypothesis stateful testing) on a real SQLite file: issue, call,
recall, start, complete, no-show, park and call back, transfer, requeue, cancel, pause and resume across
three counters, with the clock moving on. After every step the hall's invariants hold, and a refusal
is always a QueueError that changed nothing."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from queue_app.domain.counters import Actor, CounterStatus
from queue_app.domain.errors import QueueError
from queue_app.domain.tickets import Status
from queue_app.services import accounts, counters, presence, returning
from queue_app.services.catalog import sync_catalog
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.settings import load_config
from queue_app.store import tickets as tickets_store
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.store.models import Counter as CounterRow
from queue_app.store.models import QueueTally, Ticket, User
from tests.support.server import SMALL_CONFIG

START = datetime(2026, 11, 22, 6, 0)  # 09:00 in Kuwait, a Sunday, inside the morning shift
COUNTERS = ("1", "2", "3")
SERVICES = ("traffic", "residency")
AT_COUNTER = {Status.CALLED.value, Status.SERVING.value}
_TEMPLATE: dict[str, Path] = {}


def migrated_template() -> Path:
    """One migrated empty SQLite file for the whole run; each example copies it."""
    if "path" not in _TEMPLATE:
        path = Path(tempfile.mkdtemp(prefix="tabour-stateful-")) / "template.db"
        upgrade(f"sqlite:///{path}")
        _TEMPLATE["path"] = path
    return _TEMPLATE["path"]


class Hall(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="tabour-hall-"))
        shutil.copyfile(migrated_template(), self.folder / "tabour.db")
        self.db = Database(f"sqlite:///{self.folder / 'tabour.db'}")
        self.now = START
        with self.db.transaction() as session:
            self.centre = sync_catalog(session, load_config(SMALL_CONFIG)).centre("test")
            for code in COUNTERS:
                desk = User(username=f"desk-{code}", password_hash="-", role="clerk", centre_id=self.centre.id)
                desk.created_at = START
                session.add(desk)
                session.flush()
                presence.sign_in(session, self.centre, code, Actor(desk.id, "clerk", self.centre.id), START)
            user = accounts.create_user(session, "sup", "secret-pass-1", "supervisor", self.centre.id, START)
            self.actor = Actor(user.id, "supervisor", self.centre.id, "sup")
        self.empty_answers: list[tuple[str, list[str]]] = []  # (counter, what waited for it) on "nobody waits"

    def teardown(self) -> None:
        self.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- doing ---------------------------------------------------------------------------------------
    def act(self, action: Any, *args: Any) -> Any:
        """One use case in one transaction, a minute after the last; a refusal must be a QueueError."""
        self.now += timedelta(minutes=1)
        try:
            with self.db.transaction() as session:
                return action(session, self.centre, *args)
        except QueueError:
            return None

    def numbers(self, *statuses: str) -> list[str]:
        with self.db.reading() as session:
            query = select(Ticket.number).where(Ticket.status.in_(statuses)).order_by(Ticket.id)
            return list(session.scalars(query))

    @rule(service=st.sampled_from(SERVICES), priority=st.sampled_from(["none", "none", "elderly", "disabled"]))
    def issue(self, service: str, priority: str) -> None:
        self.act(lambda s, c: issue_ticket(s, c, TicketRequest(service=service, priority=priority), self.now))

    @rule(counter=st.sampled_from(COUNTERS))
    def call_next(self, counter: str) -> None:
        served = set(self.centre.config.counter(counter).services)
        with self.db.reading() as session:
            row = session.scalar(select(CounterRow).where(CounterRow.id == self.centre.counter_id(counter)))
            assert row is not None
            paused = row.state == CounterStatus.PAUSED.value
            waiting = [
                number
                for number, service_id in session.execute(
                    select(Ticket.number, Ticket.service_id).where(Ticket.status == Status.WAITING.value)
                )
                if self.centre.service_code(service_id) in served
            ]
        result = self.act(counters.call_next, counter, self.actor, self.now)
        if result is not None and result.ticket is None:
            assert not paused
            if waiting:
                self.empty_answers.append((counter, waiting))
        if result is not None and result.ticket is not None:
            assert result.ticket.number in waiting, "call-next called a ticket that was not waiting for it"

    @rule(counter=st.sampled_from(COUNTERS))
    def recall(self, counter: str) -> None:
        self.act(counters.recall, counter, self.actor, self.now)

    @rule(counter=st.sampled_from(COUNTERS))
    def start(self, counter: str) -> None:
        self.act(counters.start, counter, self.actor, self.now)

    @rule(counter=st.sampled_from(COUNTERS))
    def complete(self, counter: str) -> None:
        self.act(counters.complete, counter, self.actor, self.now)

    @rule(counter=st.sampled_from(COUNTERS))
    def no_show(self, counter: str) -> None:
        self.act(counters.no_show, counter, self.actor, self.now)

    @rule(counter=st.sampled_from(COUNTERS))
    def park(self, counter: str) -> None:
        self.act(returning.park, counter, "fetch the passport", self.actor, self.now)

    @precondition(lambda self: bool(self.numbers(Status.PARKED.value)))
    @rule(counter=st.sampled_from(COUNTERS), pick=st.integers(min_value=0, max_value=50))
    def unpark(self, counter: str, pick: int) -> None:
        parked = self.numbers(Status.PARKED.value)
        self.act(returning.unpark, counter, parked[pick % len(parked)], self.actor, self.now)

    @rule(counter=st.sampled_from(COUNTERS), service=st.sampled_from(SERVICES))
    def transfer(self, counter: str, service: str) -> None:
        self.act(counters.transfer, counter, service, None, self.actor, self.now)

    @precondition(lambda self: bool(self.numbers(Status.NO_SHOW.value)))
    @rule(counter=st.sampled_from(COUNTERS), pick=st.integers(min_value=0, max_value=50))
    def requeue(self, counter: str, pick: int) -> None:
        missed = self.numbers(Status.NO_SHOW.value)
        self.act(returning.requeue, counter, missed[pick % len(missed)], self.actor, self.now)

    @precondition(lambda self: bool(self.numbers(*[s.value for s in Status])))
    @rule(pick=st.integers(min_value=0, max_value=50), at_counter=st.booleans())
    def cancel(self, pick: int, at_counter: bool) -> None:
        """The visitor leaves: often the one being called right now, else any ticket (finished ones are
        refused)."""
        with self.db.reading() as session:
            ids = list(session.scalars(select(Ticket.id).order_by(Ticket.id)))
            called = list(session.scalars(select(Ticket.id).where(Ticket.status == Status.CALLED.value)))
        choices = called if at_counter and called else ids
        ticket_id = choices[pick % len(choices)]

        def leave(session: Any, centre: Any) -> Any:
            ticket = tickets_store.ticket(session, ticket_id)
            assert ticket is not None
            return counters.leave(session, centre, ticket, self.now)

        self.act(leave)

    @rule(counter=st.sampled_from(COUNTERS))
    def pause(self, counter: str) -> None:
        self.act(presence.pause, counter, "prayer", self.actor, self.now)

    @rule(counter=st.sampled_from(COUNTERS))
    def resume(self, counter: str) -> None:
        self.act(presence.resume, counter, self.actor, self.now)

    # -- what always holds -----------------------------------------------------------------------------
    @invariant()
    def call_next_never_says_nobody_waits_while_someone_does(self) -> None:
        assert self.empty_answers == []

    @invariant()
    def each_visitor_is_at_one_counter_at_most_and_each_counter_has_one_visitor(self) -> None:
        with self.db.reading() as session:
            rows = session.execute(select(CounterRow.code, CounterRow.state, CounterRow.current_ticket_id)).all()
            tickets = {
                t.id: (t.status, t.counter_id)
                for t in session.execute(select(Ticket.id, Ticket.status, Ticket.counter_id))
            }
        current = [ticket_id for _code, _state, ticket_id in rows if ticket_id is not None]
        assert len(current) == len(set(current)), "one ticket is current at two counters"
        for code, state, ticket_id in rows:
            if state in (CounterStatus.CALLING.value, CounterStatus.SERVING.value):
                assert ticket_id is not None, f"counter {code} is {state} with no ticket"
                status, counter_id = tickets[ticket_id]
                assert status in AT_COUNTER and counter_id == self.centre.counter_id(code)
        at_counters = {ticket_id for ticket_id, (status, _c) in tickets.items() if status in AT_COUNTER}
        assert at_counters <= set(current), "a called or served ticket that no counter holds"

    @invariant()
    def parked_tickets_stay_with_a_counter(self) -> None:
        with self.db.reading() as session:
            parked = session.execute(
                select(Ticket.counter_id, Ticket.parked_at).where(Ticket.status == Status.PARKED.value)
            ).all()
        assert all(counter_id is not None and parked_at is not None for counter_id, parked_at in parked)

    @invariant()
    def the_tallies_match_a_plain_count(self) -> None:
        with self.db.reading() as session:
            counted = Counter(
                dict(
                    session.execute(
                        select(Ticket.service_id, func.count())
                        .where(Ticket.status == Status.WAITING.value)
                        .group_by(Ticket.service_id)
                    ).all()
                )
            )
            tallies = session.execute(select(QueueTally.service_id, QueueTally.waiting)).all()
            kept = Counter({service_id: waiting for service_id, waiting in tallies if waiting})
        assert kept == +counted

    @invariant()
    def numbers_never_repeat(self) -> None:
        with self.db.reading() as session:
            numbers = list(session.scalars(select(Ticket.number)))
        assert len(numbers) == len(set(numbers))

    @invariant()
    def finished_tickets_have_an_end_and_waiting_ones_none(self) -> None:
        with self.db.reading() as session:
            tickets = session.execute(select(Ticket.number, Ticket.status, Ticket.finished_at)).all()
        for number, status, finished_at in tickets:
            finished = status in (Status.DONE.value, Status.NO_SHOW.value, Status.CANCELLED.value)
            assert (finished_at is not None) == finished, (number, status)


Hall.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=40,
    deadline=None,  # a busy machine makes steps slow, never wrong
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,  # the same interleavings every run: a failure reproduces, CI never flickers
)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_queue_keeps_its_invariants_under_random_interleavings() -> None:
    Hall.TestCase("runTest").runTest()
