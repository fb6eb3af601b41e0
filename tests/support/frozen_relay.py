"""A TCP relay in front of a real server that can be frozen: while frozen it keeps every connection open
and accepts new ones but passes no byte on, which is how a server stopped with SIGSTOP (or cut off behind
a dead switch) looks from outside: connected and silent. The shared PostgreSQL of the tests is never
stopped itself."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from tests.support.server import free_port


class FrozenRelay:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.frozen = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            self._sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.frozen.is_set() and not self._closed:
                    time.sleep(0.05)  # held: the other side hears nothing
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() under way, which a close does not
        self._listener.close()
        for end in self._sockets:  # shut down first: a close alone leaves a socket another thread reads open
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()
