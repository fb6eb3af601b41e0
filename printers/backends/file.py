"""Printers exposed as a device file (``/dev/usb/lp0``, a parallel port) or a plain file for captures."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from printers.backends.base import PrinterStatus, require
from printers.errors import PrinterUnavailable


class FileBackend:
    """Writes each job to ``path`` (appending for regular files); the link is one-way."""

    name = "file"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FileBackend:
        """``{backend: file, path: /dev/usb/lp0}``."""
        return cls(require(config, "path", str, cls.name))

    def send(self, data: bytes) -> None:
        try:
            with self.path.open("ab", buffering=0) as device:
                device.write(data)
        except OSError as exc:
            raise PrinterUnavailable(f"cannot write to printer {self.path}: {exc}") from exc

    def status(self) -> PrinterStatus:
        return PrinterStatus.UNKNOWN
