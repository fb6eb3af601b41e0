"""Who connects: a paired device proves itself with its token in the Socket.IO connect `auth`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_socketio import ConnectionRefusedError

from ..extensions import runtime
from ..services import accounts, devices
from ..services.accounts import DeviceIdentity, Unauthorized
from ..services.catalog import CentreCatalog
from ..store.database import unavailable, utcnow


def answers_when_unavailable(on_connect: Callable[..., None]) -> Callable[..., None]:
    """A connect that meets an unavailable database (a connect storm past the pool, an outage) is refused
    with `temporarily_unavailable`, and the client tries again (static/live.js). Any other error left
    the client without an answer until it gave up (bench/national_day.py found 53 of 20,000)."""

    @wraps(on_connect)
    def connect(*args: Any, **kwargs: Any) -> None:
        try:
            on_connect(*args, **kwargs)
        except ConnectionRefusedError:
            raise
        except Exception as error:
            if unavailable(error):
                raise ConnectionRefusedError("temporarily_unavailable") from None
            raise

    return connect


def auth_token(auth: Any) -> str | None:
    token = auth.get("token") if isinstance(auth, dict) else None
    return str(token) if token else None


def device_from_auth(auth: Any, kind: str) -> tuple[DeviceIdentity, CentreCatalog]:
    """The device of `kind` behind the connect payload, and its centre; refuse anything else."""
    token = auth_token(auth)
    if token is None:
        raise ConnectionRefusedError("unauthorized")
    rt = runtime()
    try:
        with rt.db.reading() as session:
            device = accounts.device_for_token(session, token)
    except Unauthorized:
        raise ConnectionRefusedError("bad_device_token") from None
    if device.kind != kind:
        raise ConnectionRefusedError("device_not_allowed")
    if device.last_seen_at is None or utcnow() - device.last_seen_at >= devices.SEEN_EVERY:
        with rt.db.transaction() as session:
            devices.seen(session, device.device_id, device.last_seen_at, utcnow())
    return device, rt.catalog.by_id(device.centre_id)
