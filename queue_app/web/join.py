"""Join the queue from home: /join/<centre> (a form that works without JavaScript), the same as JSON
for apps, and the kiosk's check-in of a remote ticket (it scans the QR on the visitor's phone)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from ..domain.errors import QueueError
from ..extensions import csrf, runtime
from ..services import remote, tickets
from ..services.catalog import CentreCatalog
from ..store.database import utcnow
from ..views import hall
from ..views.tickets import ticket_json
from .access import require_issuer
from .api import json_body, publish
from .errors import message_for
from .estimates import public_estimates

bp = Blueprint("join", __name__)


def remote_services(centre: CentreCatalog) -> list[dict[str, Any]]:
    """The services a visitor may join from home, with their state now (open, waiting, ETA)."""
    rt = runtime()
    with rt.db.reading() as session:
        return [s for s in hall.services_summary(session, centre, utcnow()) if s["remote_join"]]


def client_ip() -> str | None:
    """The visitor's address as the server sees it (a proxy in front must set REMOTE_ADDR itself)."""
    return request.remote_addr


def join(centre: CentreCatalog, data: Any) -> tuple[dict[str, Any], str]:
    rt = runtime()
    lang = str(data.get("lang") or request.args.get("lang") or rt.settings.hall.server.default_language)
    with rt.db.transaction() as session:
        issued = remote.join_remote(
            session,
            centre,
            str(data.get("service") or ""),
            phone=data.get("phone"),
            civil_id=data.get("civil_id"),
            lang=lang,
            ip=client_ip(),
            now=utcnow(),
        )
        body = ticket_json(
            session,
            centre,
            issued.ticket,
            rt.settings.public_url,
            utcnow(),
            private=False,
            ahead=(issued.position, issued.eta),
        )
    publish(issued.events)
    return body, issued.ticket.tracking_code


HALL_REASONS = ("holiday", "closure", "outside_shift", "last_ticket_passed")


def hall_closed_message(services: list[dict[str, Any]]) -> str | None:
    """Why nothing can be joined now and when it opens, once for the whole page (a holiday, between shifts)."""
    first = services[0] if services else None
    if first is None or first["open"] or first["closed_reason"] not in HALL_REASONS:
        return None
    params: dict[str, Any] = {"names": first["closed_names"]}
    if first["opens_at"]:
        params["opens_at"] = datetime.fromisoformat(first["opens_at"])
    named = first["closed_reason"] in ("holiday", "closure")
    return message_for(first["closed_reason"] if named else "intake_closed", params)


@bp.route("/join/<centre>", methods=["GET", "POST"])
def page(centre: str) -> Any:
    entry = runtime().catalog.centre(centre)
    error = None
    if request.method == "POST":
        try:
            _body, code = join(entry, request.form)
            return redirect(url_for("track.page", tracking_code=code))
        except QueueError as failure:
            error = message_for(failure.code, failure.params)
    status = 200 if error is None else 400
    services = remote_services(entry)
    return (
        render_template(
            "track/join.html",
            centre=entry,
            services=services,
            hall_closed=hall_closed_message(services),
            due_ahead=entry.config.remote.due_ahead,
            due_minutes=entry.config.remote.due_minutes,
            error=error,
            form=request.form,
            check_in=entry.config.remote.check_in_required,
            kept=public_estimates(entry),
            hold_minutes=entry.config.remote.hold_minutes,
        ),
        status,
    )


@bp.post("/api/v1/centres/<centre>/remote-tickets")
@csrf.exempt
def api_join(centre: str) -> Any:
    """JSON join from home: {service, phone | civil_id, lang}; same limits as the form."""
    entry = runtime().catalog.centre(centre)
    body, _code = join(entry, json_body())
    return body, 201


@bp.post("/api/v1/centres/<centre>/tickets/<tracking_code>/check-in")
@csrf.exempt
def check_in(centre: str, tracking_code: str) -> Any:
    """A kiosk of this centre (device token) or staff checks a remote ticket in; idempotent."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    require_issuer(entry)
    with rt.db.transaction() as session:
        ticket = tickets.find_by_tracking_code(session, tracking_code)
        ticket, events = remote.check_in(session, entry, ticket, utcnow())
        body = ticket_json(session, entry, ticket, rt.settings.public_url, utcnow(), private=False)
        body["checked_in"] = ticket.checked_in_at is not None or not ticket.needs_check_in
        body["already_checked_in"] = not events  # checked in before (or never needed it): nothing changed
    publish(events)
    return body
