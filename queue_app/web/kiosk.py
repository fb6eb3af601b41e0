"""The touch kiosk at the entrance: `/kiosk/<centre>/<code>` on a paired kiosk device.

The page is one full-screen document; its script issues tickets through the REST API with the
device token (embedded in the page, which only the paired device can open), and checks remote
tickets in when a keyboard-wedge scanner types the QR of a visitor's tracking page (docs/kiosk.md). The QR code is drawn
here as SVG by the `qrcode` package, and the font comes from the IBM Plex Sans Arabic package.
This module also builds the print worker (it supplies the translated ticket words and URLs).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, gettext

from ..domain.errors import NotFound
from ..domain.tickets import tracking_link
from ..extensions import runtime
from ..services import accounts, tickets
from ..services.accounts import Unauthorized
from ..services.printing import PrintTexts
from .access import DEVICE_COOKIE
from .errors import relation_words
from .home import PAIRING_COOKIE_DAYS

bp = Blueprint("kiosk", __name__)

#: The ticket's time on screen and the idle time before the kiosk returns to its start (seconds).
TICKET_SECONDS = 15
IDLE_SECONDS = 20
#: How long the result of a check-in (scanned QR of a remote ticket) stays on screen (seconds).
CHECK_IN_SECONDS = 8
#: How long the kiosk waits for its print job before telling the visitor to photograph the QR.
PRINT_WAIT_SECONDS = 6
#: After a failed print the QR is the ticket: it stays this long unless the visitor taps Done.
PRINT_FAILED_SECONDS = 120


def _device_token(centre: str, code: str) -> str | None:
    """The token of this very kiosk (from ?token= or the pairing cookie), or None."""
    rt = runtime()
    entry = rt.catalog.centre(centre)
    for token in (request.args.get("token"), request.cookies.get(DEVICE_COOKIE)):
        if not token:
            continue
        try:
            with rt.db.reading() as session:
                device = accounts.device_for_token(session, token)
        except Unauthorized:
            continue
        if device.kind == "kiosk" and device.code == code and device.centre_id == entry.id:
            return token
    return None


def _strings() -> dict[str, str]:
    """The words the kiosk's script shows, in the page's language."""
    return {
        "closed_outside_shift": gettext("Closed: the shift is over"),
        "closed_last_ticket_passed": gettext("Closed: the shift is over"),
        "closed_daily_cap_reached": gettext("Closed: today's tickets have run out"),
        "closed_service_closed": gettext("Closed by the supervisor"),
        "closed_other": gettext("Not issuing tickets now"),
        "closed_holiday": gettext("Closed today for a public holiday: %(name)s", name="{name}"),
        "closed_closure": gettext("Closed today: %(name)s", name="{name}"),
        "opens_at": gettext("Opens %(when)s", when="{when}"),
        "waiting": gettext("%(n)s waiting", n="{n}"),  # pages fill {name} placeholders (static/live.js)
        "ahead": gettext("People ahead of you: %(n)s", n="{n}"),
        "eta": gettext("Expected wait: %(low)s–%(high)s min", low="{low}", high="{high}"),
        "printing": gettext("Printing your ticket…"),
        "printed": gettext("Please take your printed ticket."),
        "print_failed": gettext(
            "The printer is not working. Please photograph the QR code: your ticket is valid "
            "and you can follow your turn with it."
        ),
        "no_printer": gettext("Please photograph the QR code to follow your turn."),
        "error": gettext("Sorry, the ticket could not be issued. Please try again or ask the staff."),
        "network": gettext("No connection to the server. Please ask the staff."),
        "checking": gettext("Checking your ticket…"),
        "checked_in": gettext("You are checked in"),
        "already_checked_in": gettext("You are already checked in"),
        "checkin_failed": gettext("Check-in not possible"),
        "checkin_wait": gettext("Please wait in the hall: your number will be called on the screens."),
        "not_a_ticket": gettext("This code is not a ticket. Please scan the QR code on your ticket's page."),
        "not_waiting": gettext("This ticket is no longer waiting (called, served or cancelled). Please ask the staff."),
        "take_new": gettext("Please take a new ticket."),
        "appointment_on_time": gettext("Your appointment: you will be called at your time."),
        "appointment_late": gettext("You came after your appointment's time: you join the queue like everyone else."),
        "basket": gettext("Your services (%(n)s)", n="{n}"),
        "issue_all": gettext("Get one ticket for all %(n)s services", n="{n}"),
        "remove": gettext("Remove"),
        "visit_note": gettext("One number for all your services: you will be called to one counter at a time."),
    }


@bp.get("/kiosk/<centre>/<code>")
def page(centre: str, code: str) -> Any:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    kiosk = entry.config.kiosk(code)
    if kiosk is None:
        raise NotFound("not_found")
    token = _device_token(centre, code)
    if token is None:
        return render_template("kiosk/unpaired.html", centre=entry, kiosk=kiosk), 403
    lang = request.args.get("lang")
    if lang not in kiosk.languages:
        # The kiosk starts in its first language (Arabic), whatever the browser prefers.
        response = redirect(url_for("kiosk.page", centre=centre, code=code, lang=kiosk.languages[0]))
    else:
        response = Response(
            render_template(
                "kiosk/page.html",
                centre=entry,
                kiosk=kiosk,
                relations=relation_words(),
                token=token,
                config={
                    "centre": entry.code,
                    "lang": lang,
                    "timezone": entry.config.timezone,
                    "token": token,
                    "api": url_for("api.services", centre=centre).rsplit("/services", 1)[0],
                    "printJobs": url_for("print_jobs.job", job_id="JOB").replace("JOB", ""),
                    "qr": url_for("kiosk.qr", tracking_code="CODE").replace("CODE.svg", ""),
                    "start": url_for("kiosk.page", centre=centre, code=code, lang=kiosk.languages[0]),
                    "ticketSeconds": TICKET_SECONDS,
                    "idleSeconds": IDLE_SECONDS,
                    "checkInSeconds": CHECK_IN_SECONDS,
                    "printWaitSeconds": PRINT_WAIT_SECONDS,
                    "printFailedSeconds": PRINT_FAILED_SECONDS,
                    "strings": _strings(),
                    "relations": relation_words(),
                    "maxLegs": entry.config.visits.max_legs,
                },
            )
        )
        response.headers["Cache-Control"] = "no-store"
    if request.args.get("token") == token:
        response.set_cookie(
            DEVICE_COOKIE,
            token,
            max_age=PAIRING_COOKIE_DAYS * 86400,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


@bp.get("/kiosk/qr/<tracking_code>.svg")
def qr(tracking_code: str) -> Response:
    """The QR code of a ticket's tracking URL, drawn server-side as SVG (no script library)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    with runtime().db.reading() as session:
        tickets.find_by_tracking_code(session, tracking_code)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, image_factory=SvgPathImage)
    code.add_data(tracking_link(runtime().settings.public_url, tracking_code))
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/kiosk/font/<int:weight>.ttf")
def font(weight: int) -> Response:
    """IBM Plex Sans Arabic (Arabic, Urdu and Latin glyphs), served from its Python package."""
    from printers.arabic import font_path

    return send_file(font_path(min(max(weight, 100), 700)), mimetype="font/ttf", max_age=86400)


# -- the print worker's words ---------------------------------------------------------


def print_texts(lang: str) -> PrintTexts:
    """The fixed words of a printed ticket in ``lang`` (called while a request is being handled)."""
    with force_locale(lang):
        return PrintTexts(
            people_ahead=gettext("People ahead"),
            eta=gettext("Estimated wait"),
            eta_range=gettext("%(low)s–%(high)s min"),
            transactions=gettext("Transactions"),
            priority={"elderly": gettext("Priority: elderly"), "disabled": gettext("Priority: disability")},
            footer=gettext("Scan the code to follow your turn"),
            legs=gettext("Your services, one counter at a time"),
            relations=relation_words(),
        )
