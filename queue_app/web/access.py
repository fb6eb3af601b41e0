"""Who is asking: a paired device (kiosk, display) or a staff member (bearer token or session)."""

from __future__ import annotations

import time

from flask import request
from flask_login import current_user

from ..domain.counters import Actor
from ..domain.errors import Forbidden
from ..extensions import csrf, runtime
from ..services import accounts, devices, sessions
from ..services.accounts import DeviceIdentity, StaffIdentity, Unauthorized
from ..services.catalog import CentreCatalog
from ..store.database import utcnow

DEVICE_COOKIE = "tabour_device"
# A kiosk sends its token with every ticket and a clerk with every call: remember who a token is for a
# few seconds instead of a session and a query per request. A re-paired device's old token, or a
# deactivated user's token, therefore works at most this long.
IDENTITY_CACHE_SECONDS = 5.0


def identity_for_bearer(token: str) -> StaffIdentity | DeviceIdentity:
    """The device or staff member behind a bearer token (signed staff tokens contain a dot, device
    tokens don't), from the short-lived cache or the database."""
    now = time.monotonic()
    hall = runtime()
    cache = hall.identities  # the app's own: two apps in one process never share it
    cached = cache.get(token)
    if cached is not None and cached[0] > now:
        return cached[1]  # type: ignore[no-any-return]
    identity: StaffIdentity | DeviceIdentity
    if "." in token:
        identity = sessions.staff_for_token(hall.db, hall.signer, token, utcnow(), hall.settings.hall.security)
    else:
        with hall.db.reading() as session:
            identity = accounts.device_for_token(session, token)
        if identity.last_seen_at is None or utcnow() - identity.last_seen_at >= devices.SEEN_EVERY:
            with hall.db.transaction() as session:
                devices.seen(session, identity.device_id, identity.last_seen_at, utcnow())
    if len(cache) > 5000:
        cache.clear()
    cache[token] = (now + IDENTITY_CACHE_SECONDS, identity)
    return identity


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def caller() -> StaffIdentity | DeviceIdentity | None:
    """The identity behind this request (bearer token or staff session), or None. A change made with the
    browser's session cookie must carry the page's CSRF token (header X-CSRFToken), so that another site
    cannot make a signed-in browser act."""
    token = bearer_token()
    if token:
        return identity_for_bearer(token)
    if getattr(current_user, "is_authenticated", False):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return current_user.identity  # type: ignore[no-any-return]
    return None


def require_staff(
    centre: CentreCatalog | None = None, roles: tuple[str, ...] = accounts.ROLES, *, centre_wide: bool = False
) -> StaffIdentity:
    """A member of staff with one of `roles`, of this centre; `centre_wide`: a change to the whole centre
    (its calendar, its imports), which a supervisor of some bodies only may not make."""
    who = caller()
    if not isinstance(who, StaffIdentity):
        raise Unauthorized("login_required")
    accounts.require_role(who, *roles)
    if centre is not None and not who.may_act_in(centre.id):
        raise Forbidden("other_centre")
    if centre_wide and who.bodies is not None:
        raise Forbidden("centre_wide")
    return who


def require_issuer(centre: CentreCatalog) -> StaffIdentity | DeviceIdentity:
    """Tickets are issued by a kiosk of this centre or by staff of this centre."""
    who = caller()
    if who is None:
        raise Unauthorized("login_required")
    if isinstance(who, DeviceIdentity):
        if who.kind != "kiosk" or who.centre_id != centre.id:
            raise Forbidden("device_not_allowed")
        return who
    if not who.may_act_in(centre.id):
        raise Forbidden("other_centre")
    return who


def actor_for(who: StaffIdentity) -> Actor:
    """The staff member as the use cases see them (the ownership rule needs the role and centre)."""
    return Actor(who.user_id, who.role, who.centre_id, who.username)
