"""The visitor's tracking page behind the QR code: /t/<tracking_code>, and the visitor's own actions
on it: "I am leaving" (cancel, frees the place) and the rating after service. Nothing personal is
shown: the page works from the public ticket view (no civil ID, no phone)."""

from __future__ import annotations

import io
from datetime import UTC
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Blueprint, g, redirect, render_template, request, url_for
from markupsafe import Markup

from ..extensions import runtime
from ..services import counters, ratings, tickets
from ..services.catalog import CentreCatalog
from ..store.database import utcnow
from ..store.records import TicketRecord
from ..views.tickets import ticket_json
from .api import publish
from .errors import relation_words

bp = Blueprint("track", __name__)


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def qr_svg(text: str) -> Markup:
    """The tracking code as an inline SVG QR (the kiosk scans it to check a remote ticket in)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    return Markup(out.getvalue().decode())


def local_clock(centre: CentreCatalog, ticket: TicketRecord) -> str | None:
    if ticket.hold_until is None:
        return None
    return ticket.hold_until.replace(tzinfo=UTC).astimezone(centre.config.tz).strftime("%H:%M")


def socket_io_url() -> str | None:
    """The Socket.IO browser client the displays serve (one copy for every page); None if absent."""
    try:
        from .display import socket_io_client_url

        return socket_io_client_url()
    except Exception:  # the page still works by polling
        return None


@bp.get("/t/<tracking_code>")
def page(tracking_code: str) -> str:
    rt = runtime()
    with rt.db.reading() as session:
        ticket = tickets.find_by_tracking_code(session, tracking_code)
        g.page_lang = ticket.lang  # the language chosen at the kiosk, unless the visitor picked another here
        centre = rt.catalog.by_id(ticket.centre_id)
        data = ticket_json(session, centre, ticket, rt.settings.public_url, utcnow(), private=False)
        rated = ratings.rating_of(session, ticket) is not None
        hold_until = local_clock(centre, ticket)
    return render_template(
        "track.html",
        ticket=data,
        centre=centre,
        rated=rated,
        hold_until=hold_until,
        qr=qr_svg(data["tracking_url"]) if data["needs_check_in"] else None,
        socket_io_url=socket_io_url(),
        relation_words=relation_words(),
    )


@bp.post("/t/<tracking_code>/cancel")
def cancel(tracking_code: str) -> Any:
    """ "I am leaving": the ticket is cancelled and the people behind move up."""
    rt = runtime()
    with rt.db.transaction() as session:
        ticket = tickets.find_by_tracking_code(session, tracking_code)
        centre = rt.catalog.by_id(ticket.centre_id)
        ticket, events = counters.leave(session, centre, ticket, utcnow())
        status = ticket.status
    publish(events)
    if wants_json():
        return {"status": status}
    return redirect(url_for("track.page", tracking_code=tracking_code))


@bp.post("/t/<tracking_code>/rating")
def rate(tracking_code: str) -> Any:
    """Score 1-5 and an optional comment, once, after the service is done."""
    rt = runtime()
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data or {}
    with rt.db.transaction() as session:
        ticket = tickets.find_by_tracking_code(session, tracking_code)
        rating = ratings.rate(session, ticket, data.get("score"), data.get("comment"), utcnow())
        score = rating.score
    if wants_json():
        return {"score": score}, 201
    return redirect(url_for("track.page", tracking_code=tracking_code))
