"""The join pages (placeholder until the feature lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("join", __name__)


@bp.get("/join/<centre>")
def page(centre: str) -> tuple[str, int]:
    return render_template("error.html", code="not_ready", message="…", status=503), 503
