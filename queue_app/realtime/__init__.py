"""Socket.IO: namespaces (authentication in on_connect, rooms) and the one publisher that emits."""

from __future__ import annotations

from flask_socketio import SocketIO


def register_namespaces(socketio: SocketIO) -> None:
    from .hall import HallNamespace
    from .printing import PrintNamespace
    from .track import TrackNamespace

    socketio.on_namespace(HallNamespace("/hall"))
    socketio.on_namespace(TrackNamespace("/track"))
    socketio.on_namespace(PrintNamespace("/print"))
