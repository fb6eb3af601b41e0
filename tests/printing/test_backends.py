"""Backend registry, transports and DLE EOT status against the fake printer."""

from __future__ import annotations

from pathlib import Path

import pytest

from printers import PrinterConfigError, PrinterStatus, PrinterUnavailable, make_backend
from printers.backends import BACKENDS, FileBackend, MemoryBackend, NetworkBackend, SerialBackend, UsbBackend
from printers.backends.base import decode_status

from .fake_printer import FakePrinter


def network(printer: FakePrinter) -> NetworkBackend:
    return NetworkBackend("127.0.0.1", printer.port, timeout=1, status_timeout=0.2)


def test_unknown_backend_names_the_allowed_ones():
    with pytest.raises(PrinterConfigError) as info:
        make_backend({"backend": "bluetooth"})
    message = str(info.value)
    assert "bluetooth" in message
    for name in ("file", "memory", "network", "serial", "usb"):
        assert name in message
    assert set(BACKENDS) == {"network", "usb", "serial", "file", "memory"}


@pytest.mark.parametrize(
    ("config", "missing"),
    [
        ({"backend": "network"}, "host"),
        ({"backend": "usb", "vendor_id": 0x04B8}, "product_id"),
        ({"backend": "serial"}, "device"),
        ({"backend": "file"}, "path"),
    ],
)
def test_missing_key_is_named(config: dict[str, object], missing: str):
    with pytest.raises(PrinterConfigError, match=missing):
        make_backend(config)


def test_malformed_value_is_reported():
    with pytest.raises(PrinterConfigError, match="port"):
        make_backend({"backend": "network", "host": "127.0.0.1", "port": "ninety"})


def test_configs_build_the_right_backends(tmp_path: Path):
    net = make_backend({"backend": "network", "host": "10.0.0.5", "port": 9100, "timeout": 3})
    assert isinstance(net, NetworkBackend) and (net.host, net.port, net.timeout) == ("10.0.0.5", 9100, 3.0)
    usb = make_backend({"backend": "usb", "vendor_id": "0x04b8", "product_id": 0x0202})
    assert isinstance(usb, UsbBackend) and (usb.vendor_id, usb.product_id) == (0x04B8, 0x0202)
    serial = make_backend({"backend": "serial", "device": "/dev/ttyUSB0", "baudrate": 19200})
    assert isinstance(serial, SerialBackend) and serial.baudrate == 19200
    assert isinstance(make_backend({"backend": "file", "path": str(tmp_path / "lp0")}), FileBackend)
    assert isinstance(make_backend({"backend": "memory"}), MemoryBackend)


def test_network_send_reaches_the_printer(fake_printer: FakePrinter):
    network(fake_printer).send(b"\x1b@hello\n")
    assert fake_printer.wait_for_jobs(1) == [b"\x1b@hello\n"]


def test_network_send_to_switched_off_printer_says_it_cannot_connect(fake_printer: FakePrinter):
    fake_printer.stop()
    with pytest.raises(PrinterUnavailable, match="cannot connect"):
        network(fake_printer).send(b"data")


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("online", PrinterStatus.ONLINE),
        ("paper_out", PrinterStatus.PAPER_OUT),
        ("cover_open", PrinterStatus.COVER_OPEN),
    ],
)
def test_network_status_from_dle_eot(fake_printer: FakePrinter, state: str, expected: PrinterStatus):
    fake_printer.state = state
    assert network(fake_printer).status() is expected


def test_status_of_silent_printer_is_unknown(fake_printer: FakePrinter):
    fake_printer.answer_status = False
    assert network(fake_printer).status() is PrinterStatus.UNKNOWN


def test_status_of_switched_off_printer_is_offline(fake_printer: FakePrinter):
    fake_printer.stop()
    assert network(fake_printer).status() is PrinterStatus.OFFLINE


@pytest.mark.parametrize(
    ("printer", "offline", "paper", "expected"),
    [
        (0x12, 0x12, 0x12, PrinterStatus.ONLINE),
        (0x12, 0x12, 0x1E, PrinterStatus.ONLINE),  # paper near end still prints
        (0x1A, 0x16, 0x12, PrinterStatus.COVER_OPEN),
        (0x1A, 0x32, 0x72, PrinterStatus.PAPER_OUT),
        (0x12, None, 0x72, PrinterStatus.PAPER_OUT),
        (0x1A, 0x12, 0x12, PrinterStatus.OFFLINE),
        (None, None, None, PrinterStatus.UNKNOWN),
        (0xFF, 0x12, 0x12, PrinterStatus.UNKNOWN),  # not a status byte (fixed bits wrong)
    ],
)
def test_decode_status(printer: int | None, offline: int | None, paper: int | None, expected: PrinterStatus):
    assert decode_status(printer, offline, paper) is expected


def test_file_backend_appends(tmp_path: Path):
    backend = make_backend({"backend": "file", "path": str(tmp_path / "capture.bin")})
    backend.send(b"one")
    backend.send(b"two")
    assert (tmp_path / "capture.bin").read_bytes() == b"onetwo"
    assert backend.status() is PrinterStatus.UNKNOWN


def test_file_backend_missing_device_is_unavailable(tmp_path: Path):
    with pytest.raises(PrinterUnavailable):
        FileBackend(tmp_path / "no-such-dir" / "lp0").send(b"x")


def test_serial_backend_missing_device_is_unavailable():
    with pytest.raises(PrinterUnavailable, match="/nonexistent/ttyUSB9"):
        SerialBackend("/nonexistent/ttyUSB9", timeout=0.1).send(b"x")


def test_memory_backend_keeps_jobs_and_can_be_switched_off():
    backend = MemoryBackend()
    backend.send(b"a")
    backend.online = False
    with pytest.raises(PrinterUnavailable):
        backend.send(b"b")
    assert backend.sent == [b"a"]
    assert backend.status() is PrinterStatus.OFFLINE
