"""Placeholder pages for screens still being built; each moves to its own module when it lands."""

from __future__ import annotations

from flask import Blueprint, render_template

kiosk = Blueprint("kiosk", __name__)
display = Blueprint("display", __name__)
counter = Blueprint("counter", __name__)
supervisor = Blueprint("supervisor", __name__)
join = Blueprint("join", __name__)


def _placeholder() -> str:
    return render_template("error.html", code="not_ready", message="…", status=503)


kiosk.add_url_rule("/kiosk/<centre>/<code>", "page", lambda centre, code: _placeholder())
display.add_url_rule("/display/<centre>/<code>", "page", lambda centre, code: _placeholder())
counter.add_url_rule("/counter/<centre>", "page", lambda centre: _placeholder())
supervisor.add_url_rule("/supervisor/<centre>", "page", lambda centre: _placeholder())
join.add_url_rule("/join/<centre>", "page", lambda centre: _placeholder())
