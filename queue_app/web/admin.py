"""Administration pages for administrators: staff accounts (add, reset a password, deactivate, turn off
two-step verification), paired kiosks and screens (last contact, pair again, unpair) and the audit trail
(search, CSV export, the chain's state). A generated password
is shown once, on the page that made it, and never stored in clear."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..domain.errors import QueueError
from ..extensions import runtime
from ..services import audit, devices, users
from ..services.calendar import parse_day
from ..store.database import utcnow
from .errors import message_for
from .staff_pages import refuse_on_page, staff_only

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.register_error_handler(QueueError, refuse_on_page)

# what each kind of audit row is called on the page (the code stays in the CSV and the search)
ACTIONS: dict[str, Any] = {
    "login": _l("Signed in"),
    "login_failed": _l("Sign-in failed"),
    "login_code_failed": _l("Wrong two-step code"),
    "logout": _l("Signed out"),
    "sessions_ended": _l("Signed out elsewhere"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset"),
    "user_added": _l("Account added"),
    "user_deactivated": _l("Account deactivated"),
    "user_activated": _l("Account reactivated"),
    "two_step_enrolled": _l("Two-step verification on"),
    "two_step_off": _l("Two-step verification off"),
    "device_paired": _l("Device paired"),
    "device_unpaired": _l("Device unpaired"),
    "device_opened": _l("Pairing link opened"),
    "calendar_closed": _l("Centre closed for a day"),
    "calendar_reopened": _l("Closed day removed"),
    "service_opened": _l("Service opened"),
    "service_closed": _l("Service closed"),
    "counter_services": _l("Counter's services changed"),
    "ticket_moved": _l("Ticket moved"),
    "ticket_transferred": _l("Ticket transferred"),
    "visit_leg_added": _l("Service added to a visit"),
    "visit_ended": _l("Visit ended early"),
    "call_out_of_turn": _l("Called out of turn"),
    "priority_ticket": _l("Priority ticket"),
    "ticket_reprinted": _l("Ticket reprinted"),
    "appointments_imported": _l("Appointments imported"),
    "personal_data_erased": _l("Personal data erased"),
}

PAGE_ROWS = 100
CSV_ROWS = 100_000


def _admin() -> users.Admin:
    me = current_user.identity
    return users.Admin(me.user_id, me.username, request.remote_addr)


def _tz() -> Any:
    """The deployment's clock for the trail: the first centre's timezone (one country, one clock)."""
    return next(iter(runtime().catalog.centres.values())).config.tz


@bp.get("")
@staff_only("admin")
def index() -> Any:
    return render_template("admin/index.html")


def _users_page(status: int = 200, **context: Any) -> Any:
    rt = runtime()
    with rt.db.reading() as session:
        rows = users.listing(session)
    centres = {c.id: c for c in rt.catalog.centres.values()}
    return render_template(
        "admin/users.html", users=rows, centres=centres, roles=("clerk", "supervisor", "admin", "central"), **context
    ), status


@bp.get("/users")
@staff_only("admin")
def users_page() -> Any:
    return _users_page()


def _run(action: Any, notice: str) -> Any:
    """Run one change; on a refusal show the page again with the reason, nothing changed."""
    rt, now = runtime(), utcnow()
    try:
        with rt.db.transaction() as session:
            result = action(session, now, rt.settings.hall.security.password_min_length)
    except QueueError as error:
        return _users_page(error.status, error=message_for(error.code, error.params), error_code=error.code)
    return _users_page(**notice_for(result, notice))


def notice_for(result: Any, notice: str) -> dict[str, Any]:
    if isinstance(result, tuple):  # (user, generated password): shown once
        user, password = result
        return {
            "notice": notice % {"username": user.username},
            "once": {"username": user.username, "password": password},
        }
    return {"notice": notice % {"username": result.username}}


@bp.post("/users")
@staff_only("admin")
def add_user() -> Any:
    form = request.form
    catalog = runtime().catalog
    centre = catalog.centre(form["centre"]) if form.get("centre") else None
    centres = [centre] if centre else list(catalog.centres.values())
    known = {b.code for c in centres for b in c.config.bodies}
    wanted = [b.strip() for b in (form.get("bodies") or "").split(",") if b.strip()]
    role = form.get("role", "")

    def add(session: Any, now: Any, n: int) -> Any:
        bodies = users.check_bodies(role, wanted, known)
        return users.add(
            session, _admin(), form.get("username", ""), role, centre.id if centre else None, now, n, bodies
        )

    return _run(
        add, gettext("%(username)s added. Give them this password; they choose their own at the first sign-in.")
    )


@bp.post("/users/<int:user_id>/reset-password")
@staff_only("admin")
def reset_password(user_id: int) -> Any:
    return _run(
        lambda s, now, n: users.reset_password(s, _admin(), user_id, now, n),
        gettext("%(username)s's password is reset and they are signed out everywhere."),
    )


@bp.post("/users/<int:user_id>/active")
@staff_only("admin")
def set_active(user_id: int) -> Any:
    active = request.form.get("active") == "1"
    return _run(
        lambda s, now, _n: users.set_active(s, _admin(), user_id, active, now),
        gettext("%(username)s can sign in again.")
        if active
        else gettext("%(username)s is deactivated and signed out everywhere."),
    )


@bp.post("/users/<int:user_id>/two-step-off")
@staff_only("admin")
def two_step_off(user_id: int) -> Any:
    return _run(
        lambda s, now, _n: users.turn_off_two_step(s, _admin(), user_id, now),
        gettext("Two-step verification of %(username)s is off: they set it up again at their next sign-in."),
    )


def _devices_page(status: int = 200, **context: Any) -> Any:
    rt, now = runtime(), utcnow()
    with rt.db.reading() as session:
        centres = [(c, devices.listing(session, c, now)) for c in rt.catalog.centres.values()]
    return render_template("admin/devices.html", centres=centres, **context), status


@bp.get("/devices")
@staff_only("admin")
def devices_page() -> Any:
    return _devices_page()


@bp.post("/devices/<centre>/<kind>/<code>/pair")
@staff_only("admin")
def pair_device(centre: str, kind: str, code: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    try:
        with rt.db.transaction() as session:
            token = devices.pair(session, _admin(), entry, kind, code, utcnow())
    except QueueError as error:
        return _devices_page(error.status, error=message_for(error.code, error.params), error_code=error.code)
    link = f"{rt.settings.public_url}/pair/{token}"
    return _devices_page(paired={"kind": kind, "code": code, "link": link})


@bp.post("/devices/<centre>/<kind>/<code>/unpair")
@staff_only("admin")
def unpair_device(centre: str, kind: str, code: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    with rt.db.transaction() as session:
        devices.unpair(session, _admin(), entry, kind, code, utcnow())
    notice = gettext("%(code)s is unpaired: it stops working within seconds. Pair it again to use it.", code=code)
    return _devices_page(notice=notice)


def _search() -> audit.Search:
    """The form's filters; days are the deployment's local days."""
    args, tz = request.args, _tz()

    def start_of(value: str) -> datetime:
        return datetime.combine(parse_day(value), time(0), tzinfo=tz).astimezone(UTC).replace(tzinfo=None)

    return audit.Search(
        person=args.get("person", "").strip() or None,
        action=args.get("action", "").strip() or None,
        target=args.get("target", "").strip() or None,
        since=start_of(args["from"]) if args.get("from") else None,
        until=start_of(args["to"]) + timedelta(days=1) if args.get("to") else None,
    )


def _local(at: datetime) -> str:
    return at.replace(tzinfo=UTC).astimezone(_tz()).strftime("%Y-%m-%d %H:%M:%S")


@bp.get("/audit")
@staff_only("admin")
def audit_page() -> Any:
    page = max(0, request.args.get("page", 0, type=int))
    with runtime().db.reading() as session:
        rows = audit.search(session, _search(), PAGE_ROWS + 1, page * PAGE_ROWS)
        kinds = audit.actions(session)
        seal = audit.last_seal(session)
        view = [
            {**_row(r), "detail": json.dumps(r.detail, ensure_ascii=False) if r.detail else ""}
            for r in rows[:PAGE_ROWS]
        ]
    return render_template(
        "admin/audit.html",
        rows=view,
        kinds=kinds,
        words=ACTIONS,
        args=request.args,
        page=page,
        more=len(rows) > PAGE_ROWS,
        seal=seal,
    )


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "at": _local(r.at),
        "actor": r.actor,
        "action": r.action,
        "target": r.target or "",
        "ip": r.ip or "",
    }


@bp.get("/audit.csv")
@staff_only("admin")
def audit_csv() -> Response:
    with runtime().db.reading() as session:
        rows = audit.search(session, _search(), CSV_ROWS)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "at", "actor", "action", "target", "ip", "detail", "seal"])
        for r in rows:
            item = _row(r)
            detail = json.dumps(r.detail, ensure_ascii=False) if r.detail else ""
            writer.writerow(
                [
                    item["id"],
                    item["at"],
                    item["actor"],
                    item["action"],
                    item["target"],
                    item["ip"],
                    detail,
                    r.hash or "",
                ]
            )
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM: spreadsheet programs then read the Arabic as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=tabour-audit.csv"},
    )
