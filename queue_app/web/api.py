"""REST API v1: thin handlers that parse, call one service, commit, publish, answer JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..domain.errors import Forbidden, InvalidInput
from ..domain.visits import check_legs
from ..extensions import csrf, runtime
from ..services import accounts, audit, counter_actions, sessions, signin, tickets
from ..services.accounts import DeviceIdentity
from ..services.events import Event
from ..store.database import utcnow
from ..views import hall
from ..views.tickets import ticket_json
from .access import actor_for, bearer_token, require_issuer, require_staff
from .errors import error_response
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens; a browser's session cookie needs the CSRF header (access.caller)


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None and not request.data:
        return {}
    if not isinstance(data, dict):
        raise InvalidInput("invalid_json")
    return data


def field(data: dict[str, Any], name: str) -> Any:
    if data.get(name) in (None, ""):
        raise InvalidInput("missing_field", field=name)
    return data[name]


def publish(events: tuple[Event, ...] | list[Event]) -> None:
    publisher = runtime().publisher
    if publisher is not None and events:
        publisher.publish(events)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.post("/auth/token")
def token() -> Any:
    """A bearer token for a staff member: name, password and, when the account has two-step
    verification, its current `code`. Throttled and audited like the sign-in form (services/signin.py)."""
    data = json_body()
    username, password = str(field(data, "username")), str(field(data, "password"))
    rt, now, ip = runtime(), utcnow(), request.remote_addr
    try:
        user_id = signin.check_password(rt.db, rt.throttle, username, password, via="api", ip=ip, now=now)
        detail = None
        if signin.needs_code(rt.db, user_id):
            if not data.get("code"):
                raise signin.TwoStepRequired()
            code = str(data["code"])
            recovery = signin.check_code(rt.db, rt.throttle, rt.sealer, user_id, code, via="api", ip=ip, now=now)
            detail = {"two_step": "recovery" if recovery else "code"}
    except signin.TooManyAttempts as error:
        response = error_response(error.code, error.status, error.params)
        response[0].headers["Retry-After"] = str(error.params["retry_after"])
        return response
    done = signin.open_signed_in(
        rt.db, rt.throttle, rt.settings.hall.security, user_id, via="api", ip=ip, now=now, detail=detail
    )
    if done.must_enrol or done.must_change_password:
        with rt.db.transaction() as session:
            sessions.end_session(session, done.key, now)
        raise Forbidden("two_step_enrolment_required" if done.must_enrol else "password_change_required")
    return jsonify(
        {"token": rt.signer.issue(done.key), "role": done.identity.role, "expires_at": hall.iso(done.ends_at)}
    )


@bp.delete("/auth/token")
def revoke_token() -> Any:
    """Sign the token out: it stops working at once in this process, within seconds in the others."""
    token = bearer_token()
    if not token or "." not in token:
        raise accounts.Unauthorized("login_required")
    rt, now = runtime(), utcnow()
    key = rt.signer.session_key(token)
    with rt.db.transaction() as session:
        user_id = sessions.end_session(session, key, now)
        if user_id is not None:
            audit.record(
                session,
                "logout",
                f"user:{user_id}",
                now,
                user_id=user_id,
                detail={"via": "api"},
                ip=request.remote_addr,
            )
    rt.identities.pop(token, None)
    return Response(status=204)


@bp.get("/centres")
def centres() -> Any:
    return jsonify(
        [
            {
                "code": c.code,
                "names": c.config.names.as_dict(),
                "timezone": c.config.timezone,
                "languages": list(c.config.languages),
            }
            for c in runtime().catalog.centres.values()
        ]
    )


@bp.get("/centres/<centre>/services")
def services(centre: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    with rt.db.reading() as session:
        return jsonify(hall.services_summary(session, entry, utcnow()))


@bp.post("/centres/<centre>/tickets")
def issue(centre: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = require_issuer(entry)
    data = json_body()
    source = "kiosk" if isinstance(who, DeviceIdentity) else str(data.get("source") or "staff")
    if source not in ("kiosk", "staff", "appointment"):
        raise InvalidInput("invalid_input")
    rules = entry.config.visits
    legs = check_legs(data["legs"], rules.max_legs, rules.max_transactions) if "legs" in data else ()
    ticket_request = tickets.TicketRequest(
        service=legs[0].service if legs else str(field(data, "service")),
        legs=legs,
        priority=data.get("priority") or "none",
        transactions=data.get("transactions", 1),
        lang=str(data.get("lang") or rt.settings.hall.server.default_language),
        civil_id=data.get("civil_id"),
        source=source,
        client_ip=request.remote_addr,
        issued_by=f"kiosk:{who.code}" if isinstance(who, DeviceIdentity) else who.username,
    )
    kiosk = who.code if isinstance(who, DeviceIdentity) else None
    printing = rt.workers.get("print") if kiosk is not None else None
    with rt.db.transaction() as session:
        issued = tickets.issue_ticket(session, entry, ticket_request, utcnow())
        job_id = printing.reserve(session, entry, kiosk, issued.ticket.id) if printing and kiosk else None
        body = ticket_json(
            session, entry, issued.ticket, rt.settings.public_url, utcnow(), ahead=(issued.position, issued.eta)
        )
    publish(issued.events)
    if printing is not None:
        body["print"] = printing.submit_ticket(
            entry, str(kiosk), job_id, issued.ticket.id, (issued.position, issued.eta)
        )
    return jsonify(body), 201


@bp.get("/tickets/<tracking_code>")
def ticket(tracking_code: str) -> Any:
    rt = runtime()
    with rt.db.reading() as session:
        found = tickets.find_by_tracking_code(session, tracking_code)
        entry = rt.catalog.by_id(found.centre_id)
        return jsonify(ticket_json(session, entry, found, rt.settings.public_url, utcnow(), private=False))


@bp.get("/centres/<centre>/hall")
def hall_view(centre: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    with rt.db.reading() as session:
        return jsonify(hall.hall_snapshot(session, entry, utcnow()))


def counter_action(centre: str, counter: str, action: str) -> Any:
    """Run one counter action for a staff member of this centre; the shared body of every action route."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = require_staff(entry)
    entry.counter_id(counter)
    data = json_body()
    now = utcnow()
    with rt.db.transaction() as session:
        result = counter_actions.ACTIONS[action](session, entry, counter, actor_for(who), now, data)
        ticket = result.ticket
        ticket_body = ticket_json(session, entry, ticket, rt.settings.public_url, now) if ticket is not None else None
        counter_state = {"code": counter, "state": result.counter.state, "pause_reason": result.counter.pause_reason}
    publish(result.events)
    if action == "call-next" and ticket_body is None:
        return Response(status=204)
    if action in ("pause", "resume", "sign-in", "sign-out"):
        return jsonify({"counter": counter_state, "ticket": ticket_body})
    return jsonify(ticket_body)


for _action in counter_actions.ACTIONS:
    bp.add_url_rule(
        f"/centres/<centre>/counters/<counter>/{_action}",
        endpoint=f"counter_{_action.replace('-', '_')}",
        view_func=lambda centre, counter, _a=_action: counter_action(centre, counter, _a),
        methods=["POST"],
    )
