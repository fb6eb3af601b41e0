"""The supervisor's live board: every counter and service of a centre, alerts when a wait passes its
target, and the live changes a supervisor may make (each one audited, see services/supervision.py).

The page draws from the hall snapshot, then keeps itself current from `/hall` Socket.IO events."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext

from ..domain.errors import QueueError
from ..extensions import runtime
from ..services import supervision
from ..services.accounts import StaffIdentity
from ..services.catalog import CentreCatalog
from ..services.events import Event
from ..services.supervision import Supervisor
from ..store.database import utcnow
from ..views import hall
from ..views.console import start_of_day
from .errors import message_for, wants_json
from .staff_pages import client_script_url, staff_for_page

bp = Blueprint("supervisor", __name__)

ROLES = ("supervisor", "admin")  # who may change the hall
VIEWERS = (*ROLES, "central")  # who may watch it (the central board opens it)


def _supervisor(entry: CentreCatalog) -> Supervisor:
    who: StaffIdentity = staff_for_page(entry, ROLES, api=True)
    return Supervisor(who.user_id, who.username, request.remote_addr, who.bodies)


def _done(centre: str, events: tuple[Event, ...], notice: str) -> Any:
    publisher = runtime().publisher
    if publisher is not None and events:
        publisher.publish(events)
    if wants_json():
        return jsonify({"ok": True, "notice": notice})
    flash(notice, "info")
    return redirect(url_for("supervisor.page", centre=centre))


@bp.get("/supervisor/<centre>")
def page(centre: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, VIEWERS)
    if not isinstance(who, StaffIdentity):
        return who
    now = utcnow()
    with rt.db.reading() as db:
        snapshot = hall.hall_snapshot(db, entry, now)
        out_of_turn = hall.out_of_turn_since(db, entry, start_of_day(entry, now))
    services = [
        {
            "code": s.code,
            "names": s.names.as_dict(),
            "body": body.code,
            "body_names": body.names.as_dict(),
            "target_wait": s.target_wait,
            "minutes": s.minutes,
        }
        for body, s in entry.config.services()
        if who.may_manage(body.code)
    ]
    # a supervisor of some bodies sees their services, and the counters that serve any of them
    scope = [s["code"] for s in services] if who.bodies is not None else None
    return render_template(
        "supervisor/board.html",
        centre=entry,
        who=who,
        snapshot=snapshot,
        out_of_turn=out_of_turn,
        services=services,
        scope=scope,
        read_only=who.role not in ROLES,
        socket_script=client_script_url(),
    )


@bp.post("/supervisor/<centre>/services/<service>/intake")
def intake(centre: str, service: str) -> Any:
    """Open (`open=1`) or close (`open=0`) a service for new tickets."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = _supervisor(entry)
    is_open = request.form.get("open") == "1"
    with rt.db.transaction() as db:
        events = supervision.set_intake(db, entry, service, is_open, who, utcnow())
    name = entry.service(service).names.get(_lang())
    notice = (
        gettext("%(service)s is open for new tickets.", service=name)
        if is_open
        else gettext("%(service)s is closed for new tickets.", service=name)
    )
    return _done(centre, events, notice)


@bp.post("/supervisor/<centre>/counters/<code>/services")
def counter_services(centre: str, code: str) -> Any:
    """The services a counter serves now (checkboxes `services`); none chosen restores the configured ones."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = _supervisor(entry)
    chosen = [s for s in request.form.getlist("services") if s]
    with rt.db.transaction() as db:
        events = supervision.set_counter_services(db, entry, code, chosen, who, utcnow())
    return _done(centre, events, gettext("Counter %(counter)s now serves the chosen services.", counter=code))


@bp.post("/supervisor/<centre>/tickets/move")
def move_ticket(centre: str) -> Any:
    """Move a waiting ticket to another service; it keeps its place in time."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = _supervisor(entry)
    number = request.form.get("number") or ""
    service = (request.form.get("service") or "").strip()
    with rt.db.transaction() as db:
        ticket, events = supervision.move_ticket(db, entry, number, service, request.form.get("note"), who, utcnow())
        moved = ticket.number
    name = entry.service(service).names.get(_lang())
    return _done(centre, events, gettext("Ticket %(number)s moved to %(service)s.", number=moved, service=name))


def _lang() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "ar")


@bp.errorhandler(QueueError)
def refused(error: QueueError) -> Any:
    message = message_for(error.code, error.params)
    if wants_json():
        return jsonify({"error": {"code": error.code, "message": message}}), error.status
    if error.code in ("login_required", "unauthorized"):
        return redirect(url_for("auth.login"))
    if error.status == 403 or request.view_args is None:
        return render_template("error.html", code=error.code, message=message, status=error.status), error.status
    flash(message, "error")
    return redirect(url_for("supervisor.page", centre=request.view_args.get("centre", "")))
