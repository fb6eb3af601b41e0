"""The visitor's booking pages, mobile first and without script: `/book/<centre>` (choose a service, a
day and a time; give a phone number or civil ID), and `/b/<code>` (the booking: its code and QR for the
kiosk, "I am here" within the check-in window, change the time, cancel)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date, format_datetime
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale

from ..domain.calendar import local_time
from ..domain.errors import QueueError
from ..extensions import runtime
from ..services import appointments
from ..services.calendar import calendar_of
from ..services.catalog import CentreCatalog
from ..store.database import utcnow
from .appointments import check_in_visit
from .errors import message_for
from .track import qr_svg

bp = Blueprint("booking", __name__)


def _locale() -> str:
    return str(get_locale() or "ar")


def _bookable_services(entry: CentreCatalog) -> list[Any]:
    return [s for _body, s in entry.config.services() if s.appointments.enabled]


def _days(entry: CentreCatalog) -> list[dict[str, str]]:
    """The days a visit can be booked on: today and the next `days_ahead` days the centre opens."""
    now = utcnow()
    today = local_time(now, entry.config.tz).date()
    with runtime().db.reading() as session:
        calendar = calendar_of(session, entry, now)
    wanted = [today + timedelta(days=n) for n in range(entry.config.appointments.days_ahead + 1)]
    return [
        {"value": day.isoformat(), "label": format_date(day, "EEEE d MMMM", locale=_locale())}
        for day in wanted
        if calendar.shifts_on(day)
    ]


def _time_label(start: str) -> str:
    return datetime.fromisoformat(start).strftime("%H:%M")


@bp.route("/book/<centre>", methods=["GET", "POST"])
def page(centre: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    form = request.form if request.method == "POST" else request.args
    service, day, moving = form.get("service") or "", form.get("date") or "", form.get("move") or ""
    error = None
    if request.method == "POST":
        try:
            with rt.db.transaction() as session:
                if moving:
                    booked = appointments.move(session, entry, moving, form.get("start"), utcnow())
                else:
                    booked = appointments.book(
                        session,
                        entry,
                        service,
                        form.get("start"),
                        phone=form.get("phone"),
                        civil_id=form.get("civil_id"),
                        lang=_locale(),
                        source="web",
                        now=utcnow(),
                    )
            return redirect(url_for("booking.booking", code=booked.code))
        except QueueError as failure:
            error = message_for(failure.code, failure.params)
    slots: list[dict[str, Any]] = []
    if service and day:
        try:
            with rt.db.reading() as session:
                slots = appointments.slots(session, entry, service, day, utcnow())
        except QueueError as failure:
            error = message_for(failure.code, failure.params)
    return (
        render_template(
            "booking/book.html",
            centre=entry,
            services=_bookable_services(entry),
            days=_days(entry),
            service=service,
            day=day,
            moving=moving,
            slots=[{**s, "label": _time_label(s["start"])} for s in slots],
            error=error,
            form=form,
        ),
        200 if error is None else 400,
    )


def _centre_of(code: str) -> CentreCatalog:
    """The centre a booking code belongs to (codes are unique across the deployment)."""
    rt = runtime()
    with rt.db.reading() as session:
        found = appointments.find_any(session, code)
    return rt.catalog.by_id(found.centre_id)


@bp.get("/b/<code>")
def booking(code: str) -> Any:
    rt = runtime()
    with rt.db.reading() as session:
        found = appointments.find_any(session, code)
    entry = rt.catalog.by_id(found.centre_id)
    view = appointments.appointment_json(entry, found, rt.settings.public_url)
    start = datetime.fromisoformat(view["start"])
    view["when"] = format_datetime(start, "EEEE d MMMM, HH:mm", tzinfo=start.tzinfo, locale=_locale())
    return render_template(
        "booking/booking.html",
        centre=entry,
        booking=view,
        qr=qr_svg(view["url"]),
        rules=entry.config.appointments,
        error=request.args.get("error"),
        cancelled=request.args.get("cancelled") == "1",
    )


@bp.post("/b/<code>/here")
def here(code: str) -> Any:
    """ "I am here" on the phone: the same check-in as the kiosk's, then the ticket's page."""
    entry = _centre_of(code)
    try:
        body = check_in_visit(entry, code, None)
    except QueueError as failure:
        return redirect(url_for("booking.booking", code=code, error=message_for(failure.code, failure.params)))
    return redirect(url_for("track.page", tracking_code=body["tracking_code"]))


@bp.post("/b/<code>/cancel")
def cancel(code: str) -> Any:
    entry = _centre_of(code)
    try:
        with runtime().db.transaction() as session:
            appointments.cancel(session, entry, code, utcnow())
    except QueueError as failure:
        return redirect(url_for("booking.booking", code=code, error=message_for(failure.code, failure.params)))
    return redirect(url_for("booking.booking", code=code, cancelled="1"))
