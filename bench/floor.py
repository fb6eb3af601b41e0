"""The floor for bench/issue.py: a bare Flask + gevent endpoint doing one SQLite upsert and insert.

Run: .venv/bin/python bench/floor.py --port 8100 --database /tmp/floor.db [--engine raw|session]
POST /ticket takes the next number of a service (the same upsert Tabour uses) and inserts a ticket
row, in one transaction, and answers a small JSON body. Same server discipline as run.py: gevent
patched first, TCP_NODELAY on the listening socket, WAL with synchronous=NORMAL. Whatever Tabour
does beyond this (auth, intake checks, position and ETA, events, the JSON shape) is its own cost.

`--engine raw` (the floor) runs the two statements on Python's sqlite3; `--engine session` runs the
very same SQL the way Tabour's design card makes it run: SQLAlchemy Core statements built once,
executed in an ORM Session's transaction. The difference between the two is the price of SQLAlchemy
alone, for two statements (docs/benchmarks/issue.md).
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


UPSERT = (
    "INSERT INTO sequences (service, day, last) VALUES (:service, date('now'), 1) "
    "ON CONFLICT (service, day) DO UPDATE SET last = last + 1 RETURNING last"
)
INSERT = (
    "INSERT INTO tickets (service, day, sequence, number, tracking, issued) "
    "VALUES (:service, date('now'), :sequence, :number, :tracking, :issued)"
)


def raw_store(path: str):  # type: ignore[no-untyped-def]
    """take(service) -> number, on one sqlite3 connection."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(SCHEMA)

    def take(service: str) -> str:
        db.execute("BEGIN IMMEDIATE")
        try:
            (sequence,) = db.execute(UPSERT, {"service": service}).fetchone()
            number = f"{service[0].upper()}{sequence:03d}"
            db.execute(
                INSERT,
                {
                    "service": service,
                    "sequence": sequence,
                    "number": number,
                    "tracking": secrets.token_urlsafe(12),
                    "issued": time.time(),
                },
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return number

    return take


def session_store(path: str):  # type: ignore[no-untyped-def]
    """take(service) -> number: the same SQL as SQLAlchemy statements built once, in an ORM Session."""
    from sqlalchemy import create_engine, event, text
    from sqlalchemy.orm import sessionmaker

    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    with engine.begin() as connection:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                connection.exec_driver_sql(statement)
    sessions = sessionmaker(engine, expire_on_commit=False)
    upsert, insert = text(UPSERT), text(INSERT)

    def take(service: str) -> str:
        with sessions() as session, session.begin():
            connection = session.connection()
            sequence = connection.execute(upsert, {"service": service}).scalar_one()
            number = f"{service[0].upper()}{sequence:03d}"
            connection.execute(
                insert,
                {
                    "service": service,
                    "sequence": sequence,
                    "number": number,
                    "tracking": secrets.token_urlsafe(12),
                    "issued": time.time(),
                },
            )
        return number

    return take


def create_app(path: str, engine: str = "raw") -> Flask:
    take = raw_store(path) if engine == "raw" else session_store(path)
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return "ok"

    @app.post("/ticket")
    def ticket():  # type: ignore[no-untyped-def]
        service = (request.get_json(silent=True) or {}).get("service", "traffic")
        return jsonify({"number": take(service), "service": service}), 201

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--database", default="floor.db")
    parser.add_argument("--engine", choices=("raw", "session"), default="raw")
    args = parser.parse_args()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((args.host, args.port))
    sock.listen(1024)
    sock.setblocking(False)
    server = WSGIServer(sock, create_app(args.database, args.engine), log=None)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.stop(timeout=2))
    server.serve_forever()


if __name__ == "__main__":
    main()
