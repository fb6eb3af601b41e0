"""The counter pages (placeholder until the feature lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("counter", __name__)


@bp.get("/counter/<centre>")
def page(centre: str) -> tuple[str, int]:
    return render_template("error.html", code="not_ready", message="…", status=503), 503
