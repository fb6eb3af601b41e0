"""Staff sessions for the pages (Flask-Login): the signed cookie holds a staff session's key (Flask-Login's
"alternative id"), so signing out, deactivation or a password change ends the session on the server,
not only in the browser that asked. The session user carries a StaffIdentity."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import UserMixin

from .extensions import login_manager, runtime
from .services import sessions
from .services.accounts import StaffIdentity
from .store.database import utcnow


class SessionUser(UserMixin):
    def __init__(self, identity: StaffIdentity, key: str, must_change_password: bool, must_enrol: bool) -> None:
        self.identity = identity
        self.id = key  # what Flask-Login keeps in the cookie: the session key, not the user id
        self.key = key
        self.must_change_password = must_change_password
        self.must_enrol = must_enrol


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with the signer built once per app: Flask builds it on every
    request, which was 4 % of the CPU of a kiosk's ticket request (docs/benchmarks.md)."""

    def get_signing_serializer(self, app: Flask) -> Any:
        signer = app.extensions.get("tabour_session_signer")
        if signer is None:
            signer = super().get_signing_serializer(app)
            app.extensions["tabour_session_signer"] = signer
        return signer

    def get_cookie_secure(self, app: Flask) -> bool:
        """`Secure` whenever the page came over HTTPS (directly or through the trusted proxy): a hall's
        LAN devices on plain HTTP keep working, and an HTTPS deployment never sends the cookie in clear."""
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def init_login(app: Flask) -> None:
    app.session_interface = SignedCookieSessions()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(key: str) -> SessionUser | None:
        rt = runtime()
        live = sessions.resolve(rt.db, key, utcnow(), rt.settings.hall.security)
        return SessionUser(live.identity, key, live.must_change_password, live.must_enrol) if live is not None else None
