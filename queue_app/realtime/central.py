"""Namespace `/central`: the ministry's central board. A staff session of the `central` role (or an
administrator) joins the room of the centres it may watch, gets `central_snapshot` {centres: [rows]} on
connect and `centre_changed` {row} as each centre changes (realtime/publisher.py, views/central.py)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, Namespace, join_room

from ..extensions import runtime
from ..store.database import utcnow
from ..views.central import board
from .auth import answers_when_unavailable
from .publisher import central_room

WATCHERS = ("central", "admin")


class CentralNamespace(Namespace):
    @answers_when_unavailable
    def on_connect(self, auth: dict[str, Any] | None = None) -> None:
        rt = runtime()
        if not getattr(current_user, "is_authenticated", False):
            raise ConnectionRefusedError("unauthorized")
        identity = current_user.identity
        if identity.role not in WATCHERS:
            raise ConnectionRefusedError("forbidden")
        centres = [c for c in rt.catalog.centres.values() if identity.may_act_in(c.id)]
        for centre in centres:
            join_room(central_room(centre.code))
        with rt.db.reading() as session:
            rows = board(session, centres, utcnow())
        sid = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
        self.emit("central_snapshot", {"centres": rows}, room=sid)
