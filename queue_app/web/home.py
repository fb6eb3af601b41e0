"""The landing page (the centres and their screens), device pairing links, and the probes an operator
points at each process: /healthz and /metrics."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, url_for

from ..extensions import runtime
from ..services import accounts, audit
from ..services.accounts import Unauthorized
from ..store.database import utcnow
from .access import DEVICE_COOKIE

bp = Blueprint("home", __name__)

PAIRING_COOKIE_DAYS = 3650


@bp.get("/")
def index() -> str:
    return render_template("home.html", centres=list(runtime().catalog.centres.values()))


@bp.get("/favicon.ico")
def favicon() -> Any:
    """Browsers ask for it on every page; the pages also link it."""
    return send_from_directory(
        current_app.static_folder or "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )


@bp.get("/healthz")
def health() -> Any:
    """Each dependency within a short timeout: `{"status", "database", "bus"?}`, 503 when one is down, so
    a load balancer stops sending visitors to this process and an operator sees which one to mend."""
    rt = runtime()
    checks = {"database": "ok" if rt.db.healthy() else "down"}
    if rt.bus is not None:
        checks["bus"] = "ok" if rt.bus.healthy() else "down"
    up = all(state == "ok" for state in checks.values())
    return {"status": "ok" if up else "down", **checks}, 200 if up else 503


@bp.get("/metrics")
def metrics() -> Any:
    """Prometheus exposition of this process (queue_app/metrics.py); with TABOUR_METRICS_TOKEN set, only
    for a bearer of that token. Keep it off the public address either way (docs/operations.md)."""
    rt = runtime()
    token = rt.settings.metrics_token
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        raise Unauthorized("login_required")
    return rt.metrics.exposition()


@bp.get("/pair/<token>")
def pair(token: str) -> Any:
    """A pairing link opened on the device: keep its token in a long-lived cookie, go to its screen."""
    rt = runtime()
    with rt.db.transaction() as session:
        device = accounts.device_for_token(session, token)
        audit.record(session, "device_opened", f"{device.kind}:{device.code}", utcnow(), centre_id=device.centre_id)
    centre = rt.catalog.by_id(device.centre_id)
    target = url_for(f"{device.kind}.page", centre=centre.code, code=device.code)
    response = redirect(target)
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=PAIRING_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response
