"""Staff sign-in and sign-out for the pages (Flask-Login sessions, CSRF on every form).

services/signin.py does the checking (throttled, audited); this module only carries the browser through
it: name and password, then the two-step code when the account has one. A staff member whose role needs
two-step verification and has none, or whose password was reset by an administrator, is kept on their
account page until that is done (`require_account_ready`). After signing in a clerk lands on the counter
picker of their centre, a supervisor on the board, an admin on the landing page.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..domain.errors import QueueError
from ..extensions import runtime
from ..services import audit, sessions, signin
from ..services.accounts import StaffIdentity
from ..staff_login import SessionUser
from ..store.database import utcnow
from .errors import message_for

bp = Blueprint("auth", __name__)

PENDING = "pending_sign_in"  # in the signed cookie between the password and the two-step code
PENDING_SECONDS = 300


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
    if identity.role in ("central", "admin") and identity.centre_id is None:
        return url_for("central.page")
    centre = catalog.by_id(identity.centre_id) if identity.centre_id is not None else None
    if centre is None:
        return url_for("home.index")
    if identity.role in ("supervisor", "admin", "central"):
        return url_for("supervisor.page", centre=centre.code)
    return url_for("counter.page", centre=centre.code)


def _fresh_session() -> None:
    """Nothing from before a sign-in or sign-out carries over, but the language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _refused(template: str, error: QueueError, **context: Any) -> Any:
    status = error.status
    response = Response(
        render_template(template, error=message_for(error.code, error.params), code=error.code, **context), status
    )
    if "retry_after" in error.params:
        response.headers["Retry-After"] = str(error.params["retry_after"])
    return response


def _signed_in(user_id: int, target: str | None, detail: dict[str, Any] | None = None) -> Any:
    rt = runtime()
    done = signin.open_signed_in(
        rt.db,
        rt.throttle,
        rt.settings.hall.security,
        user_id,
        via="web",
        ip=request.remote_addr,
        now=utcnow(),
        detail=detail,
    )
    _fresh_session()
    login_user(SessionUser(done.identity, done.key, done.must_change_password, done.must_enrol))
    if done.must_enrol:
        return redirect(url_for("account.two_step"))
    if done.must_change_password:
        return redirect(url_for("account.page"))
    return redirect(target or landing_for(done.identity))


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
    rt = runtime()
    try:
        user_id = signin.check_password(
            rt.db, rt.throttle, username, password, via="web", ip=request.remote_addr, now=utcnow()
        )
    except QueueError as error:
        return _refused("auth/login.html", error, next=target or "", username=username)
    if signin.needs_code(rt.db, user_id):
        _fresh_session()
        session[PENDING] = {"user": user_id, "at": time.time(), "next": target or ""}
        return redirect(url_for("auth.code"))
    return _signed_in(user_id, target)


def _pending() -> dict[str, Any] | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    return pending


@bp.get("/login/code")
def code() -> Any:
    if _pending() is None:
        return redirect(url_for("auth.login"))
    return render_template("auth/code.html", error=None)


@bp.post("/login/code")
def code_submit() -> Any:
    pending = _pending()
    if pending is None:
        return redirect(url_for("auth.login"))
    rt = runtime()
    try:
        recovery = signin.check_code(
            rt.db,
            rt.throttle,
            rt.sealer,
            int(pending["user"]),
            request.form.get("code") or "",
            via="web",
            ip=request.remote_addr,
            now=utcnow(),
        )
    except QueueError as error:
        return _refused("auth/code.html", error)
    return _signed_in(
        int(pending["user"]), safe_next(pending.get("next")), {"two_step": "recovery" if recovery else "code"}
    )


@bp.post("/logout")
def logout() -> Any:
    """Sign out of the site (a clerk's console signs out of the counter first, see counter.sign_out): the
    session ends on the server, so a copy of the cookie no longer works."""
    if getattr(current_user, "is_authenticated", False):
        identity, now = current_user.identity, utcnow()
        with runtime().db.transaction() as db_session:
            sessions.end_session(db_session, current_user.key, now)
            audit.record(
                db_session,
                "logout",
                identity.username,
                now,
                user_id=identity.user_id,
                centre_id=identity.centre_id,
                detail={"via": "web"},
                ip=request.remote_addr,
            )
    logout_user()
    _fresh_session()
    return redirect(url_for("auth.login"))


#: what a staff member who must first change their password or enrol two-step verification may reach
READY_EXEMPT = {"account.page", "account.password", "account.two_step", "account.two_step_submit", "auth.logout"}


#: files a page loads (styles, scripts, fonts, sounds): they carry no rule of their own
ASSETS = {"static", "display.static", "display.font", "display.chime", "kiosk.font", "home.favicon"}


def require_account_ready() -> Any:
    """Before every request: a signed-in staff member with a reset password or a missing two-step
    enrolment reaches only their account page (pages redirect, the API answers 403)."""
    if request.endpoint in READY_EXEMPT or request.endpoint in ASSETS:
        return None  # before current_user: an asset needs no session lookup
    user = current_user
    if not getattr(user, "is_authenticated", False) or not (user.must_change_password or user.must_enrol):
        return None
    code = "two_step_enrolment_required" if user.must_enrol else "password_change_required"
    if request.path.startswith("/api/"):
        from .errors import error_response

        return error_response(code, 403)
    return redirect(url_for("account.two_step" if user.must_enrol else "account.page"))
