"""The words of each message, in the visitor's language (Flask-Babel, forced to the ticket's locale)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext

from ..domain.messages import Message


def message_text(app: Flask, payload: dict[str, Any]) -> str:
    """One short SMS-sized line per event; names come from config in the same language."""
    lang = str(payload.get("lang") or "ar")
    with app.app_context(), force_locale(lang):
        service = (payload.get("service_names") or {}).get(lang) or payload.get("service", "")
        number = payload.get("number", "")
        event = payload.get("event")
        if event == Message.ISSUED:
            return gettext(
                "Your ticket %(number)s for %(service)s. Follow your place: %(url)s",
                number=number,
                service=service,
                url=payload.get("tracking_url", ""),
            )
        if event == Message.AHEAD:
            return gettext(
                "Ticket %(number)s: %(ahead)s people ahead of you. Please come to the hall.",
                number=number,
                ahead=payload.get("ahead", 0),
            )
        if event == Message.CALLED:
            counter = (payload.get("counter") or {}).get("names", {}).get(lang) or ""
            return gettext(
                "Ticket %(number)s: it is your turn. Please go to %(counter)s.", number=number, counter=counter
            )
        if event == Message.DONE:
            return gettext("Thank you for your visit. Rate the service: %(url)s", url=payload.get("rating_url", ""))
        if event == Message.DUE:
            return gettext(
                "Ticket %(number)s: it is time to come to the hall. Check in at a kiosk within %(minutes)s "
                "minutes to keep your place.",
                number=number,
                minutes=payload.get("hold_minutes", ""),
            )
        if event == Message.CLOSED:
            return gettext(
                "Ticket %(number)s was not served: the centre closed before your turn. We are sorry. "
                "Please come back on the next working day.",
                number=number,
            )
        if event in (Message.BOOKED, Message.REMINDER):
            facts = {
                "service": service,
                "when": str(payload.get("start", ""))[:16].replace("T", " "),
                "code": payload.get("code", ""),
                "url": payload.get("url", ""),
            }
            if event == Message.BOOKED:
                return gettext(
                    "Your appointment for %(service)s is booked for %(when)s. Code %(code)s: show it at the "
                    "kiosk. %(url)s",
                    **facts,
                )
            return gettext("Reminder: your appointment for %(service)s is at %(when)s. Code %(code)s. %(url)s", **facts)
        return str(number)
