"""Backend registry: a config dict ``{backend: <name>, ...}`` -> an object with send() and status()."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

from printers.backends.base import Backend, PrinterStatus, decode_status
from printers.backends.file import FileBackend
from printers.backends.memory import MemoryBackend
from printers.backends.network import NetworkBackend
from printers.backends.serial import SerialBackend
from printers.backends.usb import UsbBackend
from printers.errors import DriverMissing, PrinterConfigError

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


#: the keys each backend reads besides ``backend``: anything else is a typo, refused when config is read.
OPTIONS: dict[str, frozenset[str]] = {
    "network": frozenset({"host", "port", "timeout", "status_timeout"}),
    "usb": frozenset({"vendor_id", "product_id", "timeout_ms"}),
    "serial": frozenset({"device", "baudrate", "timeout"}),
    "file": frozenset({"path"}),
    "memory": frozenset(),
}


def check_config(config: Mapping[str, Any]) -> None:
    """Raise PrinterConfigError when ``config`` could not drive a printer (unknown backend or key, a
    missing or malformed value), so a wrong printer stops the start instead of failing every print. A
    driver package that is not installed is not a config error: the printer reports it when used."""
    name = config.get("backend")
    unknown = sorted(set(config) - {"backend"} - OPTIONS.get(str(name), frozenset()))
    if name in OPTIONS and unknown:
        raise PrinterConfigError(f"printer backend {name!r} has no key {unknown[0]!r}")
    with contextlib.suppress(DriverMissing):
        make_backend(config)


__all__ = [
    "BACKENDS",
    "Backend",
    "FileBackend",
    "MemoryBackend",
    "NetworkBackend",
    "PrinterStatus",
    "SerialBackend",
    "UsbBackend",
    "check_config",
    "decode_status",
    "make_backend",
]
