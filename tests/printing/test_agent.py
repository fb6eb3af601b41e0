"""The kiosk agent's logic: dedupe by job id across restarts, print, build the Socket.IO ack."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from printers import PrinterConfigError, make_backend
from printers.agent import PrintAgent, PrintedLog, load_printer_config
from printers.backends import MemoryBackend

from .fake_printer import FakePrinter


def payload(job_id: str, data: bytes) -> dict[str, str]:
    return {"id": job_id, "data": base64.b64encode(data).decode("ascii")}


def test_duplicate_job_is_printed_once_and_acked_twice(tmp_path: Path):
    backend = MemoryBackend()
    agent = PrintAgent(backend, PrintedLog(tmp_path / "state.json"))
    first = agent.handle(payload("job-1", b"ticket"))
    second = agent.handle(payload("job-1", b"ticket"))
    assert first == second == {"id": "job-1", "status": "printed"}
    assert backend.sent == [b"ticket"]


def test_printed_ids_survive_a_restart(tmp_path: Path):
    state = tmp_path / "state.json"
    PrintAgent(MemoryBackend(), PrintedLog(state)).handle(payload("job-1", b"ticket"))
    assert json.loads(state.read_text())["printed"] == ["job-1"]
    backend = MemoryBackend()
    restarted = PrintAgent(backend, PrintedLog(state))
    assert restarted.handle(payload("job-1", b"ticket")) == {"id": "job-1", "status": "printed"}
    assert backend.sent == []


def test_failed_print_is_acked_failed_and_retried(tmp_path: Path):
    backend = MemoryBackend()
    backend.online = False
    agent = PrintAgent(backend, PrintedLog(tmp_path / "state.json"))
    ack = agent.handle(payload("job-2", b"ticket"))
    assert ack["status"] == "failed" and "switched off" in ack["error"]
    backend.online = True
    assert agent.handle(payload("job-2", b"ticket"))["status"] == "printed"
    assert backend.sent == [b"ticket"]


@pytest.mark.parametrize("bad", [None, {}, {"id": ""}, {"id": 5, "data": ""}, {"id": "j", "data": "***"}])
def test_malformed_payload_is_acked_failed(bad: object, tmp_path: Path):
    backend = MemoryBackend()
    ack = PrintAgent(backend, PrintedLog(None)).handle(bad)
    assert ack["status"] == "failed" and ack["error"]
    assert backend.sent == []


def test_printed_log_keeps_only_recent_ids(tmp_path: Path):
    log = PrintedLog(tmp_path / "s.json", keep=2)
    for job_id in ("a", "b", "c"):
        log.add(job_id)
    assert "a" not in log and "b" in log and "c" in log
    assert "a" not in PrintedLog(tmp_path / "s.json") and "c" in PrintedLog(tmp_path / "s.json")


def test_agent_prints_to_a_network_printer(tmp_path: Path, fake_printer: FakePrinter):
    config_json = json.dumps({"backend": "network", "host": "127.0.0.1", "port": fake_printer.port})
    config = load_printer_config(config_json)
    agent = PrintAgent(make_backend(config), PrintedLog(tmp_path / "state.json"))
    assert agent.handle(payload("job-9", b"\x1b@A012\n"))["status"] == "printed"
    assert fake_printer.wait_for_jobs(1) == [b"\x1b@A012\n"]


def test_printer_config_from_file_and_errors(tmp_path: Path):
    path = tmp_path / "printer.json"
    path.write_text('{"backend": "serial", "device": "/dev/ttyUSB0"}')
    assert load_printer_config(str(path)) == {"backend": "serial", "device": "/dev/ttyUSB0"}
    assert load_printer_config(None) == {"backend": "file", "path": "/dev/usb/lp0"}
    with pytest.raises(PrinterConfigError):
        load_printer_config("{not json")
