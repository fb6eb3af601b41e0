"""Use cases on a real SQLite file: issuing (numbering, intake), counter actions and their event rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from queue_app.domain.errors import Conflict, IntakeClosed
from queue_app.services import counters, presence
from queue_app.services.catalog import Catalog, CentreCatalog, sync_catalog
from queue_app.services.counters import Actor
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.store import counters as counter_store
from queue_app.store import tickets as tickets_store
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.store.models import AuditEntry, Service, StaffEvent, Ticket, TicketEvent, TicketSequence
from tests.support.use_cases import NOW, act, issue, minutes, refused, variant

# --- issuing -----------------------------------------------------------------------------------------


def test_numbers_per_service_restart_each_day(database: Database, centre: CentreCatalog) -> None:
    numbers = [issue(database, centre, s).number for s in ("traffic", "traffic", "residency", "traffic", "medical")]
    assert numbers == ["A001", "A002", "B001", "A003", "D001"]
    # 21:30 UTC is 00:30 the next day in Kuwait: a new business day, numbering restarts
    assert issue(database, centre, "traffic", at=datetime(2026, 11, 22, 21, 30)).number == "A001"
    assert issue(database, centre, "traffic", at=datetime(2026, 11, 22, 20, 30)).number == "A004"
    with database.reading() as session:
        periods = {row.period for row in session.execute(select(TicketSequence.period))}
        tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert [t.period for t in tickets][-2:] == ["2026-11-23", "2026-11-22"]
        assert all(t.status == "waiting" and t.queued_at == t.issued_at for t in tickets)
    assert periods == {"2026-11-22", "2026-11-23"}


def test_other_centre_has_its_own_numbers(database: Database, catalog: Catalog) -> None:
    assert issue(database, catalog.centre("test")).number == "A001"
    assert issue(database, catalog.centre("other")).number == "A001"
    assert issue(database, catalog.centre("test")).number == "A002"


def test_numbers_restart_each_shift(database: Database) -> None:
    def two_shifts(centre: dict[str, Any]) -> None:
        centre["numbering"] = "shift"
        days = centre["shifts"][0]["days"]
        centre["shifts"] = [
            {
                "code": "morning",
                "names": {"ar": "صباحية"},
                "days": days,
                "open": "07:30",
                "close": "14:00",
                "last_ticket": "13:30",
            },
            {
                "code": "evening",
                "names": {"ar": "مسائية"},
                "days": days,
                "open": "16:00",
                "close": "21:00",
                "last_ticket": "20:30",
            },
        ]

    centre = variant(database, two_shifts)
    assert [issue(database, centre).number for _ in range(2)] == ["A001", "A002"]
    evening = issue(database, centre, at=datetime(2026, 11, 22, 14, 0))  # 17:00 in Kuwait
    assert (evening.number, evening.period) == ("A001", "2026-11-22/evening")


def test_daily_cap_closes_intake_without_using_a_number(database: Database) -> None:
    def cap(value: int) -> Callable[[dict[str, Any]], None]:
        def change(centre: dict[str, Any]) -> None:
            centre["bodies"][0]["services"][0]["daily_cap"] = value

        return change

    capped = variant(database, cap(2))
    assert [issue(database, capped).number for _ in range(2)] == ["A001", "A002"]
    for _ in range(3):
        error = refused(database, issue_ticket, capped, TicketRequest(service="traffic"), NOW)
        assert (error.code, error.status, error.params["cap"]) == ("daily_cap_reached", 409, 2)
        assert error.params["opens_at"].isoformat() == "2026-11-23T00:00:00+03:00"  # the next day (all-day shift)
    assert issue(database, capped, "residency").number == "B001"  # only the capped service is closed
    with database.reading() as session:
        assert (
            session.scalar(
                select(TicketSequence.last).where(TicketSequence.service_id == capped.service_ids["traffic"])
            )
            == 2
        )
    raised = variant(database, cap(3))
    assert issue(database, raised).number == "A003"  # no gap left by the refused attempts


def test_outside_shift_and_after_last_ticket(database: Database) -> None:
    def morning(centre: dict[str, Any]) -> None:
        centre["shifts"][0].update({"open": "07:30", "close": "14:00", "last_ticket": "13:30"})

    centre = variant(database, morning)
    assert issue(database, centre, at=NOW).number == "A001"  # 09:00 in Kuwait
    outside = refused(database, issue_ticket, centre, TicketRequest(service="traffic"), datetime(2026, 11, 22, 3, 0))
    assert (outside.code, outside.status) == ("outside_shift", 409)
    late = refused(database, issue_ticket, centre, TicketRequest(service="traffic"), datetime(2026, 11, 22, 10, 45))
    assert (late.code, late.params) == ("last_ticket_passed", {"time": "13:30", "opens_at": late.params["opens_at"]})
    assert late.params["opens_at"].isoformat() == "2026-11-23T07:30:00+03:00"  # the next morning
    # 22:00 UTC is 01:00 in Kuwait: closed, although 22:00 would be open in a UTC-minded hall
    night = refused(database, issue_ticket, centre, TicketRequest(service="traffic"), datetime(2026, 11, 22, 22, 0))
    assert night.code == "outside_shift"
    assert issue(database, centre, at=minutes(1)).number == "A002"


def test_service_closed_by_the_supervisor(database_url: str, hall_config: Any) -> None:
    """The numbering upsert itself refuses a closed service (on both engines), and leaves no gap."""
    upgrade(database_url)
    database = Database(database_url)
    try:
        with database.transaction() as session:
            centre = sync_catalog(session, hall_config).centre("test")
        assert issue(database, centre).number == "A001"
        with database.transaction() as session:
            traffic = update(Service).where(Service.id == centre.service_ids["traffic"])
            session.execute(traffic.values(intake_open=False))
        error = refused(database, issue_ticket, centre, TicketRequest(service="traffic"), NOW)
        assert (error.code, error.status) == ("service_closed", 409)
        assert issue(database, centre, "residency").number == "B001"
        with database.transaction() as session:
            session.execute(traffic.values(intake_open=True))
        assert issue(database, centre).number == "A002"
    finally:
        database.dispose()


def test_issue_checks_its_input(database: Database, centre: CentreCatalog) -> None:
    cases = [
        (TicketRequest(service="nope"), "unknown_service"),
        (TicketRequest(service="traffic", transactions=11), "invalid_transactions"),
        (TicketRequest(service="traffic", civil_id="123"), "invalid_civil_id"),
        (TicketRequest(service="traffic", priority="vip"), "invalid_priority"),
    ]
    for request, code in cases:
        assert refused(database, issue_ticket, centre, request, NOW).code == code
    ticket = issue(database, centre, priority="elderly", transactions=3, civil_id="290010112345", lang="xx")
    assert (ticket.number, ticket.priority, ticket.transactions, ticket.civil_id) == (
        "A001",
        "elderly",
        3,
        "290010112345",
    )
    assert ticket.lang == "ar"  # an unknown language falls back to the centre's first


# --- counter actions ---------------------------------------------------------------------------------


def test_call_next_follows_tiers_then_priority(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    medical = issue(database, centre, "medical", at=minutes(0))
    civil = issue(database, centre, "civil-id", at=minutes(5))
    # counter 5 serves civil-id first, then medical: the older medical ticket waits for its tier
    assert act(database, counters.call_next, centre, "5", clerk, minutes(10)).id == civil.id  # type: ignore[union-attr]
    assert act(database, counters.call_next, centre, "5", clerk, minutes(11)).id == medical.id  # type: ignore[union-attr]
    assert act(database, counters.call_next, centre, "5", clerk, minutes(12)) is None

    regular = issue(database, centre, "traffic", at=minutes(0))
    elderly = issue(database, centre, "traffic", at=minutes(8), priority="elderly")
    # at minute 10: regular waited 10, elderly 2 + 15 boost
    assert act(database, counters.call_next, centre, "1", clerk, minutes(10)).id == elderly.id  # type: ignore[union-attr]
    assert act(database, counters.call_next, centre, "2", clerk, minutes(10)).id == regular.id  # type: ignore[union-attr]


def test_anti_starvation_at_a_counter(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    regular = issue(database, centre, "traffic", at=minutes(0))
    priority = [issue(database, centre, "traffic", at=minutes(1), priority="disabled") for _ in range(4)]
    called = [act(database, counters.call_next, centre, "1", clerk, minutes(2 + i)).id for i in range(5)]  # type: ignore[union-attr]
    # max_consecutive is 3: after three priority calls in a row the regular ticket gets its turn
    assert called == [priority[0].id, priority[1].id, priority[2].id, regular.id, priority[3].id]


def test_transfer_keeps_the_place_in_time(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    first = issue(database, centre, "traffic", at=minutes(0))
    later = issue(database, centre, "medical", at=minutes(3))
    act(database, counters.call_next, centre, "1", clerk, minutes(5))
    act(database, counters.start, centre, "1", clerk, minutes(6))
    moved = act(database, counters.transfer, centre, "1", "medical", "needs a medical report", clerk, minutes(9))
    assert moved is not None and moved.status == "waiting" and moved.queued_at == first.queued_at
    assert moved.number == "A001" and moved.note == "needs a medical report" and moved.counter_id is None
    # the transferred visitor is ahead of the medical ticket issued after them
    assert act(database, counters.call_next, centre, "6", clerk, minutes(10)).id == first.id  # type: ignore[union-attr]
    assert act(database, counters.call_next, centre, "6", clerk, minutes(11)).id == later.id  # type: ignore[union-attr]
    with database.reading() as session:
        counter_one = counter_store.counter(session, centre.counter_ids["1"], lock=False)
        assert (counter_one.state, counter_one.current_ticket_id) == ("idle", None)
        detail = session.scalar(select(TicketEvent.detail).where(TicketEvent.kind == "transferred"))
    assert detail == {"from": "traffic", "to": "medical", "note": "needs a medical report"}
    assert refused(database, counters.transfer, centre, "6", "nope", None, clerk, minutes(12)).code == "unknown_service"


def test_recall_limit_no_show_and_complete(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    assert refused(database, counters.complete, centre, "1", clerk, NOW).code == "no_current_ticket"
    assert refused(database, counters.recall, centre, "1", clerk, NOW).code == "no_current_ticket"
    issue(database, centre)
    issue(database, centre)
    act(database, counters.call_next, centre, "1", clerk, minutes(1))
    for n in (1, 2):  # max_recalls is 2 in the small config
        assert act(database, counters.recall, centre, "1", clerk, minutes(1 + n)).recalls == n  # type: ignore[union-attr]
    limit = refused(database, counters.recall, centre, "1", clerk, minutes(4))
    assert (limit.code, limit.status, limit.params) == ("recall_limit", 409, {"maximum": 2})
    absent = act(database, counters.no_show, centre, "1", clerk, minutes(5))
    assert absent is not None and absent.status == "no_show" and absent.finished_at == minutes(5)
    assert refused(database, counters.no_show, centre, "1", clerk, minutes(5)).code == "no_current_ticket"

    act(database, counters.call_next, centre, "1", clerk, minutes(6))
    act(database, counters.start, centre, "1", clerk, minutes(7))
    late = refused(database, counters.no_show, centre, "1", clerk, minutes(8))  # serving: too late to be absent
    assert (late.code, late.params) == ("invalid_transition", {"action": "no_show", "status": "serving"})
    assert refused(database, counters.start, centre, "1", clerk, minutes(8)).code == "invalid_transition"
    done = act(database, counters.complete, centre, "1", clerk, minutes(12))
    assert done is not None and done.status == "done" and done.started_at == minutes(7)


def test_call_next_completes_the_open_ticket(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    first = issue(database, centre)
    issue(database, centre)
    act(database, counters.call_next, centre, "1", clerk, minutes(1))
    second = act(database, counters.call_next, centre, "1", clerk, minutes(5))
    assert second is not None and second.number == "A002"
    with database.reading() as session:
        closed = session.get(Ticket, first.id)
        assert closed is not None and closed.status == "done" and closed.finished_at == minutes(5)
        auto = session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == first.id, TicketEvent.kind == "done")
        ).one()
        assert auto.detail == {"auto": True} and auto.user_id == clerk.user_id


def test_call_next_refuses_when_auto_complete_is_off(database: Database, clerk: Actor) -> None:
    centre = variant(database, lambda c: c["counter_rules"].update(auto_complete_on_next=False))
    issue(database, centre)
    act(database, counters.call_next, centre, "1", clerk, minutes(1))
    error = refused(database, counters.call_next, centre, "1", clerk, minutes(2))
    assert (error.code, error.params) == ("ticket_still_open", {"number": "A001"})


def test_pause_blocks_call_next(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    issue(database, centre)
    act(database, counters.call_next, centre, "1", clerk, minutes(1))
    assert refused(database, presence.pause, centre, "1", "prayer", clerk, minutes(2)).code == "ticket_still_open"
    act(database, counters.complete, centre, "1", clerk, minutes(3))
    issue(database, centre, at=minutes(3))
    with database.transaction() as session:
        paused = presence.pause(session, centre, "1", "prayer", clerk, minutes(4)).counter
        assert (paused.state, paused.pause_reason) == ("paused", "prayer")
    assert refused(database, counters.call_next, centre, "1", clerk, minutes(5)).code == "counter_paused"
    assert refused(database, presence.pause, centre, "1", None, clerk, minutes(5)).code == "counter_paused"
    # another counter still serves the queue; this one resumes and calls again
    act(database, presence.resume, centre, "1", clerk, minutes(6))
    assert refused(database, presence.resume, centre, "1", clerk, minutes(6)).code == "counter_not_paused"
    assert act(database, counters.call_next, centre, "1", clerk, minutes(7)).number == "A002"  # type: ignore[union-attr]
    with database.reading() as session:
        kinds = session.scalars(select(StaffEvent.kind).order_by(StaffEvent.id)).all()
    assert [k for k in kinds if k != "sign_in"] == ["pause", "resume"]


def test_call_a_number(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    issue(database, centre)
    second = issue(database, centre)
    # A002 is not next (A001 is): calling it needs a reason, and nothing changes without one
    ahead = refused(database, counters.call_number, centre, "1", "a002", clerk, minutes(1))
    assert (ahead.code, ahead.status) == ("reason_required", 400)
    with database.transaction() as session:
        result = counters.call_number(session, centre, "1", "a002", clerk, minutes(1), "returned")
    called = result.ticket
    assert called is not None and called.id == second.id and called.status == "called"
    [flagged] = [e for e in result.events if type(e).__name__ == "CalledOutOfTurn"]
    assert (flagged.number, flagged.reason, flagged.counter) == ("A002", "returned", "1")
    with database.reading() as session:
        detail = session.scalar(select(TicketEvent.detail).where(TicketEvent.kind == "called"))
        audited = session.execute(
            select(AuditEntry.target, AuditEntry.user_id, AuditEntry.detail).where(
                AuditEntry.action == "call_out_of_turn"
            )
        ).one()
    assert detail == {"out_of_turn": True, "reason": "returned", "next": "A001"}
    assert (audited.target, audited.user_id, audited.detail["reason"]) == ("ticket:A002", clerk.user_id, "returned")
    # the number that is next needs no reason, and leaves no flag
    first = act(database, counters.call_number, centre, "1", "A001", clerk, minutes(2))
    assert first is not None and first.number == "A001"
    assert refused(database, counters.call_number, centre, "1", "A002", clerk, minutes(2)).code == "invalid_transition"
    assert refused(database, counters.call_number, centre, "1", "C001", clerk, minutes(2)).code == "unknown_number"


def test_every_transition_writes_an_event_with_counter_and_user(
    database: Database, centre: CentreCatalog, clerk: Actor
) -> None:
    ticket = issue(database, centre)
    act(database, counters.call_next, centre, "2", clerk, minutes(1))
    act(database, counters.recall, centre, "2", clerk, minutes(2))
    act(database, counters.start, centre, "2", clerk, minutes(3))
    act(database, counters.transfer, centre, "2", "residency", None, clerk, minutes(4))
    act(database, counters.call_next, centre, "3", clerk, minutes(5))
    act(database, counters.complete, centre, "3", clerk, minutes(9))
    with database.reading() as session:
        events = session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        ).all()
        rows = [(e.kind, e.at, e.counter_id, e.user_id) for e in events]
        centres = {e.centre_id for e in events}
        services = [e.service_id for e in events]
    two, three, user = centre.counter_ids["2"], centre.counter_ids["3"], clerk.user_id
    assert rows == [
        ("issued", NOW, None, None),
        ("called", minutes(1), two, user),
        ("recalled", minutes(2), two, user),
        ("started", minutes(3), two, user),
        ("transferred", minutes(4), two, user),
        ("called", minutes(5), three, user),
        ("done", minutes(9), three, user),
    ]
    assert centres == {centre.id}
    assert services[-2:] == [centre.service_ids["residency"]] * 2


def test_a_refused_action_changes_nothing(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    issue(database, centre)
    act(database, counters.call_next, centre, "1", clerk, minutes(1))
    act(database, counters.start, centre, "1", clerk, minutes(2))
    error = refused(database, counters.no_show, centre, "1", clerk, minutes(3))
    assert isinstance(error, Conflict)
    with database.reading() as session:
        assert session.scalar(select(Ticket.status)) == "serving"
        assert session.scalars(select(TicketEvent.kind).order_by(TicketEvent.id)).all() == [
            "issued",
            "called",
            "started",
        ]
    assert not isinstance(error, IntakeClosed)


def test_counter_entries_in_events_match_the_database(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    """Call-next and complete publish the counter as the hall shows it, built from what they hold: it
    must equal the entry read back from the database (what a screen's snapshot shows)."""
    from queue_app.services.events import CounterChanged
    from queue_app.views import hall

    issue(database, centre)
    actions = [counters.call_next, counters.complete, counters.call_next]  # the last finds nobody
    for step, action in enumerate(actions):
        with database.transaction() as session:
            result = action(session, centre, "1", clerk, minutes(step + 1))
        [event] = [e for e in result.events if isinstance(e, CounterChanged)]
        with database.reading() as session:
            stored = hall.counters_summary(session, centre, minutes(step + 1), only="1")[0]
        assert event.record is not None
        built = hall.counter_entry(centre, event.record, event.record, event.clerk, event.ticket)
        assert built == stored, action.__name__
    assert stored["state"] == "idle" and stored["clerk"] and stored["current"] is None


def test_a_visitor_leaving_while_called_frees_the_counter(
    database: Database, centre: CentreCatalog, clerk: Actor
) -> None:
    """Before, the counter stayed "calling" a cancelled ticket (found by tests/test_queue_stateful.py)."""
    issue(database, centre)
    called = act(database, counters.call_next, centre, "1", clerk, minutes(1))
    assert called is not None
    with database.transaction() as session:
        record = tickets_store.ticket(session, called.id)
        assert record is not None
        left, _events = counters.leave(session, centre, record, minutes(2))
    assert left.status == "cancelled"
    with database.reading() as session:
        counter = counter_store.counter(session, centre.counter_id("1"), lock=False)
    assert counter.state == "idle" and counter.current_ticket_id is None
