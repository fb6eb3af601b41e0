"""Namespace `/track`: a visitor's phone joins the room of one ticket, by its tracking code, and the
room of that ticket's queue (so it hears `queue_moved` when people ahead are called or leave)."""

from __future__ import annotations

from typing import Any

from flask_socketio import ConnectionRefusedError, Namespace, join_room

from ..domain.errors import NotFound
from ..extensions import runtime
from ..services import tickets
from .auth import answers_when_unavailable
from .publisher import queue_room, ticket_room


class TrackNamespace(Namespace):
    @answers_when_unavailable
    def on_connect(self, auth: dict[str, Any] | None = None) -> None:
        code = (auth or {}).get("tracking_code") if isinstance(auth, dict) else None
        if not code:
            raise ConnectionRefusedError("unknown_ticket")
        rt = runtime()
        try:
            with rt.db.reading() as session:
                ticket = tickets.find_by_tracking_code(session, str(code))
                centre = rt.catalog.by_id(ticket.centre_id)
                service = centre.service_code(ticket.service_id)
        except NotFound:
            raise ConnectionRefusedError("unknown_ticket") from None
        join_room(ticket_room(str(code)))
        join_room(queue_room(centre.code, service))
