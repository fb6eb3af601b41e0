"""An in-memory printer: keeps every job's bytes in ``sent``; for tests and demos without hardware."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from printers.backends.base import PrinterStatus
from printers.errors import PrinterUnavailable


class MemoryBackend:
    """Appends each job to ``sent``; ``online = False`` makes it refuse jobs like a switched-off printer."""

    name = "memory"

    def __init__(self) -> None:
        self.sent: list[bytes] = []
        self.online = True
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MemoryBackend:
        """``{backend: memory}``: no other keys."""
        return cls()

    def send(self, data: bytes) -> None:
        with self._lock:
            if not self.online:
                raise PrinterUnavailable("memory printer is switched off")
            self.sent.append(bytes(data))

    def status(self) -> PrinterStatus:
        return PrinterStatus.ONLINE if self.online else PrinterStatus.OFFLINE
