"""Backend registry: a config dict ``{backend: <name>, ...}`` -> an object with send() and status()."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from printers.backends.base import Backend, PrinterStatus, decode_status
from printers.backends.file import FileBackend
from printers.backends.memory import MemoryBackend
from printers.backends.network import NetworkBackend
from printers.backends.serial import SerialBackend
from printers.backends.usb import UsbBackend
from printers.errors import PrinterConfigError

#: name -> factory from a config mapping. USB and serial drivers are imported by their factory only.
BACKENDS: dict[str, Callable[[Mapping[str, Any]], Backend]] = {
    "network": NetworkBackend.from_config,
    "usb": UsbBackend.from_config,
    "serial": SerialBackend.from_config,
    "file": FileBackend.from_config,
    "memory": MemoryBackend.from_config,
}


def make_backend(config: Mapping[str, Any]) -> Backend:
    """Build the backend named by ``config["backend"]``; PrinterConfigError names the allowed ones."""
    name = config.get("backend") if isinstance(config, Mapping) else None
    if name not in BACKENDS:
        allowed = ", ".join(sorted(BACKENDS))
        raise PrinterConfigError(f"unknown printer backend {name!r}: expected one of {allowed}")
    return BACKENDS[str(name)](config)


__all__ = [
    "BACKENDS",
    "Backend",
    "FileBackend",
    "MemoryBackend",
    "NetworkBackend",
    "PrinterStatus",
    "SerialBackend",
    "UsbBackend",
    "decode_status",
    "make_backend",
]
