"""Staff sessions: every signed-in browser and every API token is a row that can be ended. A session ends
at sign-out, when its user is deactivated or changes password, after `session_idle_minutes` unused and
after `session_hours` in any case. The browser's cookie or the token carries a random key; only its
SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..settings.security import Security
from ..store.database import Database
from ..store.models import StaffSession, User
from .accounts import StaffIdentity, TokenSigner, Unauthorized, identity_of

#: a session's last use is written at most this often (not on every request)
TOUCH_EVERY = timedelta(seconds=60)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open_session(
    session: Session, user: User, via: str, ip: str | None, now: datetime, rules: Security
) -> tuple[str, StaffSession]:
    """A new session for `user`; returns its key (shown once: cookie or token) and its row."""
    key = secrets.token_urlsafe(32)
    row = StaffSession(
        user_id=user.id,
        key_hash=key_hash(key),
        via=via,
        started_at=now,
        last_seen_at=now,
        ends_at=now + timedelta(hours=rules.session_hours),
        ip=ip,
    )
    session.add(row)
    session.flush()
    return key, row


@dataclass(frozen=True)
class Live:
    """Who is behind a live session key."""

    identity: StaffIdentity
    must_change_password: bool  # reset by an administrator: choose one's own first
    must_enrol: bool  # the role needs two-step verification and the account has none yet


def resolve(db: Database, key: str, now: datetime, rules: Security) -> Live | None:
    """The active user behind a live session key, or None (unknown, ended, idle too long, expired).
    A read; the last use is written at most once a minute."""
    with db.reading() as session:
        found = session.execute(
            select(StaffSession.id, StaffSession.ended_at, StaffSession.ends_at, StaffSession.last_seen_at, User)
            .join(User, User.id == StaffSession.user_id)
            .where(StaffSession.key_hash == key_hash(key))
        ).first()
        if found is None:
            return None
        row_id, ended_at, ends_at, last_seen_at, user = found
        if ended_at is not None or now >= ends_at or not user.active:
            return None
        if now - last_seen_at > timedelta(minutes=rules.session_idle_minutes):
            return None
        must_enrol = user.totp_secret is None and user.role in rules.two_step_roles
        live = Live(identity_of(user), bool(user.must_change_password), must_enrol)
    if now - last_seen_at >= TOUCH_EVERY:
        with db.transaction() as session:
            session.execute(update(StaffSession).where(StaffSession.id == row_id).values(last_seen_at=now))
    return live


def end_session(session: Session, key: str, now: datetime) -> int | None:
    """End the session with this key (sign-out); returns its user's id, if it was live."""
    row = session.scalars(select(StaffSession).where(StaffSession.key_hash == key_hash(key))).first()
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = now
    return row.user_id


def end_all(session: Session, user_id: int, now: datetime, keep: str | None = None) -> int:
    """End every live session of a user (deactivated, password changed), but `keep`; returns how many."""
    query = update(StaffSession).where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(StaffSession.key_hash != key_hash(keep))
    return session.execute(query.values(ended_at=now)).rowcount  # type: ignore[attr-defined, no-any-return]


def live_sessions(session: Session, user_id: int, now: datetime) -> list[StaffSession]:
    """The sessions of a user that are still open (for the account page: "signed in elsewhere")."""
    rows = session.scalars(
        select(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None), StaffSession.ends_at > now)
        .order_by(StaffSession.started_at.desc())
    )
    return list(rows)


def staff_for_token(db: Database, signer: TokenSigner, token: str, now: datetime, rules: Security) -> StaffIdentity:
    """The staff member behind an API token, while its session lives."""
    live = resolve(db, signer.session_key(token), now, rules)
    if live is None:
        raise Unauthorized("token_expired")
    return live.identity
