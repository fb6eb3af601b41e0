"""Staff view of the notification outbox: what was sent, what is waiting, what failed (and retry)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..domain.errors import NotFound
from ..extensions import csrf, runtime
from ..services import notify
from ..views.messages import outbox_listing
from .access import require_staff

bp = Blueprint("outbox", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, like the rest of /api/v1


@bp.get("/centres/<centre>/notifications")
def listing(centre: str) -> Any:
    """`?status=failed` lists the failures; any staff member of the centre may look."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    require_staff(entry)
    status = request.args.get("status") or None
    with rt.db.reading() as session:
        return jsonify(outbox_listing(session, entry, status))


@bp.post("/centres/<centre>/notifications/<int(max=9223372036854775807):notification_id>/retry")
def retry(centre: str, notification_id: int) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    require_staff(entry, roles=("admin", "supervisor"))
    with rt.db.transaction() as session:
        if not notify.retry_notification(session, entry, notification_id):
            raise NotFound("not_found")
    worker = rt.workers.get("notify")
    if worker is not None:
        worker.wake()
    return Response(status=204)
