"""Shared pieces of the HTTP benchmarks: a keep-alive load generator and a real Tabour server.

The load generator (`run_load`) starts one process per client. Each client opens ONE keep-alive
HTTP/1.1 connection with TCP_NODELAY, waits for a common start signal, then loops over its own list of
requests (`HttpRequest`, cycled) on a raw socket and records the latency of every request. Raw sockets
keep the clients' CPU cost small: on a 2-core machine they share the CPU with the server.

    from common import HttpRequest, TabourServer, run_load

    with TabourServer(config=path) as server:          # run.py on a free port, SQLite in a temp dir
        staff = server.staff_header("clerk1")          # {"Authorization": "Bearer ..."} (API token)
        kiosk = server.device_header("kiosk", "k2")    # a kiosk's device token from the first-run output
        plans = [[HttpRequest("POST", f"/api/v1/centres/test/counters/{c}/call-next", headers=staff)] for c in codes]
        result = run_load(server.port, plans, requests_per_client=500)
        print(result.summary())                        # {"requests", "per_second", "p50_ms", "p99_ms", ...}
        result.statuses                                # Counter of HTTP status codes, e.g. {200: 4000}

`plans[i]` is what client i sends, cycled: one plan per client (so `len(plans)` is the number of
clients). `summary()` counts requests slower than 40 ms (`over_40ms`): the signature of Nagle's
algorithm meeting a delayed ACK on a keep-alive connection, which a healthy server never shows.
Client processes are forked (no `if __name__ == "__main__"` guard is needed); only the standard
library is imported here.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STALL_MS = 40.0


# --- requests and results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    """One request of a client's plan. `body` is sent as JSON when it is not None."""

    method: str
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self, host: str) -> bytes:
        payload = b"" if self.body is None else json.dumps(self.body).encode()
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(payload)}"]
        if self.body is not None:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class LoadResult:
    """Every request's latency (ms), the status codes, and the wall time from start to last answer."""

    latencies_ms: list[float]
    statuses: Counter[int]
    seconds: float
    errors: list[str]

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]

    def summary(self) -> dict[str, float]:
        return {
            "requests": self.count,
            "per_second": self.count / self.seconds if self.seconds else 0.0,
            "p50_ms": self.percentile(50),
            "p99_ms": self.percentile(99),
            "max_ms": max(self.latencies_ms, default=float("nan")),
            "over_40ms": sum(1 for x in self.latencies_ms if x > STALL_MS),
        }


def medians(summaries: list[dict[str, float]]) -> dict[str, float]:
    """Per key, the median over repeated runs."""
    return {key: statistics.median(s[key] for s in summaries) for key in summaries[0]}


# --- the client process -------------------------------------------------------------------------------


class _Connection:
    """A keep-alive HTTP/1.1 client on a raw socket (TCP_NODELAY), enough for our JSON API."""

    def __init__(self, host: str, port: int) -> None:
        self.address = (host, port)
        self.sock: socket.socket | None = None
        self.buffer = b""

    def connect(self) -> None:
        self.sock = socket.create_connection(self.address, timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def _take_line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def exchange(self, raw: bytes) -> tuple[int, bytes, bool]:
        """Send one request, read one response: (status, body, server wants to close)."""
        if self.sock is None:
            self.connect()
        assert self.sock is not None
        self.sock.sendall(raw)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        if headers.get(b"transfer-encoding") == b"chunked":
            body = b""
            while True:
                size = int(self._take_line().split(b";")[0], 16)
                if size == 0:
                    self._take_line()
                    break
                body += self._take(size)
                self._take_line()
        else:
            body = self._take(int(headers.get(b"content-length", b"0")))
        return status, body, headers.get(b"connection") == b"close"


def _client(
    host: str,
    port: int,
    plan: list[HttpRequest],
    requests: int,
    duration: float,
    ready: Any,
    go: Any,
    results: Any,
) -> None:
    raws = [r.encode(f"{host}:{port}") for r in plan]
    connection = _Connection(host, port)
    latencies = array("d")
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    connection.connect()
    ready.release()
    go.wait()
    started = time.monotonic()
    deadline = started + duration if duration else float("inf")
    i = 0
    try:
        while i < requests and time.monotonic() < deadline:
            sent = time.perf_counter()
            status, body, close = connection.exchange(raws[i % len(raws)])
            latencies.append((time.perf_counter() - sent) * 1000)
            statuses[status] += 1
            if status >= 500 and len(errors) < 5:
                errors.append(f"{status} {body[:200]!r}")
            if close:
                connection.connect()
            i += 1
    except Exception as error:  # a broken client is reported, not hidden
        errors.append(f"client stopped after {i} requests: {error!r}")
    results.put((latencies.tobytes(), dict(statuses), started, time.monotonic(), errors))


def run_load(
    port: int,
    plans: list[list[HttpRequest]],
    *,
    requests_per_client: int = 10**9,
    duration: float = 0.0,
    host: str = "127.0.0.1",
) -> LoadResult:
    """Run one client process per plan against host:port until each client has sent
    `requests_per_client` requests or `duration` seconds have passed (0: no time limit)."""
    ctx = mp.get_context("fork")  # no __main__ guard needed in the bench scripts
    ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=_client, args=(host, port, plan, requests_per_client, duration, ready, go, results))
        for plan in plans
    ]
    for worker in workers:
        worker.start()
    for _ in workers:
        if not ready.acquire(timeout=60):
            raise RuntimeError("a client process did not connect")
    go.set()
    collected = [results.get(timeout=max(600.0, duration * 3)) for _ in workers]
    for worker in workers:
        worker.join()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: list[str] = []
    for raw, codes, _start, _end, errs in collected:
        values = array("d")
        values.frombytes(raw)
        latencies.extend(values)
        statuses.update(codes)
        errors.extend(errs)
    seconds = max(c[3] for c in collected) - min(c[2] for c in collected)
    return LoadResult(latencies, statuses, seconds, errors)


# --- servers -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS from /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (from /proc/<pid>/stat): a figure that, unlike
    throughput, hardly moves when other work shares the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def append_results(name: str, results: list[dict[str, Any]]) -> None:
    """Append each result, with the time, as a JSON line to bench/results/<name>.jsonl."""
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    with open(out / f"{name}.jsonl", "a") as handle:
        for result in results:
            handle.write(json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S"), **result}) + "\n")


def bench_config(
    daily_cap: int = 9999, counters: int | None = None, base: Path | None = None, printers: bool = True
) -> Path:
    """The small test config with daily caps high enough for long runs, written to a temp file.
    `base` is another config to start from; `printers=False` drops the kiosks' printers;
    `counters=N` replaces centre `test`'s counters by N counters that each serve every service."""
    text = (base or ROOT / "tests" / "fixtures" / "small_config.yaml").read_text()
    text = re.sub(r"daily_cap: \d+", f"daily_cap: {daily_cap}", text)
    if not printers:
        text = re.sub(r"\n +printer: \{[^}]*\}", "", text)
    if counters:
        head, rest = text.split("    counters:\n", 1)
        tail = rest[rest.index("    displays:\n") :]
        block = "".join(
            f'      - code: "{i}"\n'
            f'        names: {{ar: "كاونتر {i}", en: "Counter {i}", ur: "کاؤنٹر {i}"}}\n'
            "        zone: main\n"
            "        services: [traffic, residency, civil-id, medical]\n"
            for i in range(1, counters + 1)
        )
        text = head + "    counters:\n" + block + tail
    handle, name = tempfile.mkstemp(prefix="tabour-bench-", suffix=".yaml")
    os.close(handle)
    Path(name).write_text(text)
    return Path(name)


class TabourServer:
    """`run.py` (gevent, TCP_NODELAY listener) in its own process on a free port, with its own instance
    dir (SQLite there unless `database_url`). Device tokens are parsed from the first-run output."""

    def __init__(
        self,
        config: Path | None = None,
        instance: Path | None = None,
        database_url: str | None = None,
        extra_env: dict[str, str] | None = None,
        root: Path | None = None,
    ) -> None:
        self.root = root or ROOT  # another checkout (a baseline commit) serves with its own run.py
        self.config = config or ROOT / "tests" / "fixtures" / "small_config.yaml"
        self._tmp = None if instance else tempfile.TemporaryDirectory(prefix="tabour-bench-")
        self.instance = instance or Path(self._tmp.name)  # type: ignore[union-attr]
        self.database_url = database_url or f"sqlite:///{self.instance / 'tabour.db'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tokens: dict[tuple[str, str, str], str] = {}
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[str] | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_")}
        env.update(
            TABOUR_INSTANCE=str(self.instance),
            TABOUR_CONFIG=str(self.config),
            TABOUR_SECRET_KEY="bench-secret-key",
            TABOUR_DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
            **self.extra_env,
        )
        return env

    def start(self) -> TabourServer:
        command = [PYTHON, str(self.root / "run.py"), "--config", str(self.config), "--port", str(self.port)]
        command += ["--public-url", self.url]
        log = open(self.instance / "server.log", "a")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(
            command, cwd=self.root, env=self.env(), stdout=subprocess.PIPE, stderr=log, text=True
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            paired = re.match(r"\s+(\S+) (kiosk|display) (\S+): \S+/pair/(\S+)", line)
            if paired:
                centre, kind, code, token = paired.groups()
                self.tokens[(centre, kind, code)] = token
            if line.startswith("Tabour is serving on"):
                break
        else:
            raise RuntimeError(f"server exited: see {log.name}")
        wait_http(self.url + "/healthz")
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def device_header(self, kind: str, code: str, centre: str = "test") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[(centre, kind, code)]}"}

    def staff_header(self, username: str, role: str = "clerk", centre: str | None = "test") -> dict[str, str]:
        """Create a user with the Flask CLI and return the Authorization header of an API token."""
        password = "counters-call-fast-2026"
        args = [PYTHON, "-m", "flask", "--app", "queue_app", "users", "add", username, "--role", role]
        args += ["--centre", centre] if centre else []
        subprocess.run(
            args, cwd=self.root, env=self.env(), input=password + "\n", check=True, capture_output=True, text=True
        )
        request = urllib.request.Request(
            self.url + "/api/v1/auth/token",
            data=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request) as answer:
            return {"Authorization": f"Bearer {json.load(answer)['token']}"}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> TabourServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class FloorServer:
    """bench/floor.py (bare Flask + gevent, one SQLite upsert + insert) in its own process."""

    def __init__(self, engine: str = "raw") -> None:
        self.engine = engine
        self._tmp = tempfile.TemporaryDirectory(prefix="tabour-floor-")
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> FloorServer:
        command = [PYTHON, str(ROOT / "bench" / "floor.py"), "--port", str(self.port)]
        command += ["--database", str(Path(self._tmp.name) / "floor.db"), "--engine", self.engine]
        self.process = subprocess.Popen(command, cwd=ROOT)
        wait_http(f"http://127.0.0.1:{self.port}/healthz")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self._tmp.cleanup()

    def __enter__(self) -> FloorServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
