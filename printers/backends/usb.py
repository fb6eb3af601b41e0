"""USB printers through python-escpos's Usb driver (pyusb, imported only when used)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from printers.backends.base import PrinterStatus, coerce, require
from printers.errors import DriverMissing, PrinterUnavailable


def _usb_driver() -> Any:
    try:
        import usb.core  # noqa: F401
        from escpos.printer import Usb
    except ImportError as exc:
        raise DriverMissing(
            "the usb printer backend needs pyusb (pip package 'pyusb', listed in requirements.txt) "
            f"and libusb-1.0: {exc}"
        ) from exc
    return Usb


class UsbBackend:
    """Opens the device per job (so a replugged printer is found again) and releases it afterwards."""

    name = "usb"

    def __init__(self, vendor_id: int, product_id: int, timeout_ms: int = 3000) -> None:
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.timeout_ms = timeout_ms
        self._driver = _usb_driver()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> UsbBackend:
        """``{backend: usb, vendor_id: 0x04b8, product_id: 0x0202, timeout_ms=3000}``."""
        return cls(
            vendor_id=require(config, "vendor_id", int, cls.name),
            product_id=require(config, "product_id", int, cls.name),
            timeout_ms=coerce(config, "timeout_ms", int, cls.name, 3000),
        )

    def send(self, data: bytes) -> None:
        printer = self._driver(self.vendor_id, self.product_id, timeout=self.timeout_ms)
        try:
            printer.open()
            printer._raw(data)
        except Exception as exc:  # pyusb raises USBError, escpos DeviceNotFoundError: both mean "not now"
            device = f"{self.vendor_id:04x}:{self.product_id:04x}"
            raise PrinterUnavailable(f"USB printer {device}: {exc}") from exc
        finally:
            printer.close()

    def status(self) -> PrinterStatus:
        return PrinterStatus.UNKNOWN
