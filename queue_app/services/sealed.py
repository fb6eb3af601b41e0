"""Secrets sealed at rest: a staff member's two-step key is stored encrypted, so that a copy of the
database (a backup, a dump handed to a contractor) does not let anyone make their codes. Fernet from the
`cryptography` package (AES-128-CBC with an HMAC-SHA256, the well-kept standard for this) under a key
derived with HKDF-SHA256 from the deployment's secret key; after a key rotation the earlier keys
(`TABOUR_OLD_SECRET_KEYS`) still open what they sealed, and the next start seals it again under the new."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import User

PREFIX = "sealed:"  # a stored value that does not start with it was written before sealing


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tabour: sealed secrets at rest")
    return Fernet(base64.urlsafe_b64encode(derived.derive(secret_key.encode())))


class Sealer:
    """Seals with the current key; opens with it or any earlier one."""

    def __init__(self, secret_key: str, old_keys: Sequence[str] = ()) -> None:
        self._current = _fernet(secret_key)
        self._any = MultiFernet([self._current, *(_fernet(key) for key in old_keys)])

    def seal(self, value: str) -> str:
        return PREFIX + self._current.encrypt(value.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret; a value stored before sealing is returned as it is (the next start seals it)."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._any.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise LookupError("sealed under a key this server does not have (TABOUR_OLD_SECRET_KEYS)") from None

    def current(self, stored: str) -> bool:
        """Sealed under the current key (nothing to do at start)."""
        if not stored.startswith(PREFIX):
            return False
        try:
            self._current.decrypt(stored[len(PREFIX) :].encode())
        except InvalidToken:
            return False
        return True


def seal_all(session: Session, sealer: Sealer) -> int:
    """At start: every two-step key stored in clear (before this) or under an earlier key is sealed under
    the current one. Keys that no known key opens are left as they are (their owners enrol again). How
    many were sealed."""
    sealed = 0
    for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
        stored = user.totp_secret or ""
        if sealer.current(stored):
            continue
        try:
            user.totp_secret = sealer.seal(sealer.open(stored))
        except LookupError:
            continue
        sealed += 1
    return sealed
