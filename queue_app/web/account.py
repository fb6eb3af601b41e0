"""A staff member's own account: change the password, set up two-step verification (QR code, then
recovery codes shown once), see where one is signed in and sign the other places out. Every change is
audited; a new password ends every other session of the account."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user

from ..domain.errors import InvalidInput, QueueError
from ..extensions import runtime
from ..services import accounts, audit, sessions, signin, two_step
from ..store.database import utcnow
from ..store.models import User
from .errors import message_for
from .staff_pages import refuse_on_page, staff_only

bp = Blueprint("account", __name__, url_prefix="/account")
bp.register_error_handler(QueueError, refuse_on_page)

ENROLLING = "enrolling_secret"  # the secret being enrolled, until the app's first code proves the scan


def _page(status: int = 200, **context: Any) -> Any:
    rt, now = runtime(), utcnow()
    me = current_user.identity
    with rt.db.reading() as db_session:
        user = db_session.get(User, me.user_id)
        assert user is not None
        open_sessions = sessions.live_sessions(db_session, me.user_id, now)
        here = sessions.key_hash(current_user.key)
        view = {
            "username": user.username,
            "role": user.role,
            "two_step": user.totp_secret is not None,
            "recovery_left": len(user.recovery_codes or []),
            "must_change": bool(user.must_change_password),
            "sessions": [
                {"via": s.via, "started_at": s.started_at, "ip": s.ip, "here": s.key_hash == here}
                for s in open_sessions
            ],
        }
    rules = rt.settings.hall.security
    return render_template("account/page.html", account=view, min_length=rules.password_min_length, **context), status


@bp.get("")
@staff_only()
def page() -> Any:
    return _page()


@bp.post("/password")
@staff_only()
def password() -> Any:
    rt, now = runtime(), utcnow()
    me = current_user.identity
    current, new, again = (request.form.get(k) or "" for k in ("current", "new", "again"))
    try:
        with rt.db.reading() as db_session:
            user = db_session.get(User, me.user_id)
            stored = user.password_hash if user is not None else None
        if not signin.password_matches(stored, current):
            raise InvalidInput("bad_credentials")
        if new != again:
            raise InvalidInput("passwords_differ")
        with rt.db.transaction() as db_session:
            user = db_session.get(User, me.user_id)
            assert user is not None
            accounts.set_password(user, new, now, rt.settings.hall.security.password_min_length)
            ended = sessions.end_all(db_session, user.id, now, keep=current_user.key)
            audit.record(
                db_session,
                "password_changed",
                me.username,
                now,
                user_id=me.user_id,
                centre_id=me.centre_id,
                target=f"user:{me.username}",
                detail={"sessions_ended": ended},
                ip=request.remote_addr,
            )
    except QueueError as error:
        return _page(400, error=message_for(error.code, error.params), error_code=error.code)
    current_user.must_change_password = False
    return _page(notice=gettext("Your password is changed. Every other place signed in with it is signed out."))


@bp.post("/sessions/end-others")
@staff_only()
def end_others() -> Any:
    rt, now = runtime(), utcnow()
    me = current_user.identity
    with rt.db.transaction() as db_session:
        ended = sessions.end_all(db_session, me.user_id, now, keep=current_user.key)
        audit.record(
            db_session,
            "sessions_ended",
            me.username,
            now,
            user_id=me.user_id,
            centre_id=me.centre_id,
            target=f"user:{me.username}",
            detail={"sessions_ended": ended},
            ip=request.remote_addr,
        )
    return _page(notice=gettext("Signed out everywhere else."))


@bp.get("/two-step", endpoint="two_step")
@staff_only()
def two_step_page() -> Any:
    return _two_step()


def _two_step(status: int = 200, **context: Any) -> Any:
    me = current_user.identity
    secret = session.get(ENROLLING)
    if not secret:
        secret = session[ENROLLING] = two_step.new_secret()
    uri = two_step.enrolment_uri(secret, me.username)
    return render_template(
        "account/two_step.html", qr=two_step.qr_svg(uri), secret=secret, required=current_user.must_enrol, **context
    ), status


@bp.post("/two-step")
@staff_only()
def two_step_submit() -> Any:
    rt, now = runtime(), utcnow()
    me = current_user.identity
    secret = session.get(ENROLLING)
    if not secret:
        return redirect(url_for("account.two_step"))
    try:
        with rt.db.transaction() as db_session:
            user = db_session.get(User, me.user_id)
            assert user is not None
            codes = two_step.enrol(user, secret, request.form.get("code") or "", now)
            audit.record(
                db_session,
                "two_step_enrolled",
                me.username,
                now,
                user_id=me.user_id,
                centre_id=me.centre_id,
                target=f"user:{me.username}",
                ip=request.remote_addr,
            )
    except QueueError as error:
        return _two_step(400, error=message_for(error.code, error.params))
    session.pop(ENROLLING, None)
    current_user.must_enrol = False
    return render_template("account/recovery.html", codes=codes)
