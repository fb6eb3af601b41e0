"""The central board (`/central`): every centre of the deployment live on one screen, worst first, for the
ministry's operations room (the `central` role) and administrators. The page draws from its first
`central_snapshot` and keeps itself current from `/central` Socket.IO events (realtime/central.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..domain.errors import QueueError
from .staff_pages import client_script_url, refuse_on_page, staff_only

bp = Blueprint("central", __name__)
bp.register_error_handler(QueueError, refuse_on_page)


@bp.get("/central")
@staff_only("central", "admin")
def page() -> Any:
    return render_template("central/board.html", socket_script=client_script_url())
