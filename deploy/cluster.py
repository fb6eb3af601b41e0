"""Serve one hall from several server processes behind nginx: `make cluster PROCESSES=4`.

Needs PostgreSQL (TABOUR_DATABASE_URL) and Redis (TABOUR_REDIS_URL): the processes share the data and
the bus. The first process starts alone (it migrates the database and, on a first run, creates the
secret key and the administrator), then the others, each on its own port of 127.0.0.1, then nginx
(Debian's package) on the public port with deploy/nginx.conf.template. Every process believes one proxy
(TABOUR_TRUSTED_PROXIES=1), so visitors' addresses are theirs, not nginx's. A server process that dies
is started again (nginx serves the hall from the others meanwhile). Ctrl-C stops them all.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
MAX_RESTARTS = 5  # server processes restarted within RESTART_WINDOW seconds before the cluster gives up
RESTART_WINDOW = 60.0


def nginx_config(prefix: Path, listen: str, ports: list[int]) -> str:
    # max_fails=0: nginx never takes a process out of the pool for a failed connect. With its default
    # (out for 10 s after one failure), killing the process that held every client, just after the
    # other had itself restarted, left "no live upstreams" for 15-45 s (bench/resync.py); a refused
    # connect on loopback costs nothing, and nginx passes the request to the next process at once.
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=0;" for port in ports)
    text = TEMPLATE.read_text(encoding="utf-8")
    return text.replace("@PREFIX@", str(prefix)).replace("@LISTEN@", listen).replace("@SERVERS@", servers)


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server process on port {port} stopped (exit {process.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server process on port {port} did not become healthy in {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--host", default="0.0.0.0", help="where nginx listens")
    parser.add_argument("--port", type=int, default=8000, help="nginx's port (the hall's address)")
    parser.add_argument("--first-port", type=int, default=8101, help="the processes use this port and the next")
    parser.add_argument("--config", default=os.environ.get("TABOUR_CONFIG", str(ROOT / "config.yaml")))
    parser.add_argument("--instance", default=os.environ.get("TABOUR_INSTANCE", str(ROOT / "instance")))
    parser.add_argument("--public-url", default=os.environ.get("TABOUR_PUBLIC_URL"))
    args = parser.parse_args(argv)
    for name in ("TABOUR_DATABASE_URL", "TABOUR_REDIS_URL"):
        if not os.environ.get(name, "").strip():
            raise SystemExit(f"{name} is not set: several processes need PostgreSQL and Redis (docs/operations.md)")
    if os.environ["TABOUR_DATABASE_URL"].startswith("sqlite"):
        raise SystemExit("TABOUR_DATABASE_URL is SQLite: several processes need PostgreSQL")

    instance = Path(args.instance).resolve()
    prefix = instance / "cluster"
    for folder in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (prefix / folder).mkdir(parents=True, exist_ok=True)
    listen = f"{args.host}:{args.port}"
    ports = [args.first_port + n for n in range(args.processes)]
    (prefix / "nginx.conf").write_text(nginx_config(prefix, listen, ports), encoding="utf-8")
    public_url = args.public_url or f"http://{'127.0.0.1' if args.host == '0.0.0.0' else args.host}:{args.port}"
    env = {**os.environ, "TABOUR_INSTANCE": str(instance), "TABOUR_TRUSTED_PROXIES": "1"}

    children: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def start(port: int) -> subprocess.Popen[bytes]:
        command = [sys.executable, str(ROOT / "run.py"), "--config", args.config, "--host", "127.0.0.1"]
        command += ["--port", str(port), "--public-url", public_url]
        return subprocess.Popen(command, cwd=ROOT, env=env)

    servers: dict[int, subprocess.Popen[bytes]] = {}
    for n, port in enumerate(ports):
        servers[port] = start(port)
        children.append(servers[port])
        if n == 0:
            wait_healthy(port, servers[port])  # migrations and the first run happen once, here
    for port, child in servers.items():
        wait_healthy(port, child)
    nginx = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"])
    children.append(nginx)
    print(f"Tabour cluster: {args.processes} processes ({ports[0]}-{ports[-1]}) behind nginx on {listen}", flush=True)
    restarts: list[float] = []
    while nginx.poll() is None:
        time.sleep(1)
        for port, child in list(servers.items()):
            if child.poll() is None:
                continue
            # as systemd's Restart=always: nginx sends the hall to the others meanwhile, and the screens
            # and phones of the dead process reconnect through it; a process that keeps dying stops it all
            now = time.monotonic()
            restarts = [at for at in restarts if now - at < RESTART_WINDOW] + [now]
            if len(restarts) > MAX_RESTARTS:
                print(
                    f"server processes stopped {len(restarts)} times in a minute: stopping the cluster", file=sys.stderr
                )
                stop()
            print(
                f"the server process on port {port} stopped (exit {child.returncode}): starting it again",
                file=sys.stderr,
            )
            children.remove(child)
            servers[port] = start(port)
            children.insert(0, servers[port])
    print("nginx stopped: stopping the cluster", file=sys.stderr)
    stop()
    return 1


if __name__ == "__main__":
    sys.exit(main())
