"""Serve Tabour with gevent: `python run.py --config config.yaml --host 127.0.0.1 --port 8000`.

gevent patches the standard library first, here and nowhere else. The listening socket sets
TCP_NODELAY (accepted sockets inherit it): gevent writes headers and body separately, and without it
every keep-alive request meets Nagle plus the client's delayed ACK and stalls ~40 ms. Connections take
turns request by request (FairHandler), so one busy connection cannot hold the others up.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
from gevent.pywsgi import WSGIHandler, WSGIServer  # noqa: E402

# The cyclic collector's thresholds (Python's are 700, 10, 10). A process holding 5,000 phones' sockets
# tracks millions of objects, and a full pass over them stops every request for 0.5-0.8 s; with the
# defaults, the objects of requests in flight were promoted so fast that a full pass came every 20-35 s
# (call -> screen p99 300-640 ms on a national day, bench/national_day.py). Young passes 70x rarer let
# those objects die young, so old ones rarely pile up to the 25 % that starts a full pass.
GC_THRESHOLDS = (50_000, 20, 10)


class FairHandler(WSGIHandler):
    """gevent's handler, but each connection lets the others go first before its next request.

    gevent reads a keep-alive connection's next request at once when it has already arrived, without
    returning to the hub: a quick client (a kiosk retrying, a script, a benchmark client) was then served
    request after request for tens of milliseconds while every other connection waited (the >40 ms
    answers of docs/benchmarks.md). One switch per request puts the connection back in line."""

    def handle_one_request(self):  # type: ignore[no-untyped-def]
        gevent.sleep(0)
        return super().handle_one_request()


def listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def open_files_allowed() -> int:
    """Raise this process's limit of open files to the most the system allows, and return it. Every hall
    screen and phone holds two descriptors (simple-websocket duplicates the socket under gevent), so the
    usual soft limit of 1,024 would refuse connections past about 500 (bench/national_day.py found it)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a Tabour hall.")
    parser.add_argument("--config", default=os.environ.get("TABOUR_CONFIG", "config.yaml"))
    parser.add_argument("--host", default=os.environ.get("TABOUR_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("TABOUR_PORT", "8000")))
    parser.add_argument("--public-url", help="address printed in QR codes and links (or TABOUR_PUBLIC_URL)")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations speak only when something is wrong
    allowed = open_files_allowed()
    if allowed < 16384:
        logging.getLogger("tabour").warning(
            "this process may open %d files: about %d screens and phones at once (LimitNOFILE, docs/operations.md)",
            allowed,
            allowed // 2 - 100,
        )

    from queue_app import create_app, first_run
    from queue_app.bootstrap import follow_served_address, settings_from_environment
    from queue_app.settings import ConfigError

    if args.public_url:
        os.environ["TABOUR_PUBLIC_URL"] = args.public_url
    try:
        settings, is_first_run = settings_from_environment(args.config)
    except ConfigError as error:
        print(f"config error in {args.config}: {error}", file=sys.stderr)
        return 2
    if not args.public_url and not os.environ.get("TABOUR_PUBLIC_URL"):
        settings = follow_served_address(settings, args.host, args.port)
    # The database is migrated by a short-lived child process: Alembic, Mako and the migration scripts
    # (~30 MB) would otherwise stay resident in the server for its whole life (docs/benchmarks.md).
    migration = subprocess.run(
        [sys.executable, "-m", "queue_app.store.migrate"],
        env={**os.environ, "TABOUR_MIGRATE_URL": settings.database_url},
        check=False,
    )
    if migration.returncode != 0:
        print("the database could not be migrated (see above)", file=sys.stderr)
        return 1
    app = create_app(settings, migrate=False)
    lines = first_run.prepare(app)
    if is_first_run:
        lines.insert(0, f"First run: a secret key was generated in {settings.instance_path}/secret_key")
    for line in [*lines, *first_run.screen_links(app)]:
        print(line, flush=True)
    server = WSGIServer(
        listening_socket(args.host, args.port),
        app,
        log="default" if args.access_log else None,
        handler_class=FairHandler,
    )
    # A stop asked for at any moment from here on is kept until the server runs: calling server.stop()
    # from the handler before serve_forever() started was lost (serve_forever started it again), so a
    # SIGTERM during start-up left the process running (found by tests/test_run_addresses.py, busy).
    stopping = gevent.event.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    from queue_app import workers

    workers.start(app)
    # What start-up built lives as long as the process: keep it out of the collector's full passes, each
    # of which walked all of it (a ~60 ms pause every few seconds under load, docs/benchmarks.md).
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    server.start()
    stopping.wait()
    server.stop(timeout=2)
    workers.stop(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
