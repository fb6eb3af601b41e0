"""Who is asking: a paired device (kiosk, display) or a staff member (bearer token or session)."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from ..domain.errors import Forbidden
from ..extensions import runtime
from ..services import accounts
from ..services.accounts import DeviceIdentity, StaffIdentity, Unauthorized
from ..services.catalog import CentreCatalog

DEVICE_COOKIE = "tabour_device"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def caller() -> StaffIdentity | DeviceIdentity | None:
    """The identity behind this request, or None. Signed staff tokens contain a dot; device tokens don't."""
    token = bearer_token()
    hall = runtime()
    if token:
        with hall.db.reading() as session:
            if "." in token:
                return accounts.staff_for_token(session, hall.signer, token)
            return accounts.device_for_token(session, token)
    if getattr(current_user, "is_authenticated", False):
        return current_user.identity  # type: ignore[no-any-return]
    return None


def require_staff(centre: CentreCatalog | None = None, roles: tuple[str, ...] = accounts.ROLES) -> StaffIdentity:
    who = caller()
    if not isinstance(who, StaffIdentity):
        raise Unauthorized("login_required")
    accounts.require_role(who, *roles)
    if centre is not None and not who.may_act_in(centre.id):
        raise Forbidden("other_centre")
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
