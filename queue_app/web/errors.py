"""Errors translated at the edge, once: JSON with a stable code for the API, a page for people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..domain.errors import QueueError
from ..domain.tickets import Status
from ..domain.visits import Relation
from ..store.database import unavailable

MESSAGES: dict[str, Any] = {
    "not_found": _l("Not found."),
    "unknown_centre": _l("There is no centre '%(centre)s'."),
    "unknown_service": _l("There is no service '%(service)s' in this centre."),
    "unknown_counter": _l("There is no counter '%(counter)s' in this centre."),
    "unknown_ticket": _l("No ticket has this tracking code."),
    "unknown_number": _l("No waiting ticket %(number)s for this counter's services."),
    "invalid_input": _l("The request is not valid."),
    "invalid_json": _l("The request body must be a JSON object."),
    "missing_field": _l("The field '%(field)s' is required."),
    "invalid_transactions": _l("The number of transactions must be between 1 and %(maximum)s."),
    "invalid_legs": _l("'legs' is a list of services, each with its number of transactions (at most %(maximum)s)."),
    "too_many_legs": _l("A visit has at most %(maximum)s services."),
    "duplicate_leg": _l("The service '%(service)s' is already in this visit for the same person."),
    "invalid_relation": _l("'for' is one of: %(relations)s."),
    "invalid_civil_id": _l("A civil ID has exactly 12 digits."),
    "invalid_priority": _l("Priority must be none, elderly or disabled."),
    "invalid_role": _l("The role must be admin, supervisor, clerk or central."),
    "invalid_device_kind": _l("A device is a kiosk or a display."),
    "password_too_short": _l("A password needs at least %(minimum)s characters."),
    "password_too_simple": _l(
        "This password is too easy to guess: do not use your user name or one repeated character."
    ),
    "passwords_differ": _l("The two new passwords are not the same."),
    "invalid_username": _l("A user name has 2 to 64 letters, digits, dots, dashes or underscores."),
    "too_many_attempts": _l("Too many failed sign-ins: try again in %(minutes)s minutes."),
    "two_step_required": _l("Enter the 6-digit code from your authenticator app."),
    "bad_code": _l("That code is not right: enter the code your app shows now, or a recovery code."),
    "two_step_enrolment_required": _l("Set up two-step verification on your account page first."),
    "password_change_required": _l("Choose your own password on your account page first."),
    "unknown_user": _l("There is no user '%(username)s'."),
    "own_account": _l("You cannot do this to your own account."),
    "clerk_needs_centre": _l("A clerk belongs to one centre: choose it."),
    "bodies_for_supervisors": _l("Only a supervisor can be limited to some bodies."),
    "unknown_body": _l("There is no body '%(body)s' in this centre."),
    "centre_wide": _l("Only a supervisor of the whole centre may change this."),
    "other_body": _l("You supervise other bodies: %(service)s is not yours to change."),
    "unknown_device": _l("There is no kiosk or screen '%(device)s' in this centre's configuration."),
    "user_exists": _l("The user %(username)s already exists."),
    "intake_closed": _l("This service is not issuing tickets now."),
    "outside_shift": _l("The centre is closed now: no shift is open."),
    "last_ticket_passed": _l("Tickets for this shift ended at %(time)s."),
    "daily_cap_reached": _l("Today's %(cap)s tickets for this service have all been issued."),
    "holiday": _l("The centre is closed today for a public holiday: %(name)s."),
    "closure": _l("The centre is closed today: %(name)s."),
    "invalid_date": _l("'%(value)s' is not a date (YYYY-MM-DD)."),
    "invalid_date_span": _l("The dates must run from %(first)s to a later or equal day, not in the past."),
    "temporarily_unavailable": _l("The server could not answer in time. Please try again in a moment."),
    "invalid_target_wait": _l("The target wait is a whole number of minutes from 1 to 600."),
    "invalid_calendar_kind": _l("A closed day is a closure or a holiday."),
    "calendar_reason_required": _l("Give the reason the centre is closed (it is shown to visitors)."),
    "unknown_calendar_entry": _l("There is no such closed day in this centre's calendar."),
    "calendar_entry_from_config": _l("This day comes from config.yaml: change it there."),
    "appointment_only": _l(
        "This service is by appointment only. Elderly visitors and people with disabilities are served without one."
    ),
    "appointments_not_offered": _l("This service cannot be booked."),
    "invalid_slot": _l("This time cannot be booked: choose one of the times offered."),
    "slot_full": _l("This time is fully booked: choose another."),
    "appointment_limit_person": _l("You already have %(limit)s appointments on that day."),
    "already_imported": _l("This booking was imported already."),
    "unknown_appointment": _l("No appointment has this code."),
    "appointment_not_booked": _l("This appointment is %(status)s: it cannot be changed."),
    "check_in_too_early": _l("Too early: check-in for your appointment opens at %(time)s."),
    "service_closed": _l("This service has been closed for new tickets by the supervisor."),
    "remote_not_allowed": _l("This service cannot be joined from home."),
    "invalid_phone": _l("Enter a mobile number of 7 to 15 digits."),
    "phone_or_civil_id": _l("Enter your mobile number or your civil ID."),
    "remote_limit_ip": _l("Only %(limit)s tickets a day can be taken from home on one connection."),
    "remote_limit_person": _l("You already took %(limit)s tickets from home today: come to the hall."),
    "hold_expired": _l("Your place was held only until the set time: please take a new ticket."),
    "other_centre_ticket": _l("This ticket belongs to another centre."),
    "not_served_yet": _l("You can rate the service once it is done."),
    "invalid_score": _l("A rating is a whole number from 1 to 5."),
    "already_rated": _l("This visit has already been rated. Thank you."),
    "conflict": _l("This action does not fit the current state."),
    "invalid_transition": _l("Cannot %(action)s a ticket that is %(status)s."),
    "no_current_ticket": _l("This counter has no ticket called or being served."),
    "ticket_still_open": _l("Ticket %(number)s is still open at this counter."),
    "counter_paused": _l("This counter is paused: resume it first."),
    "counter_not_paused": _l("This counter is not paused."),
    "recall_limit": _l("This ticket was recalled %(maximum)s times: mark it absent."),
    "same_service": _l("The ticket is already waiting for that service."),
    "counter_taken": _l("Counter %(counter)s is in use by %(clerk)s."),
    "counter_not_signed_in": _l("Sign in to counter %(counter)s first."),
    "reason_required": _l("This number is not next in line: choose why you call it now."),
    "requeue_limit": _l("This ticket was already put back in line %(maximum)s times today."),
    "unknown_parked": _l("No ticket %(number)s is parked at this counter."),
    "queue_busy": _l("The queue is busy: try again."),
    "unauthorized": _l("Sign in first."),
    "login_required": _l("Sign in first."),
    "bad_credentials": _l("Wrong user name or password."),
    "bad_token": _l("The access token is not valid."),
    "token_expired": _l("The access token has expired: sign in again."),
    "bad_device_token": _l("This device is not paired, or its pairing was replaced."),
    "forbidden": _l("You are not allowed to do this."),
    "role_required": _l("Only %(roles)s may do this."),
    "other_centre": _l("You may act only in your own centre."),
    "service_has_waiting": _l(
        "Visitors are waiting for '%(service)s': close its intake and let the queue be served before removing it."
    ),
    "counter_in_use": _l("A clerk is at counter %(counter)s: it can be removed once they sign out."),
    "device_not_allowed": _l("This device may not do this."),
    "limit_reached": _l("Too many requests: try again later."),
    "csrf_failed": _l("The form has expired: reload the page and try again."),
    "method_not_allowed": _l("This method is not allowed here."),
    "internal_error": _l("Something went wrong on our side; nothing was changed."),
}


# The words a message may name: a ticket's state and the action refused, never their codes.
STATUS_WORDS: dict[str, Any] = {
    Status.WAITING: _l("waiting"),
    Status.CALLED: _l("called"),
    Status.SERVING: _l("being served"),
    Status.PARKED: _l("parked"),
    Status.DONE: _l("served"),
    Status.NO_SHOW: _l("marked absent"),
    Status.CANCELLED: _l("cancelled"),
    Status.CLOSED: _l("closed at closing time"),
}
# For whom a leg of a family visit is done (domain/visits.Relation): the kiosk, console, phone and ticket.
RELATION_WORDS: dict[str, Any] = {
    Relation.SELF: _l("Myself"),
    Relation.SPOUSE: _l("Spouse"),
    Relation.CHILD: _l("Child"),
    Relation.PARENT: _l("Parent"),
}


def relation_words() -> dict[str, str]:
    """RELATION_WORDS in the reader's language, by code."""
    return {str(code): str(word) for code, word in RELATION_WORDS.items()}


ACTION_WORDS: dict[str, Any] = {
    "call": _l("call"),
    "recall": _l("recall"),
    "start": _l("start serving"),
    "complete": _l("complete"),
    "no_show": _l("mark absent"),
    "transfer": _l("transfer"),
    "cancel": _l("cancel"),
    "park": _l("park"),
    "unpark": _l("call back"),
    "requeue": _l("put back in line"),
    "check_in": _l("check in"),
    "add_leg": _l("add a service to"),
    "end_visit": _l("end the visit of"),
}


def opening_words(opens_at: datetime) -> str:
    """When a closed service opens, in the reader's language and the centre's time ("Sunday 07:30")."""
    return format_datetime(opens_at, "EEEE d MMMM, HH:mm", tzinfo=opens_at.tzinfo, locale=str(get_locale() or "ar"))


def _words(params: dict[str, Any]) -> dict[str, Any]:
    """Params as people read them: states and actions by their translated words, a closure by its name
    in the reader's language."""
    named = dict(params)
    if isinstance(named.get("names"), dict):
        named["name"] = named["names"].get(str(get_locale() or "ar")) or next(iter(named["names"].values()), "")
    if named.get("status") in STATUS_WORDS:
        named["status"] = str(STATUS_WORDS[named["status"]])
    if named.get("action") in ACTION_WORDS:
        named["action"] = str(ACTION_WORDS[named["action"]])
    return named


def message_for(code: str, params: dict[str, Any] | None = None) -> str:
    template = MESSAGES.get(code)
    if template is None:
        return gettext("The request could not be completed (%(code)s).", code=code)
    try:
        message = str(template) % _words(params or {})
    except (KeyError, TypeError, ValueError):
        message = str(template)
    opens_at = (params or {}).get("opens_at")
    if isinstance(opens_at, datetime):
        message += " " + gettext("It opens %(when)s.", when=opening_words(opens_at))
    return message


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(code: str, status: int, params: dict[str, Any] | None = None) -> Any:
    message = message_for(code, params)
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if isinstance((params or {}).get("opens_at"), datetime):
            body["opens_at"] = params["opens_at"].isoformat(timespec="seconds")  # type: ignore[index]
        return jsonify({"error": body}), status
    return render_template("error.html", code=code, message=message, status=status), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(QueueError)
    def queue_error(error: QueueError) -> Any:
        return error_response(error.code, error.status, error.params)

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> Any:
        return error_response("csrf_failed", 400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        code = {404: "not_found", 405: "method_not_allowed", 400: "invalid_input"}.get(
            error.code or 500, "invalid_input"
        )
        return error_response(code, error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Any:
        if unavailable(error):  # the deadline (web/deadline.py) or a database that refuses or is gone
            app.logger.warning("database unavailable: %s %s: %r", request.method, request.path, error)
            return error_response("temporarily_unavailable", 503)
        app.logger.exception("unexpected error", exc_info=error)
        return error_response("internal_error", 500)
