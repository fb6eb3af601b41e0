"""The centre's calendar over /api/v1: anyone reads the days ahead (open or why not, and their shifts);
a supervisor or administrator closes the centre for a day (a closure announced this morning) or calls a
closure off. Every change is audited and reaches every server process within seconds."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..domain.calendar import local_time
from ..domain.errors import InvalidInput
from ..extensions import csrf, runtime
from ..services import audit
from ..services import calendar as calendar_service
from ..store.database import utcnow
from .access import require_staff

bp = Blueprint("calendar", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, like the rest of /api/v1

MAX_DAYS = 366
SUPERVISORS = ("admin", "supervisor")


@bp.get("/centres/<centre>/calendar")
def days(centre: str) -> Any:
    """`?from=YYYY-MM-DD&days=N` (default: today, 14 days; at most a year)."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    now = utcnow()
    first_arg = request.args.get("from")
    first = calendar_service.parse_day(first_arg) if first_arg else local_time(now, entry.config.tz).date()
    try:
        count = int(request.args.get("days", "14"))
    except ValueError:
        raise InvalidInput("invalid_input") from None
    if not 1 <= count <= MAX_DAYS:
        raise InvalidInput("invalid_input")
    with rt.db.reading() as session:
        return jsonify({"centre": entry.code, "days": calendar_service.days(session, entry, first, count, now)})


@bp.post("/centres/<centre>/calendar")
def close_days(centre: str) -> Any:
    """`{"from": "YYYY-MM-DD", "to"?: ..., "kind"?: "closure|holiday", "reason": text or {ar, en, ur}}`."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = require_staff(entry, roles=SUPERVISORS, centre_wide=True)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("invalid_json")
    now = utcnow()
    with rt.db.transaction() as session:
        added = calendar_service.add_closed_days(
            session, entry, data.get("kind"), data.get("from"), data.get("to"), data.get("reason"), who.user_id, now
        )
        audit.record(
            session,
            "calendar_closed",
            who.username,
            now,
            centre_id=entry.id,
            user_id=who.user_id,
            target=f"{added.first.isoformat()}..{added.last.isoformat()}",
            detail={"kind": added.kind.value, "names": dict(added.names), "entry": added.id},
            ip=request.remote_addr,
        )
    return jsonify(calendar_service.entry_json(added)), 201


@bp.delete("/centres/<centre>/calendar/<int(max=2147483647):entry_id>")
def reopen(centre: str, entry_id: int) -> Any:
    """Call a staff closure off: the days open again by their shifts."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = require_staff(entry, roles=SUPERVISORS, centre_wide=True)
    now = utcnow()
    with rt.db.transaction() as session:
        removed = calendar_service.remove_closed_days(session, entry, entry_id)
        audit.record(
            session,
            "calendar_reopened",
            who.username,
            now,
            centre_id=entry.id,
            user_id=who.user_id,
            target=f"{removed.first.isoformat()}..{removed.last.isoformat()}",
            detail={"kind": removed.kind.value, "entry": entry_id},
            ip=request.remote_addr,
        )
    return Response(status=204)
