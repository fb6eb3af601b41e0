"""Booked visits over /api/v1 (for a government app, the kiosk and the booking page): the slots of a
service, book, look up, move and cancel by code, check in (a kiosk prints the ticket), and the import of a
national platform's bookings (JSON or CSV). Thin handlers: services/appointments.py holds the rules."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..domain.errors import InvalidInput
from ..extensions import csrf, runtime
from ..services import appointments, audit
from ..services.accounts import DeviceIdentity
from ..services.catalog import CentreCatalog
from ..store.database import utcnow
from ..views.tickets import ticket_json
from .access import require_issuer, require_staff
from .api import field, json_body, publish

bp = Blueprint("appointments", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, or the booking code itself: no cookie session to forge

IMPORT_FIELDS = ("ref", "service", "start", "phone", "civil_id", "lang")


@bp.get("/centres/<centre>/services/<service>/slots")
def slots(centre: str, service: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    with rt.db.reading() as session:
        listed = appointments.slots(session, entry, service, field(dict(request.args), "date"), utcnow())
    return jsonify({"centre": entry.code, "service": service, "slots": listed})


@bp.post("/centres/<centre>/appointments")
def book(centre: str) -> Any:
    """`{service, start, phone | civil_id, lang}`: anyone (the limits per person and per slot apply)."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    data = json_body()
    with rt.db.transaction() as session:
        booked = appointments.book(
            session,
            entry,
            str(field(data, "service")),
            field(data, "start"),
            phone=data.get("phone"),
            civil_id=data.get("civil_id"),
            lang=str(data.get("lang") or entry.config.languages[0]),
            source="api",
            now=utcnow(),
        )
    return jsonify(appointments.appointment_json(entry, booked, rt.settings.public_url)), 201


@bp.get("/centres/<centre>/appointments/<code>")
def show(centre: str, code: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    with rt.db.reading() as session:
        found = appointments.find(session, entry, code)
    return jsonify(appointments.appointment_json(entry, found, rt.settings.public_url))


@bp.delete("/centres/<centre>/appointments/<code>")
def cancel(centre: str, code: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    with rt.db.transaction() as session:
        appointments.cancel(session, entry, code, utcnow())
    return Response(status=204)


@bp.post("/centres/<centre>/appointments/<code>/move")
def move(centre: str, code: str) -> Any:
    """`{start}`: another slot of the same service, same code."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    data = json_body()
    with rt.db.transaction() as session:
        moved = appointments.move(session, entry, code, field(data, "start"), utcnow())
    return jsonify(appointments.appointment_json(entry, moved, rt.settings.public_url))


def check_in_visit(entry: CentreCatalog, code_or_civil_id: str, kiosk: str | None) -> dict[str, Any]:
    """Check a booked visit in; a kiosk's check-in prints the ticket like a new one. The ticket as the API
    shows it, with `late` and, from a kiosk, `print`."""
    rt = runtime()
    printing = rt.workers.get("print") if kiosk is not None else None
    now = utcnow()
    with rt.db.transaction() as session:
        done = appointments.check_in(session, entry, code_or_civil_id, now)
        issued = done.issued
        job_id = printing.reserve(session, entry, kiosk, issued.ticket.id) if printing and kiosk else None
        body = ticket_json(
            session, entry, issued.ticket, rt.settings.public_url, now, ahead=(issued.position, issued.eta)
        )
    publish(issued.events)
    body["late"] = done.late
    body["appointment"] = done.appointment.code
    if printing is not None:
        body["print"] = printing.submit_ticket(
            entry, str(kiosk), job_id, issued.ticket.id, (issued.position, issued.eta)
        )
    return body


@bp.post("/centres/<centre>/appointments/check-in")
def check_in(centre: str) -> Any:
    """`{code}` (the booking code) or `{civil_id}`: a kiosk of this centre, or staff."""
    entry = runtime().catalog.centre(centre)
    who = require_issuer(entry)
    data = json_body()
    value = data.get("code") or data.get("civil_id")
    if not value:
        raise InvalidInput("missing_field", field="code")
    kiosk = who.code if isinstance(who, DeviceIdentity) else None
    return jsonify(check_in_visit(entry, str(value), kiosk)), 201


def _import_rows() -> list[dict[str, Any]]:
    """A JSON list of bookings, or a CSV text with a header line (ref, service, start, phone, civil_id, lang)."""
    if request.mimetype == "text/csv":
        text = request.get_data(as_text=True)
        return [
            {k: (v or None) for k, v in row.items() if k in IMPORT_FIELDS} for row in csv.DictReader(io.StringIO(text))
        ]
    data = request.get_json(silent=True)
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise InvalidInput("invalid_json")
    return data


@bp.post("/centres/<centre>/appointments/import")
def import_bookings(centre: str) -> Any:
    """A supervisor or administrator uploads the day's bookings from a national platform; idempotent."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = require_staff(entry, roles=("admin", "supervisor"), centre_wide=True)
    rows = _import_rows()
    now = utcnow()
    with rt.db.transaction() as session:
        summary = appointments.import_bookings(session, entry, rows, now)
        audit.record(
            session,
            "appointments_imported",
            who.username,
            now,
            centre_id=entry.id,
            user_id=who.user_id,
            detail={k: summary[k] for k in ("added", "skipped")} | {"errors": len(summary["errors"])},
            ip=request.remote_addr,
        )
    return jsonify(summary)
