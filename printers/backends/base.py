"""The Backend protocol every transport implements, the printer status values and their decoding."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

from printers.errors import PrinterConfigError


class PrinterStatus(StrEnum):
    """What a two-way link can tell about the printer; ``unknown`` when the link is one-way."""

    ONLINE = "online"
    COVER_OPEN = "cover_open"
    PAPER_OUT = "paper_out"
    OFFLINE = "offline"  # unreachable, or offline for a reason the printer did not report
    UNKNOWN = "unknown"


class Backend(Protocol):
    """Moves already-rendered bytes to one printer; knows nothing of tickets."""

    def send(self, data: bytes) -> None:
        """Deliver ``data`` whole, or raise PrinterUnavailable."""
        ...

    def status(self) -> PrinterStatus:
        """Ask the printer how it is; never raises for an unreachable printer."""
        ...


# DLE EOT n: real-time status transmission (Epson ESC/POS). One status byte comes back per query.
DLE_EOT = b"\x10\x04"
STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_ERROR_CAUSE, STATUS_PAPER = 1, 2, 3, 4
_OFFLINE_BIT = 0x08  # n=1: printer offline
_COVER_OPEN_BIT = 0x04  # n=2: cover is open
_PAPER_STOP_BIT = 0x20  # n=2: printing stopped because the paper ran out
_PAPER_END_BITS = 0x60  # n=4: roll paper end sensor: paper not present


def is_status_byte(value: int) -> bool:
    """Status replies have bit 0, 1 and 7 fixed (0, 1, 0): reject anything else as noise."""
    return value & 0x93 == 0x12


def decode_status(printer: int | None, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Turn the DLE EOT 1, 2 and 4 reply bytes (None: no reply) into one PrinterStatus.

    Cover open wins over paper out (closing the cover is the first thing to do), and paper out is
    reported even while the printer still claims to be online, since the next ticket would be lost.
    """
    if printer is None or not is_status_byte(printer):
        return PrinterStatus.UNKNOWN
    if offline_cause is not None and is_status_byte(offline_cause):
        if offline_cause & _COVER_OPEN_BIT:
            return PrinterStatus.COVER_OPEN
        if offline_cause & _PAPER_STOP_BIT:
            return PrinterStatus.PAPER_OUT
    if paper is not None and is_status_byte(paper) and paper & _PAPER_END_BITS == _PAPER_END_BITS:
        return PrinterStatus.PAPER_OUT
    if printer & _OFFLINE_BIT:
        return PrinterStatus.OFFLINE
    return PrinterStatus.ONLINE


def require(config: Mapping[str, Any], key: str, kind: type, backend: str) -> Any:
    """Read ``config[key]`` as ``kind`` or raise PrinterConfigError naming the backend and the key."""
    if key not in config:
        raise PrinterConfigError(f"printer backend {backend!r} needs the key {key!r}")
    return coerce(config, key, kind, backend)


def coerce(config: Mapping[str, Any], key: str, kind: type, backend: str, default: Any = None) -> Any:
    """Read an optional ``config[key]`` as ``kind`` (ints may be written as "0x04b8")."""
    value = config.get(key, default)
    if value is None:
        return None
    try:
        if kind is int and isinstance(value, str):
            return int(value, 0)
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise PrinterConfigError(
            f"printer backend {backend!r}: {key}={value!r} is not a valid {kind.__name__}"
        ) from exc
