"""The clerk's console: pick a counter of your centre, then work it from one page.

Every state change is a POST with a CSRF token that calls one service of services/counters.py,
commits, then publishes. The page's script posts the same forms with fetch (Accept: JSON) and
redraws from the answer; without script the forms still work (redirect back with a message).
Live counts arrive over Socket.IO (`/hall`, the centre's room): the page never polls.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext
from flask_login import current_user, logout_user

from ..domain.errors import QueueError
from ..domain.tickets import Status
from ..extensions import runtime
from ..services import audit, counter_actions, sessions
from ..services.accounts import StaffIdentity
from ..services.catalog import CentreCatalog
from ..services.events import Event
from ..store.database import utcnow
from ..views.console import console_state, counter_choices, held_by
from .access import actor_for
from .errors import message_for, relation_words, wants_json
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


def _picked(entry: CentreCatalog) -> str | None:
    code = session.get(_session_key(entry.code))
    return str(code) if code is not None and code in entry.counter_ids else None


@bp.get("/counter/<centre>")
def page(centre: str) -> Any:
    """The console of the counter this clerk holds, or the picker when none is picked yet."""
    entry = runtime().catalog.centre(centre)
    who = staff_for_page(entry)
    if not isinstance(who, StaffIdentity):
        return who
    rt, now = runtime(), utcnow()
    code = _picked(entry)
    with rt.db.reading() as db:
        if code is not None and not held_by(db, entry, code, who.user_id):
            session.pop(_session_key(centre), None)
            code = None
        if code is None:
            choices = counter_choices(db, entry, who.user_id)
            return render_template("counter/pick.html", centre=entry, counters=choices, who=who)
        state = console_state(db, entry, code, now)
    transfer_to = [{"code": s.code, "names": s.names.as_dict()} for _b, s in entry.config.services()]
    return render_template(
        "counter/console.html",
        centre=entry,
        state=state,
        who=who,
        transfer_to=transfer_to,
        relations=relation_words(),
        pause_reasons=PAUSE_REASONS,
        socket_script=client_script_url(),
    )


@bp.get("/counter/<centre>/<code>/state")
def state(centre: str, code: str) -> Any:
    """The console's state as JSON: the page re-reads it when its counter changed elsewhere."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    staff_for_page(entry, api=True)
    with rt.db.reading() as db:
        return jsonify({"state": console_state(db, entry, code, utcnow())})


@bp.post("/counter/<centre>/<code>/sign-in")
def sign_in(centre: str, code: str) -> Any:
    """Take a counter (services/counters.sign_in applies the rules: one counter per clerk, not another's)."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, api=True)
    with rt.db.transaction() as db:
        result = counter_actions.ACTIONS["sign-in"](db, entry, code, actor_for(who), utcnow(), {})
    _publish(result.events)
    session[_session_key(centre)] = code
    return redirect(url_for("counter.page", centre=centre))


@bp.post("/counter/<centre>/<code>/sign-out")
def sign_out(centre: str, code: str) -> Any:
    """Leave the counter (an open ticket is completed when the rules say so) and sign out of the site."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, api=True)
    now = utcnow()
    with rt.db.transaction() as db:
        result = counter_actions.ACTIONS["sign-out"](db, entry, code, actor_for(who), now, {})
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
        if getattr(current_user, "key", None):  # the site's session ends too, on the server
            sessions.end_session(db, current_user.key, now)
    _publish(result.events)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    if wants_json():
        return jsonify({"signed_out": True, "next": url_for("auth.login")})
    return redirect(url_for("auth.login"))


def run_action(centre: str, code: str, action: str) -> Any:
    """The shared body of every console action route: the same use case as the API's."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, api=True)
    form = {k: str(v) for k, v in request.form.items() if k != "csrf_token"}
    if action == "pause":
        form["reason"] = _pause_reason(form) or ""
    now = utcnow()
    with rt.db.transaction() as db:
        result = counter_actions.ACTIONS[action](db, entry, code, actor_for(who), now, form)
        state = console_state(db, entry, code, now)
    _publish(result.events)
    notice = _notice(entry, action, result.ticket)
    if wants_json():
        return jsonify({"state": state, "notice": notice})
    if notice:
        flash(notice, "info")
    return redirect(url_for("counter.page", centre=centre))


def _notice(entry: CentreCatalog, action: str, ticket: Any) -> str | None:
    """What the clerk is told after an action that ends or moves a visit: it happened, to whom."""
    if action == "call-next" and ticket is None:
        return gettext("Nobody is waiting for this counter's services.")
    if ticket is None:
        return None
    number = ticket.number
    service = entry.service(entry.service_code(ticket.service_id)).names.get(str(get_locale() or "ar"))
    if action == "complete" and ticket.status == Status.WAITING:  # a family visit goes on to its next service
        return gettext("%(number)s: served here; the visit goes on to %(service)s.", number=number, service=service)
    if action == "complete":
        return gettext("%(number)s: served.", number=number)
    if action == "add-leg":
        return gettext("%(number)s: a service was added to the visit.", number=number)
    if action == "end-visit":
        return gettext("%(number)s: the visit ends with this service.", number=number)
    if action == "no-show":
        return gettext("%(number)s: marked absent.", number=number)
    if action == "transfer":
        return gettext("%(number)s: sent to %(service)s.", number=number, service=service)
    if action == "park":
        return gettext("%(number)s: parked. Call it back from the list when the visitor returns.", number=number)
    if action == "requeue":
        return gettext("%(number)s: back in line.", number=number)
    return None


@bp.errorhandler(QueueError)
def refused(error: QueueError) -> Any:
    """A refusal on this page: JSON for the page's script, else a message on the console."""
    message = message_for(error.code, error.params)
    if wants_json():
        return jsonify({"error": {"code": error.code, "message": message}}), error.status
    if error.code in ("login_required", "unauthorized"):
        return redirect(url_for("auth.login"))
    if error.status == 403:
        return render_template("error.html", code=error.code, message=message, status=403), 403
    flash(message, "error")
    return redirect(url_for("counter.page", centre=request.view_args.get("centre", "") if request.view_args else ""))


for _action in counter_actions.ACTIONS:
    if _action in ("sign-in", "sign-out"):
        continue  # their own routes above: the console keeps which counter it shows in the session
    bp.add_url_rule(
        f"/counter/<centre>/<code>/{_action}",
        endpoint=f"action_{_action.replace('-', '_')}",
        view_func=lambda centre, code, _a=_action: run_action(centre, code, _a),
        methods=["POST"],
    )
