"""Baseline for bench/fanout.py: a bare python-socketio server doing the same fan-out as Tabour.

Same stack as Tabour's realtime layer (gevent, simple-websocket, TCP_NODELAY listener, optional Redis
message queue) but no Flask, no database, no auth: `POST /call` emits one `ticket_called` of the same
shape to every client in `/hall`, then answers. `python bench/fanout_bare_server.py PORT [REDIS_URL]`
"""

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from itertools import count  # noqa: E402

import socketio  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402


def main() -> None:
    port = int(sys.argv[1])
    redis_url = sys.argv[2] if len(sys.argv) > 2 else None
    manager = socketio.RedisManager(redis_url) if redis_url else None
    sio = socketio.Server(async_mode="gevent", client_manager=manager, transports=["websocket"])
    numbers = count(1)

    @sio.on("connect", namespace="/hall")
    def connect(sid: str, environ: dict, auth: dict | None) -> None:  # type: ignore[type-arg]
        sio.enter_room(sid, "zone:test:main", namespace="/hall")
        sio.emit("hall_snapshot", {"centre": "test", "recent_calls": []}, to=sid, namespace="/hall")

    def http(environ: dict, start_response):  # type: ignore[no-untyped-def,type-arg]
        if environ["PATH_INFO"] == "/call":
            number = f"A{next(numbers) % 1000:03d}"
            payload = {
                "number": number,
                "counter": {"code": "1", "names": {"ar": "كاونتر ١", "en": "Counter 1", "ur": "کاؤنٹر ۱"}},
                "service": {"code": "traffic", "names": {"ar": "المرور", "en": "Traffic", "ur": "ٹریفک"}},
                "zone": "main",
                "recall": False,
                "called_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            }
            sio.emit("ticket_called", payload, to="zone:test:main", namespace="/hall")
            body = json.dumps(payload).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    app = socketio.WSGIApp(sio, http)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    print("ready", flush=True)
    WSGIServer(sock, app, log=None).serve_forever()


if __name__ == "__main__":
    main()
