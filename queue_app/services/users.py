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
from .sealed import Sealer


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
    bodies: list[str] | None
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
        UserRow(
            u.id,
            u.username,
            u.role,
            u.centre_id,
            u.bodies,
            u.active,
            u.totp_secret is not None,
            u.must_change_password,
            at,
        )
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


def check_bodies(role: str, bodies: list[str], known: set[str]) -> list[str] | None:
    """A supervisor may be limited to some bodies (codes of the centre's config); nobody else is."""
    if not bodies:
        return None
    if role != "supervisor":
        raise InvalidInput("bodies_for_supervisors")
    unknown = [b for b in bodies if b not in known]
    if unknown:
        raise InvalidInput("unknown_body", body=", ".join(unknown))
    return bodies


def add(
    session: Session,
    by: Admin,
    username: str,
    role: str,
    centre_id: int | None,
    now: datetime,
    min_length: int,
    bodies: list[str] | None = None,
) -> tuple[User, str]:
    """A new account with a generated password (shown once), to be changed at the first sign-in."""
    if role == "clerk" and centre_id is None:
        raise InvalidInput("clerk_needs_centre")
    password = accounts.generate_password()
    user = accounts.create_user(session, username.strip(), password, role, centre_id, now, min_length, bodies)
    user.must_change_password = True
    scope = {"bodies": bodies} if bodies else {}
    _audit(session, by, "user_added", user, now, role=role, centre_id=centre_id, **scope)
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


# --- one's own account (web/account.py) ------------------------------------------------------------


@dataclass(frozen=True)
class OpenSession:
    via: str
    started_at: datetime
    ip: str | None
    here: bool  # the browser asking


@dataclass(frozen=True)
class AccountView:
    username: str
    role: str
    two_step: bool
    recovery_left: int
    must_change: bool
    sessions: list[OpenSession]


def account_view(session: Session, user_id: int, here_key: str, now: datetime) -> AccountView:
    user = _get(session, user_id)
    here = sessions.key_hash(here_key)
    return AccountView(
        user.username,
        user.role,
        user.totp_secret is not None,
        len(user.recovery_codes or []),
        bool(user.must_change_password),
        [
            OpenSession(s.via, s.started_at, s.ip, s.key_hash == here)
            for s in sessions.live_sessions(session, user_id, now)
        ],
    )


def password_hash_of(session: Session, user_id: int) -> str | None:
    user = session.get(User, user_id)
    return user.password_hash if user is not None and user.active else None


def _own(session: Session, user: User, action: str, now: datetime, ip: str | None, **detail: object) -> None:
    """A change to one's own account: audited like an administrator's, with the user as the actor."""
    _audit(session, Admin(user.id, user.username, ip), action, user, now, **detail)


def change_own_password(
    session: Session, user_id: int, new: str, keep_key: str, now: datetime, min_length: int, ip: str | None
) -> None:
    """The caller checked the current password; every other session of the account ends."""
    user = _get(session, user_id)
    accounts.set_password(user, new, now, min_length)
    ended = sessions.end_all(session, user.id, now, keep=keep_key)
    _own(session, user, "password_changed", now, ip, sessions_ended=ended)


def end_other_sessions(session: Session, user_id: int, keep_key: str, now: datetime, ip: str | None) -> None:
    user = _get(session, user_id)
    ended = sessions.end_all(session, user.id, now, keep=keep_key)
    _own(session, user, "sessions_ended", now, ip, sessions_ended=ended)


def enrol_own_two_step(
    session: Session, user_id: int, secret: str, code: str, now: datetime, ip: str | None, sealer: Sealer
) -> list[str]:
    """Two-step verification on, once the app's code proves the scan; returns the recovery codes."""
    user = _get(session, user_id)
    codes = two_step.enrol(user, secret, code, now, sealer)
    _own(session, user, "two_step_enrolled", now, ip)
    return codes
