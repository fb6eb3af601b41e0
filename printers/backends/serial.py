"""Serial printers through python-escpos's Serial driver (pyserial, imported only when used)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from printers.backends.base import PrinterStatus, coerce, require
from printers.errors import DriverMissing, PrinterUnavailable


def _serial_driver() -> Any:
    try:
        import serial  # noqa: F401
        from escpos.printer import Serial
    except ImportError as exc:
        raise DriverMissing(
            f"the serial printer backend needs pyserial (pip package 'pyserial', in requirements.txt): {exc}"
        ) from exc
    return Serial


class SerialBackend:
    """Opens the port per job; at 9600 baud a 7 KB ticket takes about 7 s, hence rasters kept small."""

    name = "serial"

    def __init__(self, device: str, baudrate: int = 9600, timeout: float = 10.0) -> None:
        self.device = device
        self.baudrate = baudrate
        self.timeout = timeout
        self._driver = _serial_driver()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SerialBackend:
        """``{backend: serial, device: /dev/ttyUSB0, baudrate: 9600, timeout=10}``."""
        return cls(
            device=require(config, "device", str, cls.name),
            baudrate=coerce(config, "baudrate", int, cls.name, 9600),
            timeout=coerce(config, "timeout", float, cls.name, 10.0),
        )

    def send(self, data: bytes) -> None:
        printer = self._driver(devfile=self.device, baudrate=self.baudrate, timeout=self.timeout)
        try:
            printer.open()
            printer._raw(data)
        except Exception as exc:  # pyserial's SerialException, escpos DeviceNotFoundError
            raise PrinterUnavailable(f"serial printer {self.device}: {exc}") from exc
        finally:
            printer.close()

    def status(self) -> PrinterStatus:
        return PrinterStatus.UNKNOWN
