"""Two-step verification: a time-based code (TOTP, RFC 6238, with pyotp) from the staff member's phone
app, enrolled by scanning a QR code, with ten one-time recovery codes for a lost phone."""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import UTC, datetime

import pyotp
import qrcode
import qrcode.image.svg

from ..domain.errors import InvalidInput
from ..domain.tickets import ascii_digits
from ..store.models import User

ISSUER = "Tabour"
RECOVERY_CODES = 10


def new_secret() -> str:
    return pyotp.random_base32()


def enrolment_uri(secret: str, username: str) -> str:
    """What the phone app reads from the QR code (otpauth://...)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG (no image request, nothing leaves the server)."""
    out = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    return out.getvalue().decode()


def _clean(code: str) -> str:
    return ascii_digits("".join(str(code).split())).replace("-", "").lower()


def _digest(code: str) -> str:
    return hashlib.sha256(_clean(code).encode()).hexdigest()


def _code_ok(secret: str, code: str, now: datetime) -> bool:
    """The current code, or the one before or after (a phone clock 30 s off still works)."""
    return pyotp.TOTP(secret).verify(_clean(code), for_time=now.replace(tzinfo=UTC), valid_window=1)


def enrol(user: User, secret: str, code: str, now: datetime) -> list[str]:
    """Turn two-step verification on once the app shows the right code; returns the recovery codes
    (shown once; only their hashes are kept)."""
    if not _code_ok(secret, code, now):
        raise InvalidInput("bad_code")
    codes = [f"{secrets.randbelow(10**5):05d}-{secrets.randbelow(10**5):05d}" for _ in range(RECOVERY_CODES)]
    user.totp_secret = secret
    user.recovery_codes = [_digest(c) for c in codes]
    return codes


def verify(user: User, code: str, now: datetime) -> str | None:
    """ "code" for a right time code, "recovery" for an unused recovery code (now spent), else None."""
    if user.totp_secret is None:
        return None
    if _clean(code).isdigit() and len(_clean(code)) == 6:
        return "code" if _code_ok(user.totp_secret, code, now) else None
    digest = _digest(code)
    if digest in (user.recovery_codes or []):
        user.recovery_codes = [d for d in user.recovery_codes or [] if d != digest]
        return "recovery"
    return None


def turn_off(user: User) -> None:
    """An administrator turns it off for a user who lost phone and codes (they enrol again)."""
    user.totp_secret = None
    user.recovery_codes = None
