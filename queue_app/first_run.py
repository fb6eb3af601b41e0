"""The first start of a hall: an administrator with a generated password, and every configured kiosk
and screen paired. Secrets are printed once, here, and stored only as hashes."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from .extensions import runtime
from .services import accounts, audit
from .store.database import utcnow
from .store.models import Device, User


def prepare(app: Flask) -> list[str]:
    """Create what is missing; return the lines to print (empty when nothing was new)."""
    lines: list[str] = []
    with app.app_context():
        rt = runtime()
        base = rt.settings.public_url
        with rt.db.transaction() as session:
            now = utcnow()
            if session.scalar(select(User.id).where(User.role == "admin")) is None:
                password = accounts.generate_password()
                accounts.create_user(session, "admin", password, "admin", None, now)
                audit.record(session, "user_added", "first_run", now, target="admin", detail={"role": "admin"})
                lines += [
                    "Administrator (shown once; sign in, then set your own password and two-step verification):",
                    "  user: admin",
                    f"  password: {password}",
                    "",
                ]
            paired = set(session.execute(select(Device.centre_id, Device.kind, Device.code)).tuples())
            for centre in rt.catalog.centres.values():
                for kind, items in (("kiosk", centre.config.kiosks), ("display", centre.config.displays)):
                    for item in items:
                        if (centre.id, kind, item.code) in paired:
                            continue
                        token = accounts.pair_device(session, centre.id, kind, item.code, now)
                        audit.record(
                            session,
                            "device_paired",
                            "first_run",
                            now,
                            centre_id=centre.id,
                            target=f"{kind}:{item.code}",
                        )
                        lines.append(f"  {centre.code} {kind} {item.code}: {base}/pair/{token}")
        if any(line.startswith("  ") and "/pair/" in line for line in lines):
            index = next(i for i, line in enumerate(lines) if "/pair/" in line)
            lines.insert(index, "Pairing links (open each once on its device; shown once):")
    return lines


def screen_links(app: Flask) -> list[str]:
    with app.app_context():
        rt = runtime()
        base = rt.settings.public_url
        lines = [f"Tabour is serving on {base}/", "Screens:"]
        for centre in rt.catalog.centres.values():
            lines.append(
                f"  {centre.code}: clerk console {base}/counter/{centre.code}  "
                f"supervisor {base}/supervisor/{centre.code}  join from home {base}/join/{centre.code}"
            )
            if any(service.appointments.enabled for _body, service in centre.config.services()):
                lines.append(f"    book a visit: {base}/book/{centre.code}")
            for kiosk in centre.config.kiosks:
                lines.append(f"    kiosk {kiosk.code}: {base}/kiosk/{centre.code}/{kiosk.code}")
            for display in centre.config.displays:
                lines.append(f"    screen {display.code}: {base}/display/{centre.code}/{display.code}")
        return lines
