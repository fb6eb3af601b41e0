"""The server takes its connections in turn: one busy keep-alive connection cannot hold the others up.

gevent serves a connection's next request at once when it has already arrived; without run.py's
FairHandler a client that keeps its connection full (a script, a kiosk retrying, pipelined requests)
was served request after request while every other connection waited (the >40 ms answers of
docs/benchmarks.md). Here connection A pipelines many requests in one write and connection B then asks
once: B must be answered long before A's requests are all done.
"""

from __future__ import annotations

import socket
import time

from tests.support.server import LiveServer

PIPELINED = 200


def connect(server: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def request(server: LiveServer) -> bytes:
    return f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()


def whole_answers(data: bytes) -> int:
    """How many complete HTTP answers (headers and Content-Length body) `data` holds."""
    count, at = 0, 0
    while (end := data.find(b"\r\n\r\n", at)) >= 0:
        headers = data[at:end].lower()
        length = int(headers.split(b"content-length:")[1].split(b"\r\n")[0]) if b"content-length:" in headers else 0
        if len(data) < end + 4 + length:
            break
        count, at = count + 1, end + 4 + length
    return count


def read_answers(sock: socket.socket, count: int, deadline: float) -> bytes:
    """Read until `count` whole answers have arrived."""
    data = b""
    while whole_answers(data) < count and time.monotonic() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_a_busy_connection_does_not_hold_up_the_others(live_server: LiveServer):
    busy, other = connect(live_server), connect(live_server)
    try:
        # both connections are open and idle; warm both once
        for sock in (busy, other):
            sock.sendall(request(live_server))
            read_answers(sock, 1, time.monotonic() + 10)
        busy.sendall(request(live_server) * PIPELINED)
        started = read_answers(busy, 1, time.monotonic() + 10)  # the busy connection is being served now
        other.sendall(request(live_server))
        answer = read_answers(other, 1, time.monotonic() + 10)
        assert answer.startswith(b"HTTP/1.1 200") and whole_answers(answer) == 1  # (the body may vary)
        busy.setblocking(False)
        answered_before = started
        try:
            while chunk := busy.recv(1 << 20):
                answered_before += chunk
        except BlockingIOError:
            pass
        busy.setblocking(True)
        answered = whole_answers(answered_before)
        served_first = answered - whole_answers(started)  # answered while the other connection waited
        # Without FairHandler 199 of the 200 went first; with it, 0-2 on a quiet machine and up to ~50 on a
        # loaded one (the test's own client is slowed too). The bound separates the two with a wide margin;
        # how quickly the other is served is a timing, and belongs to bench/issue.py.
        assert served_first < PIPELINED * 3 // 4, f"{served_first} of the busy connection's requests went first"
        # and the busy connection still gets every answer
        deadline = time.monotonic() + 30
        while whole_answers(answered_before) < PIPELINED and time.monotonic() < deadline:
            chunk = busy.recv(1 << 20)
            if not chunk:
                break
            answered_before += chunk
        assert whole_answers(answered_before) == PIPELINED
    finally:
        busy.close()
        other.close()
