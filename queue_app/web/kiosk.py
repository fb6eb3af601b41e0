"""The kiosk pages (placeholder until the feature lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("kiosk", __name__)


@bp.get("/kiosk/<centre>/<code>")
def page(centre: str, code: str) -> tuple[str, int]:
    return render_template("error.html", code="not_ready", message="…", status=503), 503
