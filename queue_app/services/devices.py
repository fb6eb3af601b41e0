"""Paired kiosks and hall screens as an administrator sees them: which are paired, when each was last
heard from, pair again (a new link; the old token stops working) or unpair a lost or stolen device."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..domain.errors import InvalidInput, NotFound
from ..store.models import Device
from . import accounts, audit
from .catalog import CentreCatalog
from .users import Admin

SEEN_EVERY = timedelta(seconds=60)  # a device's last contact is written at most this often
ONLINE_WITHIN = timedelta(minutes=3)


@dataclass(frozen=True)
class DeviceRow:
    kind: str
    code: str
    names: dict[str, str]
    paired_at: datetime | None  # None: in config.yaml, not paired
    last_seen_at: datetime | None
    online: bool


def listing(session: Session, centre: CentreCatalog, now: datetime) -> list[DeviceRow]:
    """Every kiosk and screen of config.yaml, paired or not, and any paired device no longer in it."""
    paired = {(d.kind, d.code): d for d in session.scalars(select(Device).where(Device.centre_id == centre.id))}
    configured = [("kiosk", k.code, k.names) for k in centre.config.kiosks]
    configured += [("display", d.code, d.names) for d in centre.config.displays]
    rows = []
    for kind, code, names in configured:
        device = paired.pop((kind, code), None)
        rows.append(_row(kind, code, names.as_dict() if names else {}, device, now))
    rows += [_row(kind, code, {}, device, now) for (kind, code), device in sorted(paired.items())]
    return rows


def _row(kind: str, code: str, names: dict[str, str], device: Device | None, now: datetime) -> DeviceRow:
    seen = device.last_seen_at if device is not None else None
    return DeviceRow(
        kind, code, names, device.paired_at if device else None, seen, seen is not None and now - seen < ONLINE_WITHIN
    )


def pair(session: Session, by: Admin, centre: CentreCatalog, kind: str, code: str, now: datetime) -> str:
    """(Re)pair a device of config.yaml: returns the new token (its link is shown once)."""
    known = centre.config.kiosk(code) if kind == "kiosk" else centre.config.display(code)
    if known is None:
        raise InvalidInput("unknown_device", device=code)
    token = accounts.pair_device(session, centre.id, kind, code, now)
    _audit(session, by, centre, "device_paired", f"{kind}:{code}", now)
    return token


def unpair(session: Session, by: Admin, centre: CentreCatalog, kind: str, code: str, now: datetime) -> None:
    """The device's token stops working (within seconds in every process); pair it again to use it."""
    gone = session.execute(
        delete(Device).where(Device.centre_id == centre.id, Device.kind == kind, Device.code == code)
    ).rowcount  # type: ignore[attr-defined]
    if not gone:
        raise NotFound("not_found")
    _audit(session, by, centre, "device_unpaired", f"{kind}:{code}", now)


def _audit(session: Session, by: Admin, centre: CentreCatalog, action: str, target: str, now: datetime) -> None:
    audit.record(session, action, by.username, now, user_id=by.user_id, centre_id=centre.id, target=target, ip=by.ip)


def seen(session: Session, device_id: int, last_seen_at: datetime | None, now: datetime) -> None:
    """Note that a device made contact (at most once a minute)."""
    if last_seen_at is None or now - last_seen_at >= SEEN_EVERY:
        session.execute(update(Device).where(Device.id == device_id).values(last_seen_at=now))
