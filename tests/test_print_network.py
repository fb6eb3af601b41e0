"""Kiosk tickets through a real server to a real TCP printer on loopback, decoded back from the bytes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from PIL import ImageChops

from printers.arabic import rasterise_tight
from printers.profile import PAPER_DOTS
from printers.render import LAYOUTS
from tests.printing.escpos_decode import decode
from tests.printing.fake_printer import FakePrinter
from tests.support.print_server import PrintServer, job_status, start_print_server, wait_for
from tests.support.server import free_port

MAX_TICKET_BYTES = 12 * 1024


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    fake = FakePrinter().start()
    yield fake
    fake.stop()


@pytest.fixture
def server(tmp_path: Path, printer: FakePrinter) -> Iterator[PrintServer]:
    live = start_print_server(tmp_path, printer.port)
    yield live
    live.stop()


def issue(server: PrintServer, kiosk: str = "k1", **body: object) -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/centres/test/tickets",
        json={"service": "traffic", **body},
        headers=server.device("kiosk", kiosk),
        timeout=5,
    )


def same_pixels(a, b) -> bool:  # type: ignore[no-untyped-def]
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def test_kiosk_ticket_bytes_decode_back(server: PrintServer, printer: FakePrinter) -> None:
    response = issue(server, lang="ur", priority="elderly", transactions=2)
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["print"]["status"] == "queued"
    (data,) = printer.wait_for_jobs(1, timeout=15)
    assert len(data) <= MAX_TICKET_BYTES

    printed = decode(data)
    assert printed.unknown == [] and len(printed.cuts) == 1
    (qr,) = printed.qrcodes
    assert qr.payload == ticket["tracking_url"] == f"{server.url}/t/{ticket['tracking_code']}"
    assert ticket["number"] == "A001" and "A001" in [run.text for run in printed.texts]
    assert "Test centre" in printed.text and "Traffic services" in printed.text
    assert "People ahead: 0" in printed.text and "Transactions: 2" in printed.text
    assert "Priority: elderly" in printed.text

    layout, width = LAYOUTS[80], PAPER_DOTS[80]
    expected = [
        ("مركز الاختبار", layout.title_px, "ar", 600),
        ("وزارة الداخلية", layout.body_px, "ar", 500),
        ("خدمات المرور", layout.title_px, "ar", 600),
        ("ٹریفک خدمات", layout.small_px, "ur", 500),  # the visitor chose Urdu: one more block
    ]
    for text, size, language, weight in expected:
        want = rasterise_tight(text, width=width, size=size, language=language, weight=weight)
        assert any(same_pixels(r.image, want) for r in printed.rasters), text

    status = wait_for(lambda: (s := job_status(server, ticket["print"]["job"]))["status"] == "printed" and s)
    assert status["ticket"] == "A001" and status["problem"] is False and status["attempts"] == 1

    clerk = server.staff("clerk-print", "clerk", "test")
    listing = requests.get(f"{server.url}/api/v1/centres/test/print-jobs", headers=clerk).json()
    assert listing["jobs"] == []  # nothing failed or pending
    everything = requests.get(f"{server.url}/api/v1/centres/test/print-jobs?status=all", headers=clerk).json()
    assert [job["ticket"] for job in everything["jobs"]] == ["A001"]
    k1 = next(p for p in everything["printers"] if p["kiosk"] == "k1")
    assert k1["backend"] == "network" and k1["status"] == "online"  # asked with DLE EOT

    other_kiosk = requests.get(
        f"{server.url}/api/v1/print-jobs/{ticket['print']['job']}", headers=server.device("kiosk", "k1", "other")
    )
    assert other_kiosk.status_code == 403
    assert requests.get(f"{server.url}/api/v1/print-jobs/{ticket['print']['job']}").status_code == 401

    # Paper out, then cover open: staff see it (DLE EOT every TABOUR_PRINT_STATUS_INTERVAL seconds).
    def k1_status() -> str:
        listing = requests.get(f"{server.url}/api/v1/centres/test/print-jobs", headers=clerk).json()
        return str(next(p for p in listing["printers"] if p["kiosk"] == "k1")["status"])

    printer.state = "paper_out"
    wait_for(lambda: k1_status() == "paper_out")
    printer.state = "cover_open"
    wait_for(lambda: k1_status() == "cover_open")


def test_printer_off_then_back_prints_once(tmp_path: Path) -> None:
    port = free_port()  # nothing listens: the printer is switched off
    server = start_print_server(tmp_path, port)
    printer: FakePrinter | None = None
    try:
        response = issue(server)  # answered while the printer is off: the request never waits for it
        assert response.status_code == 201
        job = response.json()["print"]["job"]
        failing = wait_for(lambda: (s := job_status(server, job))["problem"] and s)
        assert failing["status"] == "pending" and "connect" in failing["last_error"]
        assert response.json()["status"] == "waiting"  # the ticket itself is valid and queued

        clerk = server.staff("clerk-off", "clerk", "test")
        listing = requests.get(f"{server.url}/api/v1/centres/test/print-jobs", headers=clerk).json()
        assert [j["id"] for j in listing["jobs"]] == [job]
        assert next(p for p in listing["printers"] if p["kiosk"] == "k1")["status"] == "offline"

        printer = FakePrinter(port=port).start()  # switched on again
        printer.wait_for_jobs(1, timeout=15)
        wait_for(lambda: job_status(server, job)["status"] == "printed")
        time.sleep(1.0)  # several retry periods: nothing is sent twice
        assert len(printer.jobs) == 1
        assert response.json()["tracking_code"].encode() in printer.jobs[0]

        reprint = requests.post(f"{server.url}/api/v1/centres/test/print-jobs/{job}/reprint", headers=clerk)
        assert reprint.status_code == 201 and reprint.json()["reprint_of"] == job
        printer.wait_for_jobs(2, timeout=15)
        assert printer.jobs[1] == printer.jobs[0]
        missing = requests.post(f"{server.url}/api/v1/centres/test/print-jobs/nope/reprint", headers=clerk)
        assert missing.status_code == 404
    finally:
        server.stop()
        if printer is not None:
            printer.stop()
