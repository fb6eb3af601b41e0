"""Staff accounts, paired devices and API tokens. Passwords are hashed (scrypt), device tokens stored
as SHA-256 only, API tokens are signed and expire."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.errors import Conflict, Forbidden, InvalidInput, QueueError
from ..store.models import Device, User

ROLES = ("admin", "supervisor", "clerk")
DEVICE_KINDS = ("kiosk", "display")
TOKEN_HOURS = 12


class Unauthorized(QueueError):
    code = "unauthorized"
    status = 401


@dataclass(frozen=True)
class StaffIdentity:
    user_id: int
    username: str
    role: str
    centre_id: int | None  # None: every centre

    def may_act_in(self, centre_id: int) -> bool:
        return self.centre_id is None or self.centre_id == centre_id


@dataclass(frozen=True)
class DeviceIdentity:
    device_id: int
    kind: str
    code: str
    centre_id: int


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session, username: str, password: str, role: str, centre_id: int | None, now: datetime
) -> User:
    if role not in ROLES:
        raise InvalidInput("invalid_role")
    if len(password) < 8:
        raise InvalidInput("password_too_short")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("user_exists", username=username)
    user = User(
        username=username,
        password_hash=generate_password_hash(password),
        role=role,
        centre_id=centre_id,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        raise Unauthorized("bad_credentials")
    return user


def identity_of(user: User) -> StaffIdentity:
    return StaffIdentity(user.id, user.username, user.role, user.centre_id)


class TokenSigner:
    """Bearer tokens for staff on the API: signed user id, valid TOKEN_HOURS."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="tabour-api-token")

    def issue(self, user: User, now: datetime) -> tuple[str, datetime]:
        return self._serializer.dumps({"u": user.id}), now + timedelta(hours=TOKEN_HOURS)

    def user_id(self, token: str) -> int:
        try:
            data = self._serializer.loads(token, max_age=TOKEN_HOURS * 3600)
        except SignatureExpired:
            raise Unauthorized("token_expired") from None
        except BadSignature:
            raise Unauthorized("bad_token") from None
        return int(data["u"])


def staff_for_token(session: Session, signer: TokenSigner, token: str) -> StaffIdentity:
    user = session.get(User, signer.user_id(token))
    if user is None or not user.active:
        raise Unauthorized("bad_token")
    return identity_of(user)


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
    return DeviceIdentity(device.id, device.kind, device.code, device.centre_id)


def require_role(identity: StaffIdentity, *roles: str) -> None:
    if identity.role not in roles:
        raise Forbidden("role_required", roles=", ".join(roles))
