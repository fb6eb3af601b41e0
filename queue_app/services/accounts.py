"""Staff accounts, paired devices and API tokens. Passwords are hashed (scrypt) and must pass a policy,
device tokens are stored as SHA-256 only, API tokens are signed staff sessions (services/sessions.py)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ..domain.errors import Conflict, Forbidden, InvalidInput, QueueError
from ..store.models import Device, User

ROLES = ("admin", "supervisor", "clerk", "central")  # central: the ministry's operations room, every centre, read-only
DEVICE_KINDS = ("kiosk", "display")
USERNAME = re.compile(r"[\w.\-]{2,64}")  # letters of any script, digits, _ . -


class Unauthorized(QueueError):
    code = "unauthorized"
    status = 401


@dataclass(frozen=True)
class StaffIdentity:
    user_id: int
    username: str
    role: str
    centre_id: int | None  # None: every centre
    bodies: tuple[str, ...] | None = None  # a supervisor of some bodies only (Ministry of Health); None: all

    def may_act_in(self, centre_id: int) -> bool:
        return self.centre_id is None or self.centre_id == centre_id

    def may_manage(self, body: str | None) -> bool:
        return within_bodies(self.bodies, body)


def within_bodies(bodies: tuple[str, ...] | None, body: str | None) -> bool:
    """The one rule of a supervisor's scope: a service (or counter) of one of their bodies; no list
    means every body."""
    return bodies is None or body in bodies


@dataclass(frozen=True)
class DeviceIdentity:
    device_id: int
    kind: str
    code: str
    centre_id: int
    last_seen_at: datetime | None = None


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_policy(password: str, username: str, min_length: int) -> None:
    """Long enough, and not the user name nor one repeated character (people choose these first)."""
    if len(password) < min_length:
        raise InvalidInput("password_too_short", minimum=min_length)
    if username.casefold() in password.casefold() or len(set(password)) < 4:
        raise InvalidInput("password_too_simple")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    centre_id: int | None,
    now: datetime,
    min_length: int = 10,
    bodies: list[str] | None = None,
) -> User:
    if role not in ROLES:
        raise InvalidInput("invalid_role")
    if not USERNAME.fullmatch(username):
        raise InvalidInput("invalid_username")
    check_password_policy(password, username, min_length)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("user_exists", username=username)
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        role=role,
        centre_id=centre_id,
        bodies=bodies or None,
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str, now: datetime, min_length: int, *, must_change: bool = False) -> None:
    """A new password (the caller ends the user's other sessions); `must_change` after an admin's reset."""
    check_password_policy(password, user.username, min_length)
    user.password_hash = generate_password_hash(password)
    user.password_changed_at = now
    user.must_change_password = must_change


def identity_of(user: User) -> StaffIdentity:
    bodies = tuple(user.bodies) if user.bodies else None
    return StaffIdentity(user.id, user.username, user.role, user.centre_id, bodies)


class TokenSigner:
    """Bearer tokens for staff on the API: a staff session's key, signed (so that garbage costs no query).
    The session row decides whether the token still works (services/sessions.py)."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeSerializer(secret_key, salt="tabour-api-session")

    def issue(self, session_key: str) -> str:
        return self._serializer.dumps({"s": session_key})

    def session_key(self, token: str) -> str:
        try:
            data = self._serializer.loads(token)
        except BadSignature:
            raise Unauthorized("bad_token") from None
        if not isinstance(data, dict) or not isinstance(data.get("s"), str):
            raise Unauthorized("bad_token")
        return data["s"]


def pair_device(session: Session, centre_id: int, kind: str, code: str, now: datetime) -> str:
    """(Re)pair a kiosk or display: a new token replaces any earlier one. Returns the token once."""
    if kind not in DEVICE_KINDS:
        raise InvalidInput("invalid_device_kind")
    token = secrets.token_urlsafe(32)
    device = session.scalars(
        select(Device).where(Device.centre_id == centre_id, Device.kind == kind, Device.code == code)
    ).first()
    if device is None:
        device = Device(centre_id=centre_id, kind=kind, code=code, token_hash=hash_token(token), paired_at=now)
        session.add(device)
    else:
        device.token_hash = hash_token(token)
        device.paired_at = now
    session.flush()
    return token


def device_for_token(session: Session, token: str) -> DeviceIdentity:
    device = session.scalars(select(Device).where(Device.token_hash == hash_token(token))).first()
    if device is None:
        raise Unauthorized("bad_device_token")
    return DeviceIdentity(device.id, device.kind, device.code, device.centre_id, device.last_seen_at)


def require_role(identity: StaffIdentity, *roles: str) -> None:
    if identity.role not in roles:
        raise Forbidden("role_required", roles=", ".join(roles))
