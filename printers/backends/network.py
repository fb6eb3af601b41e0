"""Network printers (raw TCP, port 9100): a short connection per job, status through DLE EOT."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

from printers.backends.base import (
    DLE_EOT,
    STATUS_OFFLINE_CAUSE,
    STATUS_PAPER,
    STATUS_PRINTER,
    PrinterStatus,
    coerce,
    decode_status,
    require,
)
from printers.errors import PrinterConfigError, PrinterUnavailable


class NetworkBackend:
    """Sends each job on its own TCP connection; a dead link costs one connect timeout, no more."""

    name = "network"

    def __init__(
        self,
        host: str,
        port: int = 9100,
        timeout: float = 3.0,
        status_timeout: float = 0.5,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.status_timeout = status_timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NetworkBackend:
        """``{backend: network, host, port=9100, timeout=3, status_timeout=0.5}``."""
        host = require(config, "host", str, cls.name).strip()
        port = coerce(config, "port", int, cls.name, 9100)
        if not host:
            raise PrinterConfigError(f"printer backend {cls.name!r}: host is empty")
        if not 0 < port < 65536:
            raise PrinterConfigError(f"printer backend {cls.name!r}: port={port} is not between 1 and 65535")
        return cls(
            host=host,
            port=port,
            timeout=coerce(config, "timeout", float, cls.name, 3.0),
            status_timeout=coerce(config, "status_timeout", float, cls.name, 0.5),
        )

    def __repr__(self) -> str:
        return f"NetworkBackend({self.host}:{self.port})"

    def _connect(self, timeout: float) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except OSError as exc:
            raise PrinterUnavailable(f"cannot connect to printer {self.host}:{self.port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def send(self, data: bytes) -> None:
        """Connect, send every byte, close; any socket error becomes PrinterUnavailable."""
        sock = self._connect(self.timeout)
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PrinterUnavailable(f"printer {self.host}:{self.port} dropped the job: {exc}") from exc
        finally:
            sock.close()

    def _query(self, sock: socket.socket, n: int) -> int | None:
        """Send DLE EOT ``n`` and wait briefly for the one-byte reply."""
        try:
            sock.sendall(DLE_EOT + bytes((n,)))
            reply = sock.recv(1)
        except OSError:  # includes the timeout: a printer that does not answer
            return None
        return reply[0] if reply else None

    def status(self) -> PrinterStatus:
        """Real-time status (DLE EOT 1, 2, 4); ``offline`` if unreachable, ``unknown`` if silent."""
        try:
            sock = self._connect(min(self.timeout, max(self.status_timeout, 0.1) * 2))
        except PrinterUnavailable:
            return PrinterStatus.OFFLINE
        try:
            sock.settimeout(self.status_timeout)
            printer = self._query(sock, STATUS_PRINTER)
            if printer is None:
                return PrinterStatus.UNKNOWN
            offline_cause = self._query(sock, STATUS_OFFLINE_CAUSE)
            paper = self._query(sock, STATUS_PAPER)
            return decode_status(printer, offline_cause, paper)
        finally:
            sock.close()
