"""The kiosk printers of a centre, for its staff (`/supervisor/<centre>/printers`): each printer's state,
the tickets not printed yet (or all, newest first), and a reprint button; kept current by the print
worker's `print_status` events on `/hall`. The same listing and reprint as the REST API
(web/print_jobs.py), through the same functions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from ..domain.errors import QueueError
from ..extensions import runtime
from ..services.accounts import StaffIdentity
from ..views import printing as print_views
from .print_jobs import LIST_LIMIT, reprint_job, worker
from .staff_pages import client_script_url, refuse_on_page, staff_for_page

bp = Blueprint("printers_page", __name__)
bp.register_error_handler(QueueError, refuse_on_page)

ROLES = ("clerk", "supervisor", "admin")  # as the REST API: any member of the centre's staff


@bp.get("/supervisor/<centre>/printers")
def page(centre: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, ROLES)
    if not isinstance(who, StaffIdentity):
        return who
    printing = worker()
    everything = request.args.get("status") == "all"
    with rt.db.reading() as session:
        jobs = print_views.centre_jobs(session, entry.id, printing.job_json, everything, LIST_LIMIT)
    return render_template(
        "supervisor/printers.html",
        centre=entry,
        printers=printing.printer_states(centre),
        jobs=jobs,
        everything=everything,
        socket_script=client_script_url(),
    )


@bp.post("/supervisor/<centre>/printers/jobs/<job_id>/reprint")
def reprint(centre: str, job_id: str) -> Any:
    entry = runtime().catalog.centre(centre)
    who: StaffIdentity = staff_for_page(entry, ROLES, api=True)
    result = reprint_job(entry, job_id, who)
    flash(gettext("Sent to the printer again (job %(job)s).", job=result["job"][:8]), "info")
    return redirect(url_for("printers_page.page", centre=centre))
