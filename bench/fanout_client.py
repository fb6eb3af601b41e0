"""Load generator for bench/fanout.py: many Socket.IO clients in `/hall`, over raw asyncio websockets.

A minimal Engine.IO v4 / Socket.IO v5 client (websocket transport only, text frames): a thread per
client (python-socketio's Client) would measure the client, not the server. Each message's arrival time
(time.monotonic, system-wide on Linux, so comparable with the driver process) is taken before parsing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time
from typing import Any


async def _ws_connect(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise ConnectionError(head[:200])
    return reader, writer


async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    b1, b2 = await reader.readexactly(2)
    length = b2 & 0x7F
    if length == 126:
        length = struct.unpack(">H", await reader.readexactly(2))[0]
    elif length == 127:
        length = struct.unpack(">Q", await reader.readexactly(8))[0]
    return b1 & 0x0F, await reader.readexactly(length)


def _frame(text: str) -> bytes:
    data = text.encode()
    mask = os.urandom(4)
    head = bytes([0x81])
    if len(data) < 126:
        head += bytes([0x80 | len(data)])
    else:
        head += bytes([0x80 | 126]) + struct.pack(">H", len(data))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


class Client:
    def __init__(self, host: str, port: int, auth: dict[str, str]) -> None:
        self.host, self.port, self.auth = host, port, auth
        self.received: list[tuple[float, bytes]] = []
        self.ready = asyncio.Event()
        self.failed: str | None = None

    async def run(self, stop: asyncio.Event) -> None:
        try:
            reader, writer = await _ws_connect(self.host, self.port)
            _, opened = await _read(reader)
            assert opened.startswith(b"0"), opened
            writer.write(_frame("40/hall," + json.dumps(self.auth)))
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
                elif data.startswith(b"40/hall"):
                    self.ready.set()
                elif data.startswith(b"44/hall"):
                    self.failed = data.decode()
                    self.ready.set()
                    break
                elif data.startswith(b'42/hall,["ticket_called"'):
                    self.received.append((now, data))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            self.ready.set()
            writer.close()


async def _main(targets: list[tuple[str, int]], auth: dict[str, str], count: int, pipe: Any) -> None:
    stop = asyncio.Event()
    clients = [Client(*targets[i % len(targets)], auth) for i in range(count)]
    tasks = []
    for start in range(0, count, 50):  # open in batches so the server is not hit by a SYN flood
        batch = clients[start : start + 50]
        tasks.extend(asyncio.create_task(c.run(stop)) for c in batch)
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in batch)), timeout=60)
    failed = [c.failed for c in clients if c.failed]
    pipe.send({"ready": count - len(failed), "failed": failed[:3]})
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, pipe.recv)  # the driver says when the calls are over
    stop.set()
    results: dict[str, list[float]] = {}
    for client in clients:
        for at, data in client.received:
            payload = json.loads(data[len(b"42/hall,") :])[1]
            results.setdefault(str(payload["number"]), []).append(at)
    pipe.send({"received": results, "clients": count - len(failed)})
    for task in tasks:
        task.cancel()


def loader(targets: list[tuple[str, int]], auth: dict[str, str], count: int, pipe: Any) -> None:
    """Entry point of one load-generator process."""
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(_main(targets, auth, count, pipe))
