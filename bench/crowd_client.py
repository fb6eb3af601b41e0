"""Load generator for bench/national_day.py: hall screens on `/hall` and visitors' phones on `/track`,
over raw asyncio websockets (bench/fanout_client.py's minimal Engine.IO v4 / Socket.IO v5 client).

A phone behaves as queue_app/static/visitor/track.js does: it follows its ticket's room; on
`ticket_changed` it re-reads its ticket over HTTP at once, on `place_changed` it redraws from the frame
(counted, no request). The re-reads go through a few keep-alive connections per loader process (the
load on the server is the requests; a real phone would bring its own connection). Arrival times are
time.monotonic() (system-wide on Linux: comparable with the driver's).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fanout_client import _frame, _read, _ws_connect


class HttpPool:
    """A few keep-alive HTTP/1.1 connections per server, taking GETs in turn; latencies and statuses."""

    def __init__(self, targets: list[tuple[str, int]], per_target: int = 6) -> None:
        self.queue: asyncio.Queue[tuple[int, str, asyncio.Future[int]]] = asyncio.Queue()
        self.targets = targets
        self.per_target = per_target
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}

    def start(self) -> list[asyncio.Task[None]]:
        return [
            asyncio.create_task(self._worker(i % len(self.targets))) for i in range(self.per_target * len(self.targets))
        ]

    async def get(self, path: str) -> int:
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        await self.queue.put((0, path, done))
        return await done

    async def _worker(self, index: int) -> None:
        host, port = self.targets[index]
        reader = writer = None
        while True:
            _, path, done = await self.queue.get()
            started = time.monotonic()
            status = 0
            for _attempt in range(2):
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                    assert reader is not None
                    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: application/json\r\n\r\n"
                    writer.write(request.encode())
                    await writer.drain()
                    head = await reader.readuntil(b"\r\n\r\n")
                    status = int(head.split(b" ", 2)[1])
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":", 1)[1])
                    await reader.readexactly(length)
                    break
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    writer = None  # a dropped keep-alive connection: once more on a new one
            self.latencies.append(time.monotonic() - started)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if not done.done():
                done.set_result(status)


class Socket:
    """One Socket.IO client in one namespace: a screen (`/hall`, a device token) or a phone (`/track`)."""

    def __init__(self, target: tuple[str, int], namespace: str, auth: dict[str, str], tag: str) -> None:
        self.target, self.namespace, self.auth, self.tag = target, namespace, auth, tag
        self.ready = asyncio.Event()
        self.failed: str | None = None
        self.events: list[tuple[float, str, dict[str, Any]]] = []  # (arrival, event, payload): calls and turns
        self.place_frames = 0
        self.tasks: set[asyncio.Task[None]] = set()  # re-reads under way (a reference keeps each alive)

    async def run(self, stop: asyncio.Event, pool: HttpPool | None) -> None:
        prefix = f"42{self.namespace},".encode()
        try:
            reader, writer = await _ws_connect(*self.target)
            _, opened = await _read(reader)
            assert opened.startswith(b"0"), opened
            writer.write(_frame(f"40{self.namespace}," + json.dumps(self.auth)))
            await writer.drain()
        except Exception as error:  # reported as a failed connection
            self.failed = repr(error)
            self.ready.set()
            return
        try:
            while not stop.is_set():
                opcode, data = await _read(reader)
                now = time.monotonic()
                if opcode == 8:
                    break
                if data == b"2":
                    writer.write(_frame("3"))
                elif data.startswith(f"40{self.namespace}".encode()):
                    self.ready.set()
                elif data.startswith(f"44{self.namespace}".encode()):
                    self.failed = data.decode()
                    self.ready.set()
                    break
                elif data.startswith(prefix):
                    name, payload = json.loads(data[len(prefix) :])[:2]
                    if name in ("ticket_called", "ticket_changed"):
                        self.events.append((now, name, payload))
                    if pool is not None and name == "ticket_changed":
                        self._spawn(self._reread(pool))
                    elif name == "place_changed":
                        self.place_frames += 1
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.ready.set()
            writer.close()

    def _spawn(self, work: Any) -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _reread(self, pool: HttpPool) -> None:
        await pool.get(f"/api/v1/tickets/{self.auth['tracking_code']}")


async def _main(targets: list[tuple[str, int]], screens: list[tuple[str, str]], phones: list[str], pipe: Any) -> None:
    """screens: (centre, device token); phones: tracking codes."""
    stop = asyncio.Event()
    pool = HttpPool(targets)
    workers = pool.start()

    def target(index: int) -> tuple[str, int]:
        return targets[index % len(targets)]

    sockets = [Socket(target(i), "/hall", {"token": token}, centre) for i, (centre, token) in enumerate(screens)]
    sockets += [Socket(target(i), "/track", {"tracking_code": code}, code) for i, code in enumerate(phones)]
    tasks = []
    for start in range(0, len(sockets), 50):  # in batches: no SYN flood
        batch = sockets[start : start + 50]
        tasks.extend(asyncio.create_task(s.run(stop, pool if s.namespace == "/track" else None)) for s in batch)
        waits = [asyncio.create_task(s.ready.wait()) for s in batch]
        await asyncio.wait(waits, timeout=60)
        for socket in batch:
            if not socket.ready.is_set():
                socket.failed = "no answer to the connect within 60 s"
    failed = [s.failed for s in sockets if s.failed]
    pipe.send({"ready": len(sockets) - len(failed), "failed": failed[:3], "failures": len(failed)})
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, pipe.recv)  # the driver says when the day is over
    await asyncio.sleep(1.5)  # the last re-reads
    stop.set()
    hall = [s for s in sockets if s.namespace == "/hall"]
    track = [s for s in sockets if s.namespace == "/track" and s.events]
    pipe.send(
        {
            "screens": {s.tag: [(at, p["number"]) for at, _n, p in s.events] for s in hall},
            "phones": {s.tag: [at for at, _n, p in s.events if p.get("status") == "called"] for s in track},
            "place_frames": sum(s.place_frames for s in sockets),
            "reads": len(pool.latencies),
            "read_latencies": pool.latencies,
            "read_statuses": pool.statuses,
        }
    )
    for task in [*tasks, *workers]:
        task.cancel()


def loader(targets: list[tuple[str, int]], screens: list[tuple[str, str]], phones: list[str], pipe: Any) -> None:
    """Entry point of one load-generator process."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(_main(targets, screens, phones, pipe))
