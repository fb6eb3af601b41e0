"""Staffing advice for supervisors (services/staffing.py): the plan of a day (`/supervisor/<centre>/plan`:
a day and a target wait -> per body and hour the usual counters and the fewest that keep the wait under
the target), and the board's live advice (`/supervisor/<centre>/advice`, JSON, read every minute)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, render_template, request
from flask_babel import get_locale, gettext

from ..domain.calendar import local_time
from ..domain.errors import InvalidInput, QueueError
from ..extensions import runtime
from ..services import staffing
from ..services.accounts import StaffIdentity
from ..services.calendar import parse_day
from ..services.catalog import CentreCatalog
from ..store.database import utcnow
from .staff_pages import refuse_on_page, staff_for_page

bp = Blueprint("staffing_page", __name__)
bp.register_error_handler(QueueError, refuse_on_page)

VIEWERS = ("supervisor", "admin", "central")
DEFAULT_TARGET = 20
ADVICE_SECONDS = 60  # the board asks every minute; one answer per centre and minute is enough
PLAN_SECONDS = 300  # a plan reads finished days only: it changes with new bookings, seldom


def _cached(entry: CentreCatalog, key: tuple[Any, ...], seconds: float, work: Any) -> Any:
    """The answer to `key` if it was computed less than `seconds` ago in this process, else `work()`."""
    cache = entry.staffing_cache if isinstance(entry.staffing_cache, dict) else {}
    entry.staffing_cache = cache
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < seconds:
        return hit[1]
    value = work()
    cache[key] = (time.monotonic(), value)
    return value


def _target(value: str | None) -> int:
    try:
        target = int(value) if value else DEFAULT_TARGET
    except ValueError:
        raise InvalidInput("invalid_target_wait") from None
    if not 1 <= target <= 600:
        raise InvalidInput("invalid_target_wait")
    return target


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
    target = _target(request.args.get("target"))

    def work() -> dict[str, Any]:
        with rt.db.reading() as session:
            return staffing.plan(session, entry, day, target, now)

    plan = _cached(entry, ("plan", day, target), PLAN_SECONDS, work)
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
    now = utcnow()

    def work() -> list[dict[str, Any]]:
        with rt.db.reading() as session:
            return staffing.advice(session, entry, now)

    found = _cached(entry, ("advice",), ADVICE_SECONDS, work)
    lang = str(get_locale() or "ar")
    shown = [{**item, "text": advice_text(entry, item, lang)} for item in found if who.may_manage(item["body"])]
    return jsonify({"advice": shown})
