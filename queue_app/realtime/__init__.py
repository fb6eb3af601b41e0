"""Socket.IO: namespaces (authentication in on_connect, rooms) and the one publisher that emits."""

from __future__ import annotations

from flask_socketio import SocketIO


def socket_clients(socketio: SocketIO) -> dict[str, int]:
    """Connected clients of this process per namespace (every client sits in its namespace's room None)."""
    rooms = socketio.server.manager.rooms if socketio.server is not None else {}
    return {namespace: len(by_room.get(None, {})) for namespace, by_room in rooms.items()}


def register_namespaces(socketio: SocketIO) -> None:
    from .central import CentralNamespace
    from .hall import HallNamespace
    from .printing import PrintNamespace
    from .track import TrackNamespace

    socketio.on_namespace(HallNamespace("/hall"))
    socketio.on_namespace(TrackNamespace("/track"))
    socketio.on_namespace(PrintNamespace("/print"))
    socketio.on_namespace(CentralNamespace("/central"))
