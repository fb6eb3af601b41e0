"""Kiosk print jobs over the REST API: staff list failed/pending jobs and reprint; a kiosk polls its own."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from ..domain.errors import Forbidden, NotFound
from ..extensions import csrf, runtime
from ..services import audit
from ..services.accounts import DeviceIdentity, StaffIdentity, Unauthorized
from ..services.catalog import CentreCatalog
from ..services.print_store import cancel_unprinted
from ..services.printing import PrintWorker, printer_key
from ..store.database import utcnow
from ..views import printing as print_views
from .access import caller, require_staff

bp = Blueprint("print_jobs", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

LIST_LIMIT = 200


def worker() -> PrintWorker:
    """This process's print worker (every server process runs one)."""
    printing = runtime().workers.get("print")
    if printing is None:
        raise NotFound("not_found")
    return printing  # type: ignore[no-any-return]


def reprint_job(entry: CentreCatalog, job_id: str, who: StaffIdentity) -> dict[str, Any]:
    """A failed or torn ticket sent to its printer again, and the audit trail told who did it."""
    try:
        result = worker().reprint(entry, job_id)
    except LookupError:
        raise NotFound("not_found") from None
    with runtime().db.transaction() as session:
        audit.record(
            session,
            "ticket_reprinted",
            who.username,
            utcnow(),
            user_id=who.user_id,
            centre_id=entry.id,
            target=job_id,
            detail={"job": result["job"]},
            ip=request.remote_addr,
        )
    return result


@bp.get("/centres/<centre>/print-jobs")
def centre_jobs(centre: str) -> Any:
    """Jobs not printed yet (pending, failed) of the centre's kiosks, newest first, and printer states.
    `?status=all` includes printed ones."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    require_staff(entry)
    printing = worker()
    with rt.db.reading() as session:
        jobs = print_views.centre_jobs(
            session, entry.id, printing.job_json, request.args.get("status") == "all", LIST_LIMIT
        )
    return jsonify({"centre": centre, "printers": printing.printer_states(centre), "jobs": jobs})


@bp.post("/centres/<centre>/print-jobs/<job_id>/reprint")
def reprint(centre: str, job_id: str) -> Any:
    entry = runtime().catalog.centre(centre)
    return jsonify(reprint_job(entry, job_id, require_staff(entry))), 201


@bp.get("/print-jobs/<job_id>")
def job(job_id: str) -> Any:
    """One job's state, for the kiosk that issued it (device token) or staff of its centre."""
    rt = runtime()
    who = caller()
    if who is None:
        raise Unauthorized("login_required")
    if isinstance(who, DeviceIdentity) and who.kind != "kiosk":  # before the lookup: no hint of what exists
        raise Forbidden("device_not_allowed")
    printing = worker()
    with rt.db.reading() as session:
        described = printing.describe(session, job_id)
    if described is None:
        raise NotFound("not_found")
    key, centre_id, payload = described
    if isinstance(who, DeviceIdentity):
        centre = rt.catalog.by_id(who.centre_id)
        if who.kind != "kiosk" or key != printer_key(centre.code, who.code):
            raise Forbidden("device_not_allowed")
    else:
        require_staff(rt.catalog.by_id(centre_id))
    return jsonify(payload)


@bp.post("/print-jobs/<job_id>/cancel")
def cancel(job_id: str) -> Any:
    """The kiosk that issued the job gives it up when its visitor leaves without the ticket (their QR on
    the screen was the ticket): 200 `{"cancelled": true}`, or `false` when it printed already."""
    rt = runtime()
    who = caller()
    if not isinstance(who, DeviceIdentity) or who.kind != "kiosk":
        raise Unauthorized("login_required")
    key = printer_key(rt.catalog.by_id(who.centre_id).code, who.code)
    with rt.db.transaction() as session:
        cancelled = cancel_unprinted(session, job_id, key)
    return jsonify({"cancelled": cancelled})
