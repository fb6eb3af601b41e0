"""Namespace `/track`: a visitor's phone joins the room of one ticket, by its tracking code: it hears
there when its ticket changes (`ticket_changed`) and when people ahead move (`place_changed`)."""

from __future__ import annotations

from typing import Any

from flask_socketio import ConnectionRefusedError, Namespace, join_room

from ..domain.errors import NotFound
from ..extensions import runtime
from ..services import tickets
from .auth import answers_when_unavailable
from .publisher import ticket_room


class TrackNamespace(Namespace):
    @answers_when_unavailable
    def on_connect(self, auth: dict[str, Any] | None = None) -> None:
        code = (auth or {}).get("tracking_code") if isinstance(auth, dict) else None
        if not code:
            raise ConnectionRefusedError("unknown_ticket")
        rt = runtime()
        try:
            with rt.db.reading() as session:
                tickets.find_by_tracking_code(session, str(code))
        except NotFound:
            raise ConnectionRefusedError("unknown_ticket") from None
        join_room(ticket_room(str(code)))
