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


ANSWER = b"HTTP/1.1 200"  # the start of one answer of /healthz (its body may list the dependencies)


def read_answers(sock: socket.socket, count: int, deadline: float) -> bytes:
    """Read until `count` whole answers have arrived."""
    data = b""
    while data.count(ANSWER) < count and time.monotonic() < deadline:
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
        assert answer.startswith(b"HTTP/1.1 200") and answer.count(ANSWER) == 1
        busy.setblocking(False)
        answered_before = started
        try:
            while chunk := busy.recv(1 << 20):
                answered_before += chunk
        except BlockingIOError:
            pass
        busy.setblocking(True)
        answered = answered_before.count(ANSWER)
        served_first = answered - started.count(ANSWER)  # answered while the other connection waited
        # Without FairHandler 199 of the 200 went first; with it, 0-2 on a quiet machine and up to ~50 on a
        # loaded one (the test's own client is slowed too). The bound separates the two with a wide margin;
        # how quickly the other is served is a timing, and belongs to bench/issue.py.
        assert served_first < PIPELINED * 3 // 4, f"{served_first} of the busy connection's requests went first"
        # and the busy connection still gets every answer
        rest = read_answers(busy, PIPELINED - answered, time.monotonic() + 30)
        assert answered + rest.count(ANSWER) == PIPELINED
    finally:
        busy.close()
        other.close()
