"""A network thermal printer stand-in: a real TCP server on 127.0.0.1 that records what it receives.

It answers DLE EOT real-time status queries with configurable bytes, and can be stopped and started
again on the same port, like a printer switched off and on.
"""

from __future__ import annotations

import socket
import threading
import time

DLE_EOT = b"\x10\x04"
STATUS_N = b"\x01\x02\x03\x04"  # the n of DLE EOT n

#: DLE EOT replies (n=1 printer, 2 offline cause, 3 error cause, 4 paper sensor) per printer state.
STATUS_BYTES: dict[str, dict[int, int]] = {
    "online": {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
    "paper_out": {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72},
    "cover_open": {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12},
}


class FakePrinter:
    """Captures the bytes of each TCP connection in ``connections`` (appended when it closes)."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.state = "online"
        self.answer_status = True
        self.connections: list[bytes] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._clients: list[socket.socket] = []
        self._running = threading.Event()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakePrinter:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        listener.settimeout(0.05)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._running.set()
        thread = threading.Thread(target=self._accept_loop, args=(listener,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Close the port (new connections are refused) and drop open connections."""
        self._running.clear()
        for thread in self._threads:
            thread.join(2)
        self._threads.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    # -- what the tests look at ----------------------------------------------------------------
    @property
    def jobs(self) -> list[bytes]:
        """Connections that carried print data (status-only connections left out)."""
        with self._lock:
            return [data for data in self.connections if data.replace(DLE_EOT, b"").strip(STATUS_N)]

    def wait_for_jobs(self, count: int, timeout: float = 15.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.jobs) >= count:
                return self.jobs
            time.sleep(0.01)
        raise AssertionError(f"fake printer got {len(self.jobs)} jobs, expected {count}")

    # -- server --------------------------------------------------------------------------------
    def _accept_loop(self, listener: socket.socket) -> None:
        clients: list[threading.Thread] = []
        while self._running.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            clients.append(thread)
        for thread in clients:
            thread.join(2)

    def _serve(self, conn: socket.socket) -> None:
        received = bytearray()
        scanned = 0
        conn.settimeout(0.05)
        with conn:
            while self._running.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                received += chunk
                scanned = self._answer_status(conn, received, scanned)
        with self._lock:
            self.connections.append(bytes(received))

    def _answer_status(self, conn: socket.socket, received: bytearray, start: int) -> int:
        """Reply to every complete DLE EOT n seen since ``start``; return where to resume."""
        index = max(0, start)
        while True:
            found = received.find(DLE_EOT, index)
            if found < 0 or found + 2 >= len(received):
                return max(index, len(received) - 2)
            n = received[found + 2]
            if self.answer_status and n in STATUS_BYTES[self.state]:
                conn.sendall(bytes((STATUS_BYTES[self.state][n],)))
            index = found + 3
