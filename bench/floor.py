"""The floor for bench/issue.py: a bare Flask + gevent endpoint doing one SQLite upsert and insert.

Run: .venv/bin/python bench/floor.py --port 8100 --database /tmp/floor.db
POST /ticket takes the next number of a service (the same upsert Tabour uses) and inserts a ticket
row, in one transaction, and answers a small JSON body. Same server discipline as run.py: gevent
patched first, TCP_NODELAY on the listening socket, WAL with synchronous=NORMAL. Whatever Tabour
does beyond this (auth, intake checks, position and ETA, events, the JSON shape) is its own cost.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import time  # noqa: E402

from flask import Flask, jsonify, request  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

SCHEMA = """
CREATE TABLE IF NOT EXISTS sequences (service TEXT, day TEXT, last INTEGER, PRIMARY KEY (service, day));
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY, service TEXT, day TEXT, sequence INTEGER, number TEXT, tracking TEXT, issued REAL
);
"""


def create_app(path: str) -> Flask:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return "ok"

    @app.post("/ticket")
    def ticket():  # type: ignore[no-untyped-def]
        service = (request.get_json(silent=True) or {}).get("service", "traffic")
        db.execute("BEGIN IMMEDIATE")
        try:
            (sequence,) = db.execute(
                "INSERT INTO sequences (service, day, last) VALUES (?, date('now'), 1) "
                "ON CONFLICT (service, day) DO UPDATE SET last = last + 1 RETURNING last",
                (service,),
            ).fetchone()
            number = f"{service[0].upper()}{sequence:03d}"
            db.execute(
                "INSERT INTO tickets (service, day, sequence, number, tracking, issued) "
                "VALUES (?, date('now'), ?, ?, ?, ?)",
                (service, sequence, number, secrets.token_urlsafe(12), time.time()),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return jsonify({"number": number, "service": service}), 201

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--database", default="floor.db")
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((args.host, args.port))
    sock.listen(1024)
    sock.setblocking(False)
    server = WSGIServer(sock, create_app(args.database), log=None)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.stop(timeout=2))
    server.serve_forever()


if __name__ == "__main__":
    main()
