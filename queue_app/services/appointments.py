"""Booked visits: the slots of a service, booking (web page, API, or an import from a national platform),
cancelling and moving, check-in at the kiosk or on the phone, and the sweeps that mark no-shows and send
reminders. A checked-in visit becomes a ticket of class `appointment` queued at its slot's start, which
call-next serves at its time ahead of walk-ins (domain/policy.py); a late one joins as a walk-in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..domain import tickets as rules
from ..domain.appointments import (
    AppointmentStatus,
    Arrival,
    arrival,
    new_booking_code,
    slot_capacity,
    slot_of,
    slot_starts,
    visit_time,
)
from ..domain.calendar import as_utc, local_time
from ..domain.errors import Conflict, InvalidInput, LimitReached, NotFound
from ..domain.messages import Message
from ..settings import Service as ServiceConfig
from ..store import appointments as store
from ..store import outbox
from ..store.records import AppointmentRecord
from .calendar import calendar_of, parse_day
from .catalog import Catalog, CentreCatalog
from .events import Event
from .remote import normalise_phone
from .tickets import IssuedTicket, TicketRequest, issue_ticket

SOURCES = ("web", "api", "import")


@dataclass(frozen=True)
class CheckedIn:
    appointment: AppointmentRecord
    issued: IssuedTicket
    late: bool  # came after the window: a walk-in ticket


def _bookable(centre: CentreCatalog, service: str) -> ServiceConfig:
    config = centre.service(service)
    if not config.appointments.enabled:
        raise Conflict("appointments_not_offered")
    return config


def capacity(centre: CentreCatalog, service: str) -> int:
    """Visits per slot: the service's own figure, or what its counters serve less the walk-ins' share."""
    config = centre.service(service)
    if config.appointments.capacity is not None:
        return config.appointments.capacity
    counters = sum(1 for c in centre.config.counters if service in c.services)
    rules_ = centre.config.appointments
    return slot_capacity(counters, rules_.slot_minutes, config.minutes, rules_.walk_in_share)


def slots(session: Session, centre: CentreCatalog, service: str, day: object, now: datetime) -> list[dict[str, Any]]:
    """A day's slots still to come, with their free places (none beyond `days_ahead`)."""
    _bookable(centre, service)
    wanted = parse_day(day)
    rules_ = centre.config.appointments
    local_now = local_time(now, centre.config.tz)
    if wanted < local_now.date() or wanted > local_now.date() + timedelta(days=rules_.days_ahead):
        return []
    starts = slot_starts(calendar_of(session, centre, now), wanted, rules_.slot_minutes, centre.config.tz)
    if not starts:
        return []
    service_id = centre.service_ids[service]
    booked = store.booked_in_slots(session, service_id, as_utc(starts[0]), as_utc(starts[-1]))
    places = capacity(centre, service)
    result = []
    for start in starts:
        if start <= local_now:
            continue  # a slot that began cannot be booked: not offered at all
        taken = booked.get(as_utc(start), 0)
        free = max(0, places - taken)
        result.append(
            {
                "start": start.isoformat(timespec="seconds"),
                "end": (start + timedelta(minutes=rules_.slot_minutes)).isoformat(timespec="seconds"),
                "capacity": places,
                "booked": taken,
                "available": free,
            }
        )
    return result


def _slot_start(centre: CentreCatalog, value: object) -> datetime:
    """A slot's start as the visitor sent it (local ISO time, with or without the offset) -> naive UTC."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("invalid_slot") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=centre.config.tz)
    return moment.astimezone(UTC).replace(tzinfo=None)


def _check_slot(session: Session, centre: CentreCatalog, service: str, start: datetime, now: datetime) -> None:
    """The start must be one of the service's slots that day, in the future and within `days_ahead`."""
    local = local_time(start, centre.config.tz)
    offered = {s["start"] for s in slots(session, centre, service, local.date().isoformat(), now)}
    if local.isoformat(timespec="seconds") not in offered or start <= now:
        raise InvalidInput("invalid_slot")


def _local_day_bounds(centre: CentreCatalog, start: datetime) -> tuple[datetime, datetime]:
    day = local_time(start, centre.config.tz).date()
    first = datetime.combine(day, time(0), tzinfo=centre.config.tz)
    return as_utc(first), as_utc(first + timedelta(days=1))


def book(
    session: Session,
    centre: CentreCatalog,
    service: str,
    slot: object,
    *,
    phone: object,
    civil_id: object,
    lang: str,
    source: str,
    now: datetime,
    external_ref: str | None = None,
    check_slot: bool = True,
) -> AppointmentRecord:
    """Book a place (phone number or civil ID required, `per_person_per_day` at most); a confirmation is
    queued for the visitor. An import (`external_ref`, `check_slot` False) trusts the platform's slot."""
    _bookable(centre, service)
    phone_value = normalise_phone(phone)
    civil = rules.check_civil_id(civil_id)
    if phone_value is None and civil is None:
        raise InvalidInput("phone_or_civil_id")
    start = _slot_start(centre, slot)
    if check_slot:
        _check_slot(session, centre, service, start, now)
        first, last = _local_day_bounds(centre, start)
        limit = centre.config.appointments.per_person_per_day
        if store.count_for_person(session, centre.id, phone_value, civil, first, last) >= limit:
            raise LimitReached("appointment_limit_person", limit=limit)
    service_id = centre.service_ids[service]
    slot_minutes = centre.config.appointments.slot_minutes
    visit_at, slot_start = start, start
    if check_slot:
        places = capacity(centre, service)
        place = store.take_place(session, service_id, start, places)
        if place is None:
            raise Conflict("slot_full")
        visit_at = visit_time(start, place, places, slot_minutes)
    else:  # the platform's own time: its place is counted in the slot it falls in, whatever the capacity
        local_start = local_time(start, centre.config.tz)
        slot_start = as_utc(slot_of(local_start, slot_minutes))
        store.take_place(session, service_id, slot_start, None)
    values = {
        "centre_id": centre.id,
        "service_id": service_id,
        "slot_start": slot_start,
        "visit_at": visit_at,
        "status": AppointmentStatus.BOOKED.value,
        "civil_id": civil,
        "phone": phone_value,
        "lang": lang if lang in centre.config.languages else centre.config.languages[0],
        "source": source if source in SOURCES else "api",
        "external_ref": external_ref,
        "created_at": now,
    }
    for _attempt in range(5):  # a code already taken (one in 10^8 per existing booking) gets a new one
        booked = store.insert_appointment(session, {**values, "code": new_booking_code()})
        if booked is not None:
            _message(session, centre, booked, Message.BOOKED, now)
            return booked
        if external_ref is not None and store.by_external_ref(session, centre.id, external_ref) is not None:
            raise Conflict("already_imported")
    raise Conflict("slot_full")  # pragma: no cover - five code collisions in a row


def find_any(session: Session, code: str) -> AppointmentRecord:
    """A booking by its code, whatever its centre (the visitor's link names only the code)."""
    found = store.by_code(session, str(code).strip())
    if found is None:
        raise NotFound("unknown_appointment")
    return found


def find(session: Session, centre: CentreCatalog, code: str) -> AppointmentRecord:
    found = store.by_code(session, str(code).strip())
    if found is None or found.centre_id != centre.id:
        raise NotFound("unknown_appointment")
    return found


def cancel(session: Session, centre: CentreCatalog, code: str, now: datetime) -> AppointmentRecord:
    """The visitor will not come: the place goes back to the slot."""
    found = find(session, centre, code)
    cancelled = store.change(
        session, found.id, {AppointmentStatus.BOOKED}, status=AppointmentStatus.CANCELLED.value, finished_at=now
    )
    if cancelled is None:
        raise Conflict("appointment_not_booked", status=found.status)
    store.give_back_place(session, found.service_id, found.slot_start)
    return cancelled


def move(session: Session, centre: CentreCatalog, code: str, slot: object, now: datetime) -> AppointmentRecord:
    """Another slot of the same service, keeping the code: the new place is taken before the old is freed."""
    found = find(session, centre, code)
    if found.status != AppointmentStatus.BOOKED:
        raise Conflict("appointment_not_booked", status=found.status)
    service = centre.service_code(found.service_id)
    start = _slot_start(centre, slot)
    _check_slot(session, centre, service, start, now)
    places = capacity(centre, service)
    place = store.take_place(session, found.service_id, start, places)
    if place is None:
        raise Conflict("slot_full")
    visit_at = visit_time(start, place, places, centre.config.appointments.slot_minutes)
    moved = store.change(
        session, found.id, {AppointmentStatus.BOOKED}, slot_start=start, visit_at=visit_at, reminded_at=None
    )
    if moved is None:
        raise Conflict("appointment_not_booked", status=found.status)
    store.give_back_place(session, found.service_id, found.slot_start)
    _message(session, centre, moved, Message.BOOKED, now)
    return moved


def _for_check_in(session: Session, centre: CentreCatalog, code_or_civil_id: str, now: datetime) -> AppointmentRecord:
    """The booking a visitor means: by its 8-digit code, or by civil ID (their next booked visit today)."""
    value = rules.ascii_digits(str(code_or_civil_id).strip())
    if rules.CIVIL_ID.fullmatch(value):
        first, last = _local_day_bounds(centre, now)
        booked = store.booked_for_civil_id(session, centre.id, value, first, last)
        if not booked:
            raise NotFound("unknown_appointment")
        return min(booked, key=lambda a: abs((a.visit_at - now).total_seconds()))
    return find(session, centre, value)


def check_in(session: Session, centre: CentreCatalog, code_or_civil_id: str, now: datetime) -> CheckedIn:
    """The visitor is here: on time (from `check_in_before` minutes before the slot to `check_in_after`
    after it) they get an appointment ticket, called at their slot's time; late, a walk-in ticket."""
    found = _for_check_in(session, centre, code_or_civil_id, now)
    if found.status != AppointmentStatus.BOOKED:
        raise Conflict("appointment_not_booked", status=found.status)
    rules_ = centre.config.appointments
    when = arrival(found.visit_at, now, rules_.check_in_before, rules_.check_in_after)
    if when == Arrival.EARLY:
        opens = local_time(found.visit_at - timedelta(minutes=rules_.check_in_before), centre.config.tz)
        raise Conflict("check_in_too_early", time=opens.strftime("%H:%M"))
    late = when == Arrival.LATE
    request = TicketRequest(
        service=centre.service_code(found.service_id),
        lang=found.lang,
        civil_id=found.civil_id,
        phone=found.phone,
        source=rules.Source.APPOINTMENT.value,
    )
    issued = issue_ticket(session, centre, request, now, appointment_at=None if late else found.visit_at)
    status = AppointmentStatus.LATE if late else AppointmentStatus.CHECKED_IN
    checked = store.change(
        session,
        found.id,
        {AppointmentStatus.BOOKED},
        status=status.value,
        ticket_id=issued.ticket.id,
        checked_in_at=now,
    )
    if checked is None:
        raise Conflict("appointment_not_booked", status=found.status)
    return CheckedIn(checked, issued, late)


def import_bookings(
    session: Session, centre: CentreCatalog, rows: Iterable[Mapping[str, Any]], now: datetime
) -> dict[str, Any]:
    """Bookings made on an external platform: `{ref, service, start, phone | civil_id, lang}` each. The same
    file twice adds nothing (the platform's `ref` is unique per centre); a bad row is reported, not fatal."""
    added, skipped, errors = 0, 0, []
    for index, row in enumerate(rows):
        ref = str(row.get("ref") or "").strip()[:64]
        try:
            if not ref:
                raise InvalidInput("missing_field", field="ref")
            if store.by_external_ref(session, centre.id, ref) is not None:
                skipped += 1
                continue
            with session.begin_nested():
                book(
                    session,
                    centre,
                    str(row.get("service") or ""),
                    row.get("start"),
                    phone=row.get("phone"),
                    civil_id=row.get("civil_id"),
                    lang=str(row.get("lang") or centre.config.languages[0]),
                    source="import",
                    now=now,
                    external_ref=ref,
                    check_slot=False,
                )
            added += 1
        except (InvalidInput, Conflict, NotFound, LimitReached) as error:
            errors.append({"row": index + 1, "ref": ref or None, "code": error.code})
    return {"added": added, "skipped": skipped, "errors": errors}


def appointment_json(centre: CentreCatalog, appointment: AppointmentRecord, public_url: str) -> dict[str, Any]:
    service = centre.service_code(appointment.service_id)
    start = local_time(appointment.visit_at, centre.config.tz)
    return {
        "code": appointment.code,
        "centre": centre.code,
        "service": service,
        "service_names": centre.service(service).names.as_dict(),
        "start": start.isoformat(timespec="seconds"),  # the visitor's own time (spread over the slot)
        "slot": local_time(appointment.slot_start, centre.config.tz).isoformat(timespec="seconds"),
        "status": appointment.status,
        "lang": appointment.lang,
        "url": booking_link(public_url, appointment.code),
    }


def booking_link(public_url: str, code: str) -> str:
    """The visitor's page of a booking (web/booking.py serves `/b/<code>`): its QR is scanned at the kiosk."""
    return f"{public_url.rstrip('/')}/b/{code}"


def _message(
    session: Session, centre: CentreCatalog, appointment: AppointmentRecord, event: Message, now: datetime
) -> None:
    """Queue a booking message in this transaction (the outbox worker sends it), if the deployment wants it."""
    config = centre.notifications
    if config is None or event not in config.events or config.channel == "none":
        return
    if config.channel == "sms" and not appointment.phone:
        return
    start = local_time(appointment.visit_at, centre.config.tz)
    service = centre.service_code(appointment.service_id)
    payload = {
        "event": event.value,
        "centre": centre.code,
        "service": service,
        "service_names": centre.service(service).names.as_dict(),
        "code": appointment.code,
        "start": start.isoformat(timespec="seconds"),
        "lang": appointment.lang,
        "phone": appointment.phone,
        "url": booking_link(centre.public_url, appointment.code),
    }
    outbox.insert_messages(
        session,
        [
            {
                "centre_id": centre.id,
                "ticket_id": None,
                "event": event.value,
                "channel": config.channel,
                "payload": payload,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "next_try_at": None,
            }
        ],
    )


def sweep(session: Session, catalog: Catalog, now: datetime) -> list[Event]:
    """Reminders before the slot, and no-shows once the check-in window is over (the slot's time then goes
    to walk-ins: nothing is reserved in the queue for a visitor who did not come)."""
    for centre in catalog.centres.values():
        rules_ = centre.config.appointments
        if rules_.remind_minutes:
            for due in store.to_remind(session, centre.id, now + timedelta(minutes=rules_.remind_minutes), now):
                if due.visit_at > now:
                    _message(session, centre, due, Message.REMINDER, now)
        store.mark_no_shows(session, centre.id, now - timedelta(minutes=rules_.check_in_after), now)
    return []
