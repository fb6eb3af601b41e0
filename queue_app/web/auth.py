"""Staff sign-in and sign-out pages (placeholder until the clerk console lands)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("auth", __name__)


@bp.get("/login")
def login() -> tuple[str, int]:
    return render_template("error.html", code="not_ready", message="…", status=503), 503
