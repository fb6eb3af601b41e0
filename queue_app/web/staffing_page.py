"""Staffing advice for supervisors (services/staffing.py): the plan of a day (`/supervisor/<centre>/plan`:
a day and a target wait -> per body and hour the usual counters and the fewest that keep the wait under
the target), and the board's live advice (`/supervisor/<centre>/advice`, JSON, read every minute)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_babel import get_locale, gettext

from ..domain.calendar import local_time
from ..domain.errors import QueueError
from ..extensions import runtime
from ..services import staffing, staffing_advice
from ..services.accounts import StaffIdentity
from ..services.calendar import parse_day
from ..services.catalog import CentreCatalog
from ..store.database import utcnow
from .staff_pages import refuse_on_page, staff_for_page

bp = Blueprint("staffing_page", __name__)
bp.register_error_handler(QueueError, refuse_on_page)

VIEWERS = ("supervisor", "admin", "central")


@bp.get("/supervisor/<centre>/plan")
def plan_page(centre: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, VIEWERS)
    if not isinstance(who, StaffIdentity):
        return who
    now = utcnow()
    tomorrow = local_time(now, entry.config.tz).date() + timedelta(days=1)
    day = parse_day(request.args["day"]) if request.args.get("day") else tomorrow
    target = staffing.check_target(request.args.get("target"))
    plan = staffing.plan_of(rt.db, entry, day, target, now)
    bodies = {b.code: b for b in entry.config.bodies}
    shown = [b for b in plan["bodies"] if who.may_manage(b["body"])]
    return render_template(
        "supervisor/plan.html",
        centre=entry,
        plan=plan,
        shown=shown,
        bodies=bodies,
        day=day,
        target=target,
        services={s.code: s for _b, s in entry.config.services()},
    )


def advice_text(entry: CentreCatalog, item: dict[str, Any], lang: str) -> str:
    """One piece of advice in the reader's language."""
    service = entry.config.service(item["service"])
    name = service.names.get(lang) if service else item["service"]
    if item["counter"] is None:
        return gettext(
            "Every counter for %(service)s is open: the wait will pass %(target)s minutes at %(time)s.",
            service=name,
            target=item["target"],
            time=item["at"],
        )
    if item["now"]:
        text = gettext(
            "Open one more counter for %(service)s now (counter %(counter)s): those waiting now will wait over "
            "%(target)s minutes.",
            service=name,
            counter=item["counter"],
            target=item["target"],
        )
    else:
        text = gettext(
            "Open one more counter for %(service)s now (counter %(counter)s): the wait will pass %(target)s "
            "minutes at %(time)s.",
            service=name,
            counter=item["counter"],
            target=item["target"],
            time=item["at"],
        )
    if not item["helps"]:
        text += " " + gettext("One more counter will not be enough.")
    return text


@bp.get("/supervisor/<centre>/advice")
def advice(centre: str) -> Any:
    """The board's live advice, per body the supervisor oversees, in the reader's language."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who: StaffIdentity = staff_for_page(entry, VIEWERS, api=True)
    found = staffing_advice.advice_of(rt.db, entry, utcnow())
    lang = str(get_locale() or "ar")
    shown = [{**item, "text": advice_text(entry, item, lang)} for item in found if who.may_manage(item["body"])]
    return jsonify({"advice": shown})
