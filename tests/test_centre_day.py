"""The centre's day with the clock moved by hand (every use case takes `now`): a busy day that ends with
people waiting under both closing policies, the end-of-shift sweep in two processes at once, closures
announced during the day, the daily cap on the service list, and a visitor from home told when to come.
On a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import copy
import multiprocessing
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from queue_app.domain.errors import Conflict, IntakeClosed, QueueError
from queue_app.domain.tickets import EventKind, Status
from queue_app.notifications import OutboxPlanner
from queue_app.services import accounts, calendar, closing, counters, presence, remote, returning
from queue_app.services.catalog import CentreCatalog, sync_catalog
from queue_app.services.counters import Actor
from queue_app.services.queue_state import waiting_by_service
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.settings import Notifications, parse_config
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.store.models import Notification, Ticket, TicketEvent, User
from queue_app.views.hall import services_summary
from tests.support.server import SMALL_CONFIG

SUNDAY = datetime(2026, 11, 22)  # a Sunday; Kuwait is UTC+3


def local(hour: int, minute: int = 0, day: int = 0) -> datetime:
    """HH:MM in Kuwait on SUNDAY (+ `day` days), as the naive UTC the use cases take."""
    return SUNDAY + timedelta(days=day, hours=hour - 3, minutes=minute)


def hall(policy: str = "carry", **remote_rules: Any) -> dict[str, Any]:
    """The small test config with a real day: a morning and an evening shift, and the closing policy."""
    data = copy.deepcopy(yaml.safe_load(SMALL_CONFIG.read_text(encoding="utf-8")))
    centre = data["centres"][0]
    every_day = ["sat", "sun", "mon", "tue", "wed", "thu", "fri"]
    centre["shifts"] = [
        {"code": "morning", "names": {"ar": "صباحية"}, "days": every_day, "open": "07:30", "close": "14:00",
         "last_ticket": "13:30"},
        {"code": "evening", "names": {"ar": "مسائية"}, "days": every_day, "open": "16:00", "close": "21:00",
         "last_ticket": "20:30"},
    ]  # fmt: skip
    centre["calendar"] = {"closing": policy}
    centre["remote"].update(remote_rules)
    return data


def open_day(url: str, data: dict[str, Any]) -> tuple[Database, CentreCatalog, Actor]:
    """Migrate, sync the config, and sign a clerk in at every counter; the actor is a supervisor who may
    work them all (the ownership rule has tests of its own)."""
    upgrade(url)
    database = Database(url)
    with database.transaction() as session:
        catalog = sync_catalog(session, parse_config(data))
        calendar.seed(session, catalog, local(7))
        centre = catalog.centre("test")
        for code in centre.counter_ids:
            desk = User(username=f"desk-{code}", password_hash="-", role="clerk", centre_id=centre.id,
                        created_at=local(7))  # fmt: skip
            session.add(desk)
            session.flush()
            presence.sign_in(session, centre, code, Actor(desk.id, "clerk", centre.id), local(7))
        user = accounts.create_user(session, "lead", "secret-pass-1", "supervisor", centre.id, local(7))
        return database, centre, Actor(user.id, "supervisor", centre.id, "lead")


def issue(database: Database, centre: CentreCatalog, at: datetime, service: str = "traffic") -> Any:
    with database.transaction() as session:
        return issue_ticket(session, centre, TicketRequest(service=service), at).ticket


def call(database: Database, centre: CentreCatalog, actor: Actor, at: datetime, counter: str = "1") -> Any:
    with database.transaction() as session:
        return counters.call_next(session, centre, counter, actor, at).ticket


def sweep(database: Database, centre: CentreCatalog, at: datetime) -> list[str]:
    """One end-of-shift sweep at `at`: the numbers it closed."""
    with database.transaction() as session:
        closed_before = {t.number for t in _tickets(session, Status.CLOSED)}
        closing.close_centre(session, centre, at)
        return sorted({t.number for t in _tickets(session, Status.CLOSED)} - closed_before)


def _tickets(session: Any, status: Status) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.status == status.value)))


def closed_events(database: Database) -> Counter[int]:
    with database.reading() as session:
        rows = session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.kind == EventKind.CLOSED.value))
        return Counter(rows)


@pytest.mark.parametrize("policy", ["carry", "close"])
def test_a_busy_day_ends_with_nobody_left_waiting(database_url: str, policy: str) -> None:
    database, centre, clerk = open_day(database_url, hall(policy))
    try:
        morning = [issue(database, centre, local(8, i)).number for i in range(5)]
        assert morning == ["A001", "A002", "A003", "A004", "A005"]
        assert call(database, centre, clerk, local(9)).number == "A001"
        with database.transaction() as session:  # A001 goes to fetch a document: parked at counter 1
            returning.park(session, centre, "1", "passport copy", clerk, local(9, 5))
        assert call(database, centre, clerk, local(9, 10)).number == "A002"  # called, at the counter

        # 14:00, the morning ends with A001 parked and A003-A005 waiting
        closed_at_two = sweep(database, centre, local(14, 1))
        if policy == "close":
            assert closed_at_two == ["A001", "A003", "A004", "A005"]  # the called A002 stays with its clerk
        else:
            assert closed_at_two == []  # carried into the evening, in their order
        evening = [issue(database, centre, local(16, 30 + i)).number for i in range(2)]
        assert evening == ["A006", "A007"]
        first_called = call(database, centre, clerk, local(16, 40), counter="2").number
        assert first_called == ("A003" if policy == "carry" else "A006")  # the morning's queue goes first

        # 21:00, the day's last shift ends: whatever still waits is closed, under either policy
        left = sweep(database, centre, local(21, 1))
        assert left == (["A001", "A004", "A005", "A006", "A007"] if policy == "carry" else ["A007"])
        assert sweep(database, centre, local(21, 30)) == []  # a later sweep finds nothing more
        with database.reading() as session:
            assert waiting_by_service(session, centre)["traffic"][0] == 0  # the tally agrees

        # the next morning nobody from yesterday is called first
        assert call(database, centre, clerk, local(7, 35, day=1), counter="2") is None
        assert issue(database, centre, local(7, 40, day=1)).number == "A001"
        assert all(count == 1 for count in closed_events(database).values())
    finally:
        database.dispose()


def test_a_waiting_ticket_from_yesterday_is_closed_even_if_no_sweep_ran_at_closing(database_url: str) -> None:
    """The server was off at 21:00: the first sweep of the next day closes yesterday's queue, carry or not."""
    database, centre, _clerk = open_day(database_url, hall("carry"))
    try:
        issue(database, centre, local(20, 0))
        assert sweep(database, centre, local(7, 31, day=1)) == ["A001"]
    finally:
        database.dispose()


def _sweep_in_a_process(url: str, config: str, now: datetime, start: Any, results: Any) -> None:
    """One server process's sweep, as the sweep worker runs it: a failed round (SQLite busy) runs again."""
    database = Database(url)
    with database.transaction() as session:
        catalog = sync_catalog(session, parse_config(yaml.safe_load(config)))
    start.wait()
    for _attempt in range(50):
        try:
            with database.transaction() as session:
                events = closing.close_at_closing(session, catalog, now)
            results.put(sum(1 for e in events if type(e).__name__ == "TicketChanged"))
            break
        except Exception:
            continue
    database.dispose()


def test_the_end_of_shift_sweep_closes_each_ticket_once_across_two_processes(database_url: str) -> None:
    data = hall("close")
    database, centre, _clerk = open_day(database_url, data)
    try:
        for i in range(60):
            issue(database, centre, local(9, i % 60, 0), "traffic" if i % 2 else "residency")
        context = multiprocessing.get_context("spawn")
        start, results = context.Barrier(2), context.Queue()
        config = yaml.safe_dump(data, allow_unicode=True)
        workers = [
            context.Process(target=_sweep_in_a_process, args=(database_url, config, local(14, 5), start, results))
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
            assert worker.exitcode == 0
        closed_by = sorted(results.get(timeout=5) for _ in workers)
        assert sum(closed_by) == 60  # between them, every ticket once
        events = closed_events(database)
        assert len(events) == 60 and set(events.values()) == {1}
    finally:
        database.dispose()


def test_a_closure_announced_today_stops_intake_and_closes_the_queue(database_url: str) -> None:
    database, centre, clerk = open_day(database_url, hall("carry"))
    try:
        issue(database, centre, local(8))
        with database.transaction() as session:
            entry = calendar.add_closed_days(
                session, centre, "closure", "2026-11-22", None, {"en": "Power cut", "ar": "انقطاع الكهرباء"},
                clerk.user_id, local(9),
            )  # fmt: skip
        with pytest.raises(IntakeClosed) as refused, database.transaction() as session:
            issue_ticket(session, centre, TicketRequest(service="traffic"), local(9, 1))
        assert refused.value.code == "closure"
        assert refused.value.params["names"]["en"] == "Power cut"
        assert refused.value.params["names"]["ur"] == "انقطاع الكهرباء"  # a missing language reads the Arabic
        assert refused.value.params["opens_at"].isoformat() == "2026-11-23T07:30:00+03:00"
        with database.reading() as session:
            listed = {s["code"]: s for s in services_summary(session, centre, local(9, 1))}
        assert (listed["traffic"]["open"], listed["traffic"]["closed_reason"]) == (False, "closure")
        assert listed["traffic"]["opens_at"] == "2026-11-23T07:30:00+03:00"
        assert sweep(database, centre, local(9, 2)) == ["A001"]  # nobody waits for a hall that is closed

        with database.transaction() as session:  # called off: the day opens again by its shifts
            calendar.remove_closed_days(session, centre, entry.id or 0)
        assert issue(database, centre, local(9, 3)).number == "A002"
        with pytest.raises(QueueError) as unknown, database.transaction() as session:
            calendar.remove_closed_days(session, centre, entry.id or 0)
        assert unknown.value.code == "unknown_calendar_entry"
    finally:
        database.dispose()


def test_closures_from_the_config_follow_the_file_and_staff_closures_survive_a_restart(tmp_path: Path) -> None:
    data = hall()
    data["centres"][0]["calendar"]["holidays"] = [{"date": "2026-11-23", "names": {"ar": "عطلة", "en": "Holiday"}}]
    database, centre, clerk = open_day(f"sqlite:///{tmp_path / 'day.db'}", data)
    try:
        with database.transaction() as session:
            calendar.add_closed_days(session, centre, "closure", "2026-11-24", None, "Works", clerk.user_id, local(9))
            seen = [(d["date"], d["closed_reason"]) for d in calendar.days(session, centre, SUNDAY.date(), 3, local(9))]
        assert seen == [("2026-11-22", None), ("2026-11-23", "holiday"), ("2026-11-24", "closure")]
        data["centres"][0]["calendar"]["holidays"] = []  # the holiday leaves config.yaml; restart
        with database.transaction() as session:
            catalog = sync_catalog(session, parse_config(data))
            calendar.seed(session, catalog, local(10))
            centre = catalog.centre("test")
            seen = [d["closed_reason"] for d in calendar.days(session, centre, SUNDAY.date(), 3, local(10))]
        assert seen == [None, None, "closure"]
        with pytest.raises(Conflict), database.transaction() as session:  # the file's entries change in the file
            data["centres"][0]["calendar"]["closures"] = [{"date": "2026-11-25", "names": {"ar": "x"}}]
            catalog = sync_catalog(session, parse_config(data))
            calendar.seed(session, catalog, local(10))
            centre = catalog.centre("test")
            config_entry = calendar.days(session, centre, datetime(2026, 11, 25).date(), 1, local(10))[0]["entry_id"]
            assert config_entry is not None
            calendar.remove_closed_days(session, centre, config_entry)
    finally:
        database.dispose()


def test_a_service_at_its_daily_cap_shows_closed_on_the_list_with_the_next_opening(tmp_path: Path) -> None:
    data = hall()
    data["centres"][0]["bodies"][0]["services"][0]["daily_cap"] = 2
    database, centre, _clerk = open_day(f"sqlite:///{tmp_path / 'cap.db'}", data)
    try:
        issue(database, centre, local(8))
        with database.reading() as session:
            assert services_summary(session, centre, local(8, 1))[0]["open"] is True
        issue(database, centre, local(8, 2))
        with database.reading() as session:
            listed = {s["code"]: s for s in services_summary(session, centre, local(8, 3))}
        assert (listed["traffic"]["open"], listed["traffic"]["closed_reason"]) == (False, "daily_cap_reached")
        assert listed["traffic"]["opens_at"] == "2026-11-23T07:30:00+03:00"  # numbers restart the next day
        assert listed["residency"]["open"] is True
        assert issue(database, centre, local(8, 0, day=1)).number == "A001"  # a new day, a fresh cap
    finally:
        database.dispose()


def test_a_visitor_from_home_is_held_from_when_they_are_due_and_told_to_come(tmp_path: Path) -> None:
    data = hall(check_in_required=True, due_ahead=2, due_minutes=0, hold_minutes=30)
    data["notifications"]["channel"] = "log"
    data["notifications"]["events"] = ["issued", "due", "closed"]
    database, centre, clerk = open_day(f"sqlite:///{tmp_path / 'due.db'}", data)
    try:
        for i in range(4):
            issue(database, centre, local(8, i))
        with database.transaction() as session:
            joined = remote.join_remote(
                session, centre, "traffic", phone="+96550000000", civil_id=None, lang="en", ip="10.0.0.1",
                now=local(8, 10),
            ).ticket  # fmt: skip
        assert joined.hold_until is None  # four people ahead: not due, nothing held yet
        with database.transaction() as session:
            assert remote.mark_due(session, _catalog_of(centre), local(8, 11)) == []
        call(database, centre, clerk, local(8, 20))
        call(database, centre, clerk, local(8, 21), counter="2")
        with database.transaction() as session:  # two ahead now: due
            assert len(remote.mark_due(session, _catalog_of(centre), local(8, 22))) == 1
            assert remote.mark_due(session, _catalog_of(centre), local(8, 23)) == []  # once
            held = session.get(Ticket, joined.id)
            assert held is not None and held.hold_until == local(8, 52)  # held 30 minutes from being due
        with database.transaction() as session:  # a visitor already near the front is due at once
            near = remote.join_remote(
                session, centre, "residency", phone="+96550000001", civil_id=None, lang="ar", ip="10.0.0.2",
                now=local(8, 30),
            ).ticket  # fmt: skip
            assert near.hold_until == local(9, 0)
        with database.transaction() as session:  # the notifier plans the messages of these events
            planner = OutboxPlanner(Notifications(**data["notifications"]), _catalog_of(centre), "http://hall")
            planner.plan(session, local(8, 31))
        with database.transaction() as session:
            remote.expire_holds(session, _catalog_of(centre), local(8, 53))
            assert session.get(Ticket, joined.id).status == Status.CANCELLED  # type: ignore[union-attr]
        sweep(database, centre, local(21, 5))  # the day ends: the other one is closed
        with database.transaction() as session:
            planner.plan(session, local(21, 6))
            sent = Counter(session.scalars(select(Notification.event)))
            by_ticket = session.scalar(
                select(func.count()).select_from(Notification).where(Notification.event == "due")
            )
        assert sent["due"] == 2 and by_ticket == 2  # told to come: the one who became due, the one due at once
        assert sent["closed"] >= 1  # and told that the centre closed before their turn
    finally:
        database.dispose()


def _catalog_of(centre: CentreCatalog) -> Any:
    """A one-centre catalog for the sweeps that walk every centre."""
    from queue_app.services.catalog import Catalog

    return Catalog(parse_config(hall()), {"test": centre})
