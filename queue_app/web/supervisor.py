"""The supervisor pages (placeholder until the feature lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("supervisor", __name__)


@bp.get("/supervisor/<centre>")
def page(centre: str) -> tuple[str, int]:
    return render_template("error.html", code="not_ready", message="…", status=503), 503
