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
from ..services import signin, two_step, users
from ..store.database import utcnow
from .errors import message_for
from .staff_pages import refuse_on_page, staff_only

bp = Blueprint("account", __name__, url_prefix="/account")
bp.register_error_handler(QueueError, refuse_on_page)

ENROLLING = "enrolling_secret"  # the secret being enrolled, until the app's first code proves the scan


def _page(status: int = 200, **context: Any) -> Any:
    rt = runtime()
    with rt.db.reading() as db_session:
        view = users.account_view(db_session, current_user.identity.user_id, current_user.key, utcnow())
    min_length = rt.settings.hall.security.password_min_length
    return render_template("account/page.html", account=view, min_length=min_length, **context), status


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
            stored = users.password_hash_of(db_session, me.user_id)
        if not signin.password_matches(stored, current):
            raise InvalidInput("bad_credentials")
        if new != again:
            raise InvalidInput("passwords_differ")
        with rt.db.transaction() as db_session:
            min_length = rt.settings.hall.security.password_min_length
            users.change_own_password(
                db_session, me.user_id, new, current_user.key, now, min_length, request.remote_addr
            )
    except QueueError as error:
        return _page(400, error=message_for(error.code, error.params), error_code=error.code)
    return _page(notice=gettext("Your password is changed. Every other place signed in with it is signed out."))


@bp.post("/sessions/end-others")
@staff_only()
def end_others() -> Any:
    with runtime().db.transaction() as db_session:
        users.end_other_sessions(
            db_session, current_user.identity.user_id, current_user.key, utcnow(), request.remote_addr
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
    secret = session.get(ENROLLING)
    if not secret:
        return redirect(url_for("account.two_step"))
    try:
        with runtime().db.transaction() as db_session:
            codes = users.enrol_own_two_step(
                db_session,
                current_user.identity.user_id,
                secret,
                request.form.get("code") or "",
                utcnow(),
                request.remote_addr,
                runtime().sealer,
            )
    except QueueError as error:
        return _two_step(400, error=message_for(error.code, error.params))
    session.pop(ENROLLING, None)
    return render_template("account/recovery.html", codes=codes)
