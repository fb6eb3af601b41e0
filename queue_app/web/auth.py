"""Staff sign-in and sign-out for the pages (Flask-Login sessions, CSRF on both forms).

Every sign-in, sign-out and failed attempt is written to the audit trail. After signing in a clerk
lands on the counter picker of their centre, a supervisor on the board, an admin on the landing page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from ..extensions import runtime
from ..services import accounts, audit
from ..services.accounts import StaffIdentity
from ..staff_login import SessionUser
from ..store.database import utcnow

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no host, no `//`) may be a redirect target after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def landing_for(identity: StaffIdentity) -> str:
    """Where a member of staff starts: their centre's counter picker or board."""
    catalog = runtime().catalog
    centre = catalog.by_id(identity.centre_id) if identity.centre_id is not None else None
    if centre is None:
        return url_for("home.index")
    if identity.role in ("supervisor", "admin"):
        return url_for("supervisor.page", centre=centre.code)
    return url_for("counter.page", centre=centre.code)


@bp.get("/login")
def login() -> Any:
    if getattr(current_user, "is_authenticated", False):
        return redirect(safe_next(request.args.get("next")) or landing_for(current_user.identity))
    return render_template("auth/login.html", next=safe_next(request.args.get("next")) or "", error=None)


@bp.post("/login")
def login_submit() -> Any:
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    target = safe_next(request.form.get("next"))
    rt, now = runtime(), utcnow()
    try:
        with rt.db.transaction() as db_session:
            user = accounts.authenticate(db_session, username, password)
            identity = accounts.identity_of(user)
            audit.record(
                db_session,
                "login",
                user.username,
                now,
                user_id=user.id,
                centre_id=user.centre_id,
                detail={"via": "web"},
                ip=request.remote_addr,
            )
    except accounts.Unauthorized:
        with rt.db.transaction() as db_session:
            audit.record(
                db_session, "login_failed", username or "-", now, detail={"via": "web"}, ip=request.remote_addr
            )
        error = gettext("Wrong user name or password.")
        return render_template("auth/login.html", next=target or "", error=error, username=username), 401
    lang = session.get("lang")
    session.clear()  # a fresh session on sign-in: nothing from before it carries over
    if lang:
        session["lang"] = lang
    login_user(SessionUser(identity))
    return redirect(target or landing_for(identity))


@bp.post("/logout")
def logout() -> Any:
    """Sign out of the site (a clerk's console signs out of the counter first, see counter.sign_out)."""
    if getattr(current_user, "is_authenticated", False):
        identity = current_user.identity
        with runtime().db.transaction() as db_session:
            audit.record(
                db_session,
                "logout",
                identity.username,
                utcnow(),
                user_id=identity.user_id,
                centre_id=identity.centre_id,
                detail={"via": "web"},
                ip=request.remote_addr,
            )
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))
