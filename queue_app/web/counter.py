"""The clerk's console: pick a counter of your centre, then work it from one page.

Every state change is a POST with a CSRF token that calls one service of services/counters.py,
commits, then publishes. The page's script posts the same forms with fetch (Accept: JSON) and
redraws from the answer; without script the forms still work (redirect back with a message).
Live counts arrive over Socket.IO (`/hall`, the centre's room): the page never polls.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import logout_user
from sqlalchemy.orm import Session

from ..domain.errors import Conflict, QueueError
from ..extensions import runtime
from ..services import audit, counter_actions, counters
from ..services.accounts import StaffIdentity
from ..services.catalog import CentreCatalog
from ..services.counters import Actor
from ..services.events import Event
from ..services.queue_state import counter_services, waiting_by_service
from ..store.database import utcnow
from ..store.models import Counter, Ticket, User
from .errors import message_for, wants_json
from .staff_pages import client_script_url, staff_for_page

bp = Blueprint("counter", __name__)

PAUSE_REASONS = ("prayer", "break", "meeting", "technical", "other")


def _pause_reason(form: dict[str, str]) -> str | None:
    """A known reason code, or the clerk's own words when the reason is 'other'."""
    reason = (form.get("reason") or "").strip()
    if reason == "other":
        return (form.get("reason_text") or "").strip()[:120] or "other"
    return reason if reason in PAUSE_REASONS else None


def _session_key(centre: str) -> str:
    return f"counter:{centre}"


def _publish(events: tuple[Event, ...] | list[Event]) -> None:
    publisher = runtime().publisher
    if publisher is not None and events:
        publisher.publish(events)


def console_state(db: Session, entry: CentreCatalog, code: str, now: datetime) -> dict[str, Any]:
    """Everything the console shows for one counter, as plain JSON-able values."""
    counter = db.get(Counter, entry.counter_id(code))
    assert counter is not None
    services = counter_services(entry, counter)
    waiting = waiting_by_service(db, entry, [s for s in services if s in entry.service_ids])
    ticket = None
    if counter.current_ticket_id is not None:
        row = db.get(Ticket, counter.current_ticket_id)
        if row is not None and row.status in ("called", "serving"):
            service_code = entry.service_code(row.service_id)
            waited_until = row.called_at or now
            ticket = {
                "number": row.number,
                "service": service_code,
                "service_names": entry.service(service_code).names.as_dict(),
                "status": row.status,
                "priority": row.priority,
                "transactions": row.transactions,
                "waited_minutes": max(0, int((waited_until - row.queued_at).total_seconds() // 60)),
                "note": row.note,
                "recalls": row.recalls,
            }
    clerk = db.get(User, counter.user_id).username if counter.user_id is not None else None  # type: ignore[union-attr]
    return {
        "centre": entry.code,
        "counter": code,
        "state": counter.state,
        "pause_reason": counter.pause_reason,
        "clerk": clerk,
        "services": [
            {
                "code": s,
                "names": entry.service(s).names.as_dict(),
                "waiting": waiting[s][0],
                "longest_wait_minutes": _minutes_since(now, waiting[s][2]),
            }
            for s in services
            if s in entry.service_ids
        ],
        "ticket": ticket,
        "max_recalls": entry.config.counter_rules.max_recalls,
        "auto_complete_on_next": entry.config.counter_rules.auto_complete_on_next,
    }


def _minutes_since(now: datetime, then: datetime | None) -> int:
    return max(0, int((now - then).total_seconds() // 60)) if then is not None else 0


def _held_by_other(counter: Counter, who: StaffIdentity) -> bool:
    return counter.state != "closed" and counter.user_id is not None and counter.user_id != who.user_id


def _picked(entry: CentreCatalog) -> str | None:
    code = session.get(_session_key(entry.code))
    return str(code) if code is not None and code in entry.counter_ids else None


@bp.get("/counter/<centre>")
def page(centre: str) -> Any:
    """The console of the counter this clerk picked, or the picker when none is picked yet."""
    entry = runtime().catalog.centre(centre)
    who = staff_for_page(entry)
    if not isinstance(who, StaffIdentity):
        return who
    rt, now = runtime(), utcnow()
    code = _picked(entry)
    with rt.db.reading() as db:
        if code is not None:
            counter = db.get(Counter, entry.counter_id(code))
            if counter is None or counter.user_id != who.user_id or counter.state == "closed":
                session.pop(_session_key(centre), None)
                code = None
        if code is None:
            rows = {c.code: c for c in db.query(Counter).filter(Counter.centre_id == entry.id)}
            users = dict(db.query(User.id, User.username).all())
            choices = [
                {
                    "code": config.code,
                    "names": config.names.as_dict(),
                    "service_names": [entry.service(s).names.as_dict() for s in config.services],
                    "state": rows[config.code].state,
                    "clerk": users.get(rows[config.code].user_id or 0) if rows[config.code].state != "closed" else None,
                    "mine": rows[config.code].user_id == who.user_id and rows[config.code].state != "closed",
                }
                for config in entry.config.counters
            ]
            return render_template("counter/pick.html", centre=entry, counters=choices, who=who)
        state = console_state(db, entry, code, now)
    transfer_to = [{"code": s.code, "names": s.names.as_dict()} for _b, s in entry.config.services()]
    return render_template(
        "counter/console.html",
        centre=entry,
        state=state,
        who=who,
        transfer_to=transfer_to,
        pause_reasons=PAUSE_REASONS,
        socket_script=client_script_url(),
    )


@bp.post("/counter/<centre>/<code>/sign-in")
def sign_in(centre: str, code: str) -> Any:
    """Take a counter: it opens (idle) and the presence is recorded; a counter another clerk holds is refused."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, api=True)
    entry.counter_id(code)
    now = utcnow()
    with rt.db.transaction() as db:
        counter = counters.load_counter(db, entry, code)
        if _held_by_other(counter, who) and who.role == "clerk":
            holder = db.get(User, counter.user_id)
            raise Conflict("counter_taken", counter=code, clerk=holder.username if holder else "?")
        # Leaving another counter of this centre first keeps one clerk at one counter.
        previous = _picked(entry)
        events: list[Event] = []
        if previous is not None and previous != code:
            old = db.get(Counter, entry.counter_id(previous))
            if old is not None and old.user_id == who.user_id and old.state != "closed":
                events += counters.sign_out(db, entry, previous, Actor(who.user_id), now).events
        result = counters.sign_in(db, entry, code, Actor(who.user_id), now)
        events += result.events
    _publish(events)
    session[_session_key(centre)] = code
    return redirect(url_for("counter.page", centre=centre))


@bp.post("/counter/<centre>/<code>/sign-out")
def sign_out(centre: str, code: str) -> Any:
    """Leave the counter (an open ticket is completed when the rules say so) and sign out of the site."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, api=True)
    _require_picked(entry, code, who)
    now = utcnow()
    with rt.db.transaction() as db:
        result = counters.sign_out(db, entry, code, Actor(who.user_id), now)
        audit.record(
            db,
            "logout",
            who.username,
            now,
            user_id=who.user_id,
            centre_id=entry.id,
            target=f"counter:{code}",
            detail={"via": "console"},
            ip=request.remote_addr,
        )
    _publish(result.events)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    if wants_json():
        return jsonify({"signed_out": True, "next": url_for("auth.login")})
    return redirect(url_for("auth.login"))


def _require_picked(entry: CentreCatalog, code: str, who: StaffIdentity) -> None:
    """Actions only on the counter this session signed in to (and the counter still held by this clerk)."""
    entry.counter_id(code)
    if _picked(entry) != code:
        raise Conflict("counter_not_signed_in", counter=code)


def run_action(centre: str, code: str, action: str) -> Any:
    """The shared body of every console action route."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, api=True)
    _require_picked(entry, code, who)
    form = {k: str(v) for k, v in request.form.items() if k != "csrf_token"}
    now = utcnow()
    with rt.db.transaction() as db:
        counter = counters.load_counter(db, entry, code)
        if _held_by_other(counter, who):
            holder = db.get(User, counter.user_id)
            raise Conflict("counter_taken", counter=code, clerk=holder.username if holder else "?")
        form["reason"] = _pause_reason(form) or ""
        result = counter_actions.ACTIONS[action](db, entry, code, Actor(who.user_id), now, form)
        db.flush()
        db.expire_all()  # the busiest actions write with Core statements: read the counter afresh
        state = console_state(db, entry, code, now)
    _publish(result.events)
    notice = None
    if action == "call-next" and result.ticket is None:
        notice = gettext("Nobody is waiting for this counter's services.")
    if wants_json():
        return jsonify({"state": state, "notice": notice})
    if notice:
        flash(notice, "info")
    return redirect(url_for("counter.page", centre=centre))


def console_message(code: str, params: dict[str, Any] | None = None) -> str:
    """Messages of this page's own refusals, then the shared table."""
    own = {
        "counter_taken": gettext("Counter %(counter)s is in use by %(clerk)s."),
        "counter_not_signed_in": gettext("Sign in to counter %(counter)s first."),
    }
    if code in own:
        try:
            return own[code] % (params or {})
        except (KeyError, TypeError, ValueError):
            return own[code]
    return message_for(code, params)


@bp.errorhandler(QueueError)
def refused(error: QueueError) -> Any:
    """A refusal on this page: JSON for the page's script, else a message on the console."""
    message = console_message(error.code, error.params)
    if wants_json():
        return jsonify({"error": {"code": error.code, "message": message}}), error.status
    if error.code in ("login_required", "unauthorized"):
        return redirect(url_for("auth.login"))
    if error.status == 403:
        return render_template("error.html", code=error.code, message=message, status=403), 403
    flash(message, "error")
    return redirect(url_for("counter.page", centre=request.view_args.get("centre", "") if request.view_args else ""))


for _action in counter_actions.ACTIONS:
    bp.add_url_rule(
        f"/counter/<centre>/<code>/{_action}",
        endpoint=f"action_{_action.replace('-', '_')}",
        view_func=lambda centre, code, _a=_action: run_action(centre, code, _a),
        methods=["POST"],
    )
