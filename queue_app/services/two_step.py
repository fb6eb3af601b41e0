"""Two-step verification: a time-based code (TOTP, RFC 6238, with pyotp) from the staff member's phone
app, enrolled by scanning a QR code, with ten one-time recovery codes for a lost phone."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from datetime import UTC, datetime

import pyotp
import qrcode
import qrcode.image.svg

from ..domain.errors import InvalidInput
from ..domain.tickets import ascii_digits
from ..store.models import User
from .sealed import Sealer

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


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step whose code this is: the current one, or the one before or after (a phone clock
    30 s off still works); None when none matches."""
    totp, moment = pyotp.TOTP(secret), now.replace(tzinfo=UTC)
    step = totp.timecode(moment)
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), _clean(code)):
            return candidate
    return None


def enrol(user: User, secret: str, code: str, now: datetime, sealer: Sealer) -> list[str]:
    """Turn two-step verification on once the app shows the right code; returns the recovery codes
    (shown once; only their hashes are kept). The key is stored sealed (services/sealed.py)."""
    step = _matching_step(secret, code, now)
    if step is None:
        raise InvalidInput("bad_code")
    user.totp_last_step = step
    codes = [f"{secrets.randbelow(10**5):05d}-{secrets.randbelow(10**5):05d}" for _ in range(RECOVERY_CODES)]
    user.totp_secret = sealer.seal(secret)
    user.recovery_codes = [_digest(c) for c in codes]
    return codes


def verify(user: User, code: str, now: datetime, sealer: Sealer) -> str | None:
    """ "code" for a right time code, "recovery" for an unused recovery code (now spent), else None."""
    if user.totp_secret is None:
        return None
    if _clean(code).isdigit() and len(_clean(code)) == 6:
        try:
            secret = sealer.open(user.totp_secret)
        except LookupError:  # sealed under a key this server lacks: an administrator turns two-step off
            return None
        step = _matching_step(secret, code, now)
        if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
            return None  # wrong, or already used: a code seen over a shoulder does not sign in again
        user.totp_last_step = step
        return "code"
    digest = _digest(code)
    if digest in (user.recovery_codes or []):
        user.recovery_codes = [d for d in user.recovery_codes or [] if d != digest]
        return "recovery"
    return None


def turn_off(user: User) -> None:
    """An administrator turns it off for a user who lost phone and codes (they enrol again)."""
    user.totp_secret = None
    user.recovery_codes = None
    user.totp_last_step = None
