"""Staff sessions for the pages (Flask-Login): the session user carries a StaffIdentity."""

from __future__ import annotations

from flask import Flask
from flask_login import UserMixin

from .extensions import login_manager, runtime
from .services.accounts import StaffIdentity, identity_of
from .store.models import User


class SessionUser(UserMixin):
    def __init__(self, identity: StaffIdentity) -> None:
        self.identity = identity
        self.id = str(identity.user_id)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(user_id: str) -> SessionUser | None:
        with runtime().db.reading() as session:
            user = session.get(User, int(user_id))
            if user is None or not user.active:
                return None
            return SessionUser(identity_of(user))
