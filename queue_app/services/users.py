"""An administrator's work on staff accounts: add, reset a password, deactivate or reactivate, turn off
two-step verification. Each ends the sessions it must and is audited with who did it and from where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.errors import Forbidden, InvalidInput, NotFound
from ..store.models import StaffSession, User
from . import accounts, audit, sessions, two_step


@dataclass(frozen=True)
class Admin:
    """Who makes the change, as the audit trail records it."""

    user_id: int
    username: str
    ip: str | None


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    role: str
    centre_id: int | None
    active: bool
    two_step: bool
    must_change_password: bool
    last_sign_in: datetime | None


def listing(session: Session) -> list[UserRow]:
    """Every account, with its latest sign-in."""
    last = (
        select(StaffSession.user_id, func.max(StaffSession.started_at).label("at"))
        .group_by(StaffSession.user_id)
        .subquery()
    )
    rows = session.execute(select(User, last.c.at).outerjoin(last, last.c.user_id == User.id).order_by(User.username))
    return [
        UserRow(u.id, u.username, u.role, u.centre_id, u.active, u.totp_secret is not None, u.must_change_password, at)
        for u, at in rows
    ]


def _get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("unknown_user", username=str(user_id))
    return user


def _audit(session: Session, by: Admin, action: str, user: User, now: datetime, **detail: object) -> None:
    audit.record(
        session,
        action,
        by.username,
        now,
        user_id=by.user_id,
        centre_id=user.centre_id,
        target=f"user:{user.username}",
        detail=dict(detail) or None,
        ip=by.ip,
    )


def add(
    session: Session, by: Admin, username: str, role: str, centre_id: int | None, now: datetime, min_length: int
) -> tuple[User, str]:
    """A new account with a generated password (shown once), to be changed at the first sign-in."""
    if role == "clerk" and centre_id is None:
        raise InvalidInput("clerk_needs_centre")
    password = accounts.generate_password()
    user = accounts.create_user(session, username.strip(), password, role, centre_id, now, min_length)
    user.must_change_password = True
    _audit(session, by, "user_added", user, now, role=role, centre_id=centre_id)
    return user, password


def reset_password(session: Session, by: Admin, user_id: int, now: datetime, min_length: int) -> tuple[User, str]:
    """A generated password (shown once); the user is signed out everywhere and chooses their own next."""
    user = _get(session, user_id)
    password = accounts.generate_password()
    accounts.set_password(user, password, now, min_length, must_change=True)
    ended = sessions.end_all(session, user.id, now)
    _audit(session, by, "password_reset", user, now, sessions_ended=ended)
    return user, password


def set_active(session: Session, by: Admin, user_id: int, active: bool, now: datetime) -> User:
    """Deactivate (signed out everywhere at once, tokens included) or reactivate an account."""
    user = _get(session, user_id)
    if user.id == by.user_id:
        raise Forbidden("own_account")
    if user.active == active:
        return user
    user.active = active
    ended = sessions.end_all(session, user.id, now) if not active else 0
    _audit(session, by, "user_activated" if active else "user_deactivated", user, now, sessions_ended=ended)
    return user


def turn_off_two_step(session: Session, by: Admin, user_id: int, now: datetime) -> User:
    user = _get(session, user_id)
    two_step.turn_off(user)
    ended = sessions.end_all(session, user.id, now)
    _audit(session, by, "two_step_off", user, now, sessions_ended=ended)
    return user
