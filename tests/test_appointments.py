"""Booked visits with the clock moved by hand, on a real SQLite file and a real PostgreSQL database: slots
and their capacity, booking limits, cancel and move, check-in early, on time and late, an appointment
called at its time ahead of walk-ins, appointment-only services, no-shows, reminders, and imports."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from queue_app.domain.appointments import AppointmentStatus
from queue_app.domain.errors import QueueError
from queue_app.domain.tickets import PriorityClass, Source
from queue_app.services import appointments
from queue_app.services.catalog import Catalog, CentreCatalog, sync_catalog
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.settings import parse_config
from queue_app.store.database import Database
from queue_app.store.models import Appointment, Notification
from tests.test_centre_day import call, hall, issue, local, open_day

SLOT_9 = "2026-11-22T09:00:00+03:00"


def booking_hall(**rules: Any) -> dict[str, Any]:
    """Traffic can be booked (counters 1 and 2 serve it: 2 visits per 15-minute slot with half kept for
    walk-ins); medical is by appointment only."""
    data = hall()
    centre = data["centres"][0]
    centre["appointments"] = {"slot_minutes": 15, "walk_in_share": 0.5, "check_in_before": 30, "check_in_after": 10}
    centre["appointments"].update(rules)
    services = {s["code"]: s for body in centre["bodies"] for s in body["services"]}
    services["traffic"]["appointments"] = {"enabled": True}
    services["medical"]["appointments"] = {"enabled": True, "only": True}
    data["notifications"].update(channel="log", events=["booked", "reminder"])
    return data


def refused(database: Database, action: Any, *args: Any, **kwargs: Any) -> QueueError:
    with pytest.raises(QueueError) as error, database.transaction() as session:
        action(session, *args, **kwargs)
    return error.value


def book(database: Database, centre: CentreCatalog, start: str = SLOT_9, phone: str = "+96550000001", **extra: Any):
    with database.transaction() as session:
        return appointments.book(
            session, centre, extra.pop("service", "traffic"), start, phone=phone, civil_id=extra.pop("civil_id", None),
            lang="en", source="api", now=extra.pop("now", local(7)), **extra,
        )  # fmt: skip


def check_in(database: Database, centre: CentreCatalog, code: str, at: Any) -> appointments.CheckedIn:
    with database.transaction() as session:
        return appointments.check_in(session, centre, code, at)


def test_slots_follow_the_shifts_and_keep_the_walk_ins_share(tmp_path: Any) -> None:
    database, centre, _clerk = open_day(f"sqlite:///{tmp_path / 'slots.db'}", booking_hall())
    try:
        with database.reading() as session:
            listed = appointments.slots(session, centre, "traffic", "2026-11-22", local(9, 5))
            assert appointments.slots(session, centre, "traffic", "2026-11-21", local(9, 5)) == []  # the past
        starts = [s["start"][11:16] for s in listed]
        assert starts[:2] == ["09:15", "09:30"] and starts[-1] == "20:15" and "13:30" not in starts
        with database.reading() as session:
            early = appointments.slots(session, centre, "traffic", "2026-11-22", local(6))
        assert [s["start"][11:16] for s in early][:2] == ["07:30", "07:45"]  # from each shift's opening
        assert "16:00" in starts and "14:00" not in starts  # the afternoon break has no slots
        assert {s["capacity"] for s in listed} == {2}  # 2 counters x 15/6 visits, half kept for walk-ins
        by_start = {s["start"][11:16]: s["available"] for s in listed}
        assert "09:00" not in by_start and by_start["09:15"] == 2  # a slot that began is not offered
        assert refused(database, appointments.slots, centre, "residency", "2026-11-22", local(7)).code == (
            "appointments_not_offered"
        )
    finally:
        database.dispose()


def test_booking_limits_cancel_and_move(database_url: str) -> None:
    database, centre, _clerk = open_day(database_url, booking_hall())
    try:
        first = book(database, centre)
        assert len(first.code) == 8 and first.code.isdigit() and first.status == AppointmentStatus.BOOKED
        book(database, centre, phone="+96550000002")
        full = refused(database, appointments.book, centre, "traffic", SLOT_9, phone="+96550000003", civil_id=None,
                       lang="ar", source="api", now=local(7))  # fmt: skip
        assert full.code == "slot_full"
        odd = refused(database, appointments.book, centre, "traffic", "2026-11-22T09:07:00+03:00",
                      phone="+96550000003", civil_id=None, lang="ar", source="api", now=local(7))  # fmt: skip
        assert odd.code == "invalid_slot"
        book(database, centre, "2026-11-22T10:00:00+03:00")  # the same person's second visit that day
        third = refused(database, appointments.book, centre, "traffic", "2026-11-22T11:00:00+03:00",
                        phone="+96550000001", civil_id=None, lang="ar", source="api", now=local(7))  # fmt: skip
        assert (third.code, third.params) == ("appointment_limit_person", {"limit": 2})

        with database.transaction() as session:  # a cancellation frees the place
            appointments.cancel(session, centre, first.code, local(7, 5))
        assert book(database, centre, phone="+96550000003").slot_start == local(9)
        assert refused(database, appointments.cancel, centre, first.code, local(7, 6)).code == "appointment_not_booked"

        moved_from = book(database, centre, "2026-11-22T12:00:00+03:00", phone="+96550000004")
        with database.transaction() as session:
            moved = appointments.move(session, centre, moved_from.code, "2026-11-22T12:15", local(7, 10))
        assert (moved.code, moved.slot_start) == (moved_from.code, local(12, 15))
        with database.reading() as session:
            places = {s["start"][11:16]: s["available"] for s in appointments.slots(session, centre, "traffic",
                      "2026-11-22", local(7, 11))}  # fmt: skip
        assert (places["12:00"], places["12:15"]) == (2, 1)  # the old place went back
    finally:
        database.dispose()


def test_the_last_place_of_a_slot_goes_to_one_visitor_only(database_url: str) -> None:
    database, centre, _clerk = open_day(database_url, booking_hall())
    try:

        def attempt(n: int) -> str:
            try:
                return book(database, centre, phone=f"+9655100{n:04d}").code
            except QueueError as error:
                return error.code

        with ThreadPoolExecutor(8) as pool:
            outcomes = Counter(len(code) == 8 for code in pool.map(attempt, range(16)))
        assert outcomes == {True: 2, False: 14}  # capacity 2, however many try at once
    finally:
        database.dispose()


def test_an_appointment_is_called_at_its_time_ahead_of_walk_ins(database_url: str) -> None:
    database, centre, clerk = open_day(database_url, booking_hall())
    try:
        booked = book(database, centre)
        early = refused(database, appointments.check_in, centre, booked.code, local(8, 20))
        assert (early.code, early.params) == ("check_in_too_early", {"time": "08:30"})
        walk_ins = [issue(database, centre, local(8, 30 + i)).number for i in range(4)]
        done = check_in(database, centre, booked.code, local(8, 45))
        ticket = done.issued.ticket
        assert not done.late and done.appointment.status == AppointmentStatus.CHECKED_IN
        assert (ticket.priority, ticket.source, ticket.queued_at) == (PriorityClass.APPOINTMENT, Source.APPOINTMENT,
                                                                      local(9))  # fmt: skip
        assert call(database, centre, clerk, local(8, 50)).number == walk_ins[0]  # not before its time
        assert call(database, centre, clerk, local(9, 0), counter="2").number == ticket.number  # at its time
        assert refused(database, appointments.check_in, centre, booked.code, local(9, 1)).code == (
            "appointment_not_booked"
        )
    finally:
        database.dispose()


def test_a_late_visitor_joins_as_a_walk_in_and_a_civil_id_finds_the_booking(tmp_path: Any) -> None:
    database, centre, _clerk = open_day(f"sqlite:///{tmp_path / 'late.db'}", booking_hall())
    try:
        booked = book(database, centre, phone=None, civil_id="290010112345")  # type: ignore[arg-type]
        done = check_in(database, centre, "290010112345", local(9, 11))
        assert done.late and done.appointment.status == AppointmentStatus.LATE
        assert (done.issued.ticket.priority, done.issued.ticket.queued_at) == (PriorityClass.NONE, local(9, 11))
        assert done.appointment.code == booked.code
        unknown = refused(database, appointments.check_in, centre, "290010112399", local(9, 12))
        assert unknown.code == "unknown_appointment"
    finally:
        database.dispose()


def test_appointment_only_services_still_take_the_elderly_and_disabled(tmp_path: Any) -> None:
    database, centre, _clerk = open_day(f"sqlite:///{tmp_path / 'only.db'}", booking_hall())
    try:
        walk_in = refused(database, issue_ticket, centre, TicketRequest(service="medical"), local(9))
        assert walk_in.code == "appointment_only"
        for priority in ("elderly", "disabled"):
            with database.transaction() as session:
                issue_ticket(session, centre, TicketRequest(service="medical", priority=priority), local(9))
        asked = refused(database, issue_ticket, centre, TicketRequest(service="traffic", priority="appointment"),
                        local(9))  # fmt: skip
        assert asked.code == "invalid_priority"  # the class comes only with a check-in
    finally:
        database.dispose()


def test_no_shows_reminders_and_the_booking_message(tmp_path: Any) -> None:
    data = booking_hall(remind_minutes=60)
    database, centre, _clerk = open_day(f"sqlite:///{tmp_path / 'sweep.db'}", data)
    catalog = Catalog(parse_config(data), {"test": centre})
    try:
        booked = book(database, centre, "2026-11-22T10:00:00+03:00")
        with database.transaction() as session:
            appointments.sweep(session, catalog, local(8, 30))  # not yet an hour before
            appointments.sweep(session, catalog, local(9, 5))  # within the hour: reminded once
            appointments.sweep(session, catalog, local(9, 10))
            sent = Counter(session.scalars(select(Notification.event)))
            assert sent == {"booked": 1, "reminder": 1}
            appointments.sweep(session, catalog, local(10, 10))  # still within the check-in window
            assert session.scalar(select(Appointment.status).where(Appointment.id == booked.id)) == "booked"
            appointments.sweep(session, catalog, local(10, 11))
            assert session.scalar(select(Appointment.status).where(Appointment.id == booked.id)) == "no_show"
    finally:
        database.dispose()


def test_an_import_is_idempotent_and_reports_bad_rows(database_url: str) -> None:
    database, centre, _clerk = open_day(database_url, booking_hall())
    rows = [
        {"ref": "MOI-1", "service": "traffic", "start": "2026-11-22T09:00", "civil_id": "290010112345"},
        {"ref": "MOI-2", "service": "traffic", "start": "2026-11-22T09:00", "phone": "+96550000009", "lang": "ur"},
        {"ref": "MOI-3", "service": "traffic", "start": "2026-11-22T09:00", "phone": "+96550000010"},  # over 2
        {"ref": "MOI-4", "service": "no-such-service", "start": "2026-11-22T09:00", "phone": "+96550000011"},
        {"service": "traffic", "start": "2026-11-22T09:15", "phone": "+96550000012"},
    ]
    try:
        with database.transaction() as session:
            first = appointments.import_bookings(session, centre, rows, local(7))
        assert (first["added"], first["skipped"]) == (3, 0)  # the platform's allocation is trusted
        assert [(e["row"], e["code"]) for e in first["errors"]] == [(4, "unknown_service"), (5, "missing_field")]
        with database.transaction() as session:
            again = appointments.import_bookings(session, centre, rows, local(7, 5))
        assert (again["added"], again["skipped"]) == (0, 3)
        with database.reading() as session:
            imported = session.execute(select(Appointment.external_ref, Appointment.lang).where(
                Appointment.source == "import")).all()  # fmt: skip
        assert sorted(ref for ref, _lang in imported) == ["MOI-1", "MOI-2", "MOI-3"]
        assert {lang for _ref, lang in imported} == {"ar", "ur"}
        done = check_in(database, centre, "290010112345", local(8, 40))  # an imported visit checks in like any
        assert done.issued.ticket.queued_at == local(9) and done.issued.ticket.queued_at - local(8, 40) == timedelta(
            minutes=20
        )
    finally:
        database.dispose()


def test_each_centre_reminds_its_own_visitors(tmp_path: Any) -> None:
    """Two centres sweep in turn: a reminder carries its own centre, never the first centre swept."""
    data = booking_hall(remind_minutes=60)
    other = data["centres"][1]
    other["bodies"][0]["services"][0]["appointments"] = {"enabled": True}
    database, centre, _clerk = open_day(f"sqlite:///{tmp_path / 'two.db'}", data)
    try:
        with database.transaction() as session:
            catalog = sync_catalog(session, parse_config(data))
        book(database, centre, "2026-11-22T10:00:00+03:00")
        book(database, catalog.centre("other"), "2026-11-22T10:00:00+03:00", phone="+96550000002")
        with database.transaction() as session:
            appointments.sweep(session, catalog, local(9, 5))
            reminders = session.execute(
                select(Notification.centre_id, Notification.payload).where(Notification.event == "reminder")
            ).all()
        assert sorted(payload["centre"] for _id, payload in reminders) == ["other", "test"]
        assert all(catalog.by_id(centre_id).code == payload["centre"] for centre_id, payload in reminders)
    finally:
        database.dispose()
