"""Signing in, the one door for the sign-in form and `POST /api/v1/auth/token`.

Failed attempts are counted per user name and per client address (the `limits` library: in Redis when
the deployment has it, so every process counts together); past a limit the caller waits, with a back-off
from the configured windows, before any password is hashed. Hashing (scrypt, ~0.1 s of CPU) runs in a
worker thread, one at a time per process, so a flood of wrong passwords cannot stall the hall's requests;
an unknown name costs the same hash as a known one, so timing does not tell which names exist.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.errors import QueueError
from ..offload import off_the_loop
from ..settings.security import Security
from ..store.database import Database
from ..store.models import User
from . import audit, sessions, two_step
from .accounts import StaffIdentity, Unauthorized, identity_of
from .sealed import Sealer

log = logging.getLogger(__name__)
T = TypeVar("T")


class TooManyAttempts(QueueError):
    """Too many failed sign-ins for this name or from this address: wait `minutes`."""

    code = "too_many_attempts"
    status = 429


class SignInThrottle:
    """Failed sign-ins per user name and per client address, over the configured windows."""

    def __init__(self, rules: Security, redis_url: str | None = None, prefix: str = "tabour") -> None:
        self._limits = {"account": rules.account_limits(), "address": rules.address_limits()}
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url:
            storage = storage_from_string(
                redis_url,
                key_prefix=f"{prefix}:signin",
                wrap_exceptions=True,
                socket_timeout=1.0,
                socket_connect_timeout=1.0,
            )
            self._shared = MovingWindowRateLimiter(storage)

    def _each(self, username: str, address: str | None) -> list[tuple[RateLimitItem, str, str]]:
        keys = {"account": username.casefold(), "address": address or "-"}
        return [(item, kind, keys[kind]) for kind, items in self._limits.items() for item in items]

    def _run(self, action: Callable[[MovingWindowRateLimiter], T]) -> T:
        """On the shared counters; while Redis is unreachable, on this process's own (logged)."""
        if self._shared is not None:
            try:
                return action(self._shared)
            except StorageError as error:
                log.warning("sign-in limits: Redis unreachable, counting in this process (%s)", error)
        return action(self._local)

    def wait_seconds(self, username: str, address: str | None) -> int:
        """0 when a sign-in may be tried now, else how long until one may."""

        def check(limiter: MovingWindowRateLimiter) -> int:
            wait = 0.0
            for item, kind, key in self._each(username, address):
                if not limiter.test(item, kind, key):
                    reset = limiter.get_window_stats(item, kind, key).reset_time
                    wait = max(wait, reset - time.time(), 1.0)
            return math.ceil(wait)

        return self._run(check)

    def failed(self, username: str, address: str | None) -> None:
        def hit(limiter: MovingWindowRateLimiter) -> None:
            for item, kind, key in self._each(username, address):
                limiter.hit(item, kind, key)

        self._run(hit)

    def succeeded(self, username: str) -> None:
        """A right password clears the name's failures (not the address's)."""

        def clear(limiter: MovingWindowRateLimiter) -> None:
            for item in self._limits["account"]:
                limiter.clear(item, "account", username.casefold())

        self._run(clear)


_dummy_hash: str | None = None


def _off_the_loop(function: Callable[..., T], *args: Any) -> T:
    """scrypt (it releases the GIL) in gevent's thread pool, one hash at a time per process."""
    return off_the_loop("passwords", function, *args)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Check a password; with no user (None) check against a throw-away hash, so both cost the same."""
    global _dummy_hash
    if password_hash is None:
        if _dummy_hash is None:
            _dummy_hash = generate_password_hash(secrets.token_hex(16))
        _off_the_loop(check_password_hash, _dummy_hash, password)
        return False
    return _off_the_loop(check_password_hash, password_hash, password)


class TwoStepRequired(Unauthorized):
    """The password was right; the account's two-step code is needed too."""

    code = "two_step_required"


def check_password(
    db: Database, throttle: SignInThrottle, username: str, password: str, *, via: str, ip: str | None, now: datetime
) -> int:
    """The id of the active user with this name and password; raises TooManyAttempts or Unauthorized
    (a failure is counted and audited)."""
    wait = throttle.wait_seconds(username, ip)
    if wait:
        raise TooManyAttempts(minutes=max(1, math.ceil(wait / 60)), retry_after=wait)
    with db.reading() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        stored = user.password_hash if user is not None and user.active else None
        user_id = user.id if user is not None else None
    if not password_matches(stored, password) or user_id is None:
        _failed(db, throttle, username, via, ip, now)
        raise Unauthorized("bad_credentials")
    return user_id


def check_code(
    db: Database,
    throttle: SignInThrottle,
    sealer: Sealer,
    user_id: int,
    code: str,
    *,
    via: str,
    ip: str | None,
    now: datetime,
) -> bool:
    """Check a two-step code (or an unused recovery code, which is then spent); throttled like passwords.
    Returns True when a recovery code was used."""
    with db.reading() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise Unauthorized("bad_credentials")
        username = user.username
    wait = throttle.wait_seconds(username, ip)  # Redis, outside any transaction
    if wait:
        raise TooManyAttempts(minutes=max(1, math.ceil(wait / 60)), retry_after=wait)
    with db.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        verdict = two_step.verify(user, code, now, sealer)
    if verdict is None:
        _failed(db, throttle, username, via, ip, now, "login_code_failed")
        raise Unauthorized("bad_code")
    return verdict == "recovery"


def _failed(
    db: Database,
    throttle: SignInThrottle,
    username: str,
    via: str,
    ip: str | None,
    now: datetime,
    action: str = "login_failed",
) -> None:
    throttle.failed(username, ip)
    with db.transaction() as session:
        audit.record(session, action, username or "-", now, detail={"via": via}, ip=ip)


@dataclass(frozen=True)
class SignedIn:
    identity: StaffIdentity
    key: str  # the new session's key: the cookie's content, or inside the API token
    ends_at: datetime
    must_change_password: bool
    must_enrol: bool  # the role requires two-step verification and the account has none yet


def needs_code(db: Database, user_id: int) -> bool:
    with db.reading() as session:
        user = session.get(User, user_id)
        return user is not None and user.totp_secret is not None


def open_signed_in(
    db: Database,
    throttle: SignInThrottle,
    rules: Security,
    user_id: int,
    *,
    via: str,
    ip: str | None,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> SignedIn:
    """Both checks passed: open the session and audit the sign-in."""
    with db.transaction() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise Unauthorized("bad_credentials")
        key, row = sessions.open_session(session, user, via, ip, now, rules)
        audit.record(
            session,
            "login",
            user.username,
            now,
            user_id=user.id,
            centre_id=user.centre_id,
            detail={"via": via, **(detail or {})},
            ip=ip,
        )
        done = SignedIn(
            identity_of(user),
            key,
            row.ends_at,
            bool(user.must_change_password),
            user.totp_secret is None and user.role in rules.two_step_roles,
        )
    throttle.succeeded(done.identity.username)  # Redis, after the commit: no write lock held across it
    return done
