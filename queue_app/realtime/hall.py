"""Namespace `/hall`: paired displays (device token in the connect auth) join their zones; staff
sessions join their centre, or, overseeing some bodies only, those bodies' rooms (and get a snapshot of
those bodies). Both get `hall_snapshot` on connect, and again when they ask (`snapshot`).
The protocol: realtime/publisher.py."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, join_room

from ..extensions import runtime
from ..views import hall
from .auth import answers_when_unavailable, auth_token, device_from_auth
from .publisher import body_room, centre_room, counter_room, zone_room


class HallNamespace(Namespace):
    def __init__(self, namespace: str) -> None:
        super().__init__(namespace)
        # sid -> (centre, a screen's zones, a scoped supervisor's bodies)
        self._centre_of: dict[str, tuple[str, tuple[str, ...] | None, tuple[str, ...] | None]] = {}

    @answers_when_unavailable
    def on_connect(self, auth: dict[str, Any] | None = None) -> None:
        rt = runtime()
        if auth_token(auth):
            device, centre = device_from_auth(auth, "display")
            display = centre.config.display(device.code)
            if display is None:  # paired once, since removed from config.yaml
                raise ConnectionRefusedError("unknown_display")
            for zone in display.zones:
                join_room(zone_room(centre.code, zone))
            if display.layout == "counter" and display.counter:
                join_room(counter_room(centre.code, display.counter))
            snapshot_centre, zones, bodies = centre, tuple(sorted(display.zones)), None
        elif getattr(current_user, "is_authenticated", False):
            identity = current_user.identity
            wanted = (auth or {}).get("centre") if isinstance(auth, dict) else None
            codes = [wanted] if wanted else [c.code for c in rt.catalog.centres.values()]
            centre = None
            for code in codes:
                candidate = rt.catalog.centres.get(str(code))
                if candidate is not None and identity.may_act_in(candidate.id):
                    centre = candidate
                    break
            if centre is None:
                raise ConnectionRefusedError("other_centre")
            if identity.bodies is None:
                join_room(centre_room(centre.code))
            else:  # a supervisor of some bodies hears theirs only
                for body in identity.bodies:
                    join_room(body_room(centre.code, body))
            snapshot_centre, zones, bodies = centre, None, identity.bodies
        else:
            raise ConnectionRefusedError("unauthorized")
        # to this client only: a namespace's emit() without `to` would send it to every connected screen
        sid = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
        self._centre_of[sid] = (snapshot_centre.code, zones, bodies)
        self._send_snapshot(sid)

    def on_snapshot(self) -> None:
        """A client asks for the state again (after `resync`: the bus lost messages)."""
        self._send_snapshot(request.sid)  # type: ignore[attr-defined]

    def _send_snapshot(self, sid: str) -> None:
        asking = self._centre_of.get(sid)
        if asking is None:
            return
        centre, zones, bodies = asking
        rt = runtime()
        snapshot = rt.publisher.snapshot(centre, zones)
        if bodies is not None:
            snapshot = hall.within_bodies_snapshot(snapshot, rt.catalog.centre(centre), bodies)
        self.emit("hall_snapshot", snapshot, room=sid)

    def on_disconnect(self, reason: Any = None) -> None:
        self._centre_of.pop(request.sid, None)  # type: ignore[attr-defined]
