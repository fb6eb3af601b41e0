"""Staff sessions for the pages (Flask-Login): the session user carries a StaffIdentity."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_login import UserMixin

from .extensions import login_manager, runtime
from .services.accounts import StaffIdentity, identity_of
from .store.models import User


class SessionUser(UserMixin):
    def __init__(self, identity: StaffIdentity) -> None:
        self.identity = identity
        self.id = str(identity.user_id)


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions with the signer built once per app: Flask builds it on every
    request, which was 4 % of the CPU of a kiosk's ticket request (docs/benchmarks.md)."""

    def get_signing_serializer(self, app: Flask) -> Any:
        signer = app.extensions.get("tabour_session_signer")
        if signer is None:
            signer = super().get_signing_serializer(app)
            app.extensions["tabour_session_signer"] = signer
        return signer


def init_login(app: Flask) -> None:
    app.session_interface = SignedCookieSessions()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(user_id: str) -> SessionUser | None:
        with runtime().db.reading() as session:
            user = session.get(User, int(user_id))
            if user is None or not user.active:
                return None
            return SessionUser(identity_of(user))
