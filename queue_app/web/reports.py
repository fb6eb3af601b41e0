"""Reports and staffing plans over /api/v1, for the ministry's own tools: a supervisor of the centre (of
their bodies), an administrator, or the central role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from ..extensions import csrf, runtime
from ..services import reports, staffing
from ..services.calendar import parse_day
from ..store.database import utcnow
from .access import require_staff
from .api import field

bp = Blueprint("reports", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, like the rest of /api/v1


@bp.get("/centres/<centre>/reports/summary")
def summary(centre: str) -> Any:
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD`, dates in the centre's timezone (both included)."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = require_staff(entry, roles=("admin", "supervisor", "central"))
    args = dict(request.args)
    first, last = parse_day(field(args, "from")), parse_day(field(args, "to"))
    with rt.db.reading() as session:
        report = reports.summary(session, entry, first, last)
    if who.bodies is not None:  # a supervisor of some bodies reads their services only
        mine = {s.code for body, s in entry.config.services() if who.may_manage(body.code)}
        report["services"] = [row for row in report["services"] if row["service"] in mine]
    return jsonify(report)


@bp.get("/centres/<centre>/staffing/plan")
def staffing_plan(centre: str) -> Any:
    """`?day=YYYY-MM-DD&target=20`: per body and hour the usual counters and the fewest that keep the wait
    under the target, simulated from the centre's history (docs/staffing.md)."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = require_staff(entry, roles=("admin", "supervisor", "central"))
    args = dict(request.args)
    day, target = parse_day(field(args, "day")), staffing.check_target(args.get("target"))
    plan = staffing.plan_of(rt.db, entry, day, target, utcnow())
    return jsonify({**plan, "centre": centre, "bodies": [b for b in plan["bodies"] if who.may_manage(b["body"])]})
