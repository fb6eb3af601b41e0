"""The visitor's tracking page behind the QR code: /t/<tracking_code>."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..extensions import runtime
from ..services import tickets
from .serializers import ticket_json

bp = Blueprint("track", __name__)


@bp.get("/t/<tracking_code>")
def page(tracking_code: str) -> str:
    rt = runtime()
    with rt.db.reading() as session:
        ticket = tickets.find_by_tracking_code(session, tracking_code)
        centre = rt.catalog.by_id(ticket.centre_id)
        data = ticket_json(session, centre, ticket, private=False)
    return render_template("track.html", ticket=data, centre=centre)
