"""The kiosk printers page in Chromium, in Arabic, against a real TCP printer on loopback: switched off, a
kiosk ticket's job shows on the page as not printed and the printer as not answering, live; switched on,
both turn green without a reload; a reprint sends the very same bytes again and is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from queue_app.store.database import Database
from queue_app.store.models import AuditEntry
from tests.printing.fake_printer import FakePrinter
from tests.support.print_server import start_print_server
from tests.support.screenshots import save_screenshot
from tests.support.server import free_port
from tests.test_counter_console_browser import sign_in


@pytest.mark.browser
def test_staff_see_a_printer_come_back_and_reprint_a_ticket(tmp_path: Path, browser: Any, artifacts: Path) -> None:
    port = free_port()  # nothing listens: the printer is switched off
    server = start_print_server(tmp_path, port)
    printer: FakePrinter | None = None
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
    page = context.new_page()
    try:
        server.add_user("salma", "supervisor", "test")
        sign_in(page, server, "salma", "/supervisor/test/printers?lang=ar")
        assert page.get_attribute("html", "dir") == "rtl"
        page.wait_for_selector('#live[data-connected="true"]')

        kiosk = server.device("kiosk", "k1")
        issued = requests.post(f"{server.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=kiosk)
        assert issued.status_code == 201 and issued.json()["status"] == "waiting"  # valid with the printer off
        number, job = issued.json()["number"], issued.json()["print"]["job"]
        row = page.locator(f'#job-table tr[data-job="{job}"]')
        row.locator('xpath=self::*[@data-problem="true"]').wait_for(timeout=15_000)  # live, no reload
        assert number in row.inner_text() and "بانتظار الطباعة" in row.inner_text()
        k1 = page.locator('#printer-table tr[data-kiosk="k1"]')
        k1.locator('xpath=self::*[@data-status="offline"]').wait_for(timeout=15_000)
        assert k1.locator(".status").inner_text() == "لا تستجيب"
        save_screenshot(page, artifacts, "printers-ar")

        printer = FakePrinter(port=port).start()  # switched on again
        row.locator('xpath=self::*[@data-status="printed"]').wait_for(timeout=20_000)
        k1.locator('xpath=self::*[@data-status="online"]').wait_for(timeout=20_000)
        assert row.locator(".status").inner_text() == "طُبعت" and k1.locator(".status").inner_text() == "تعمل"
        printer.wait_for_jobs(1, timeout=15)

        row.locator("button[type=submit]").click()
        page.wait_for_selector(".flash-info")
        assert "أُرسلت إلى الطابعة مرة أخرى" in page.inner_text(".flash-info")
        printer.wait_for_jobs(2, timeout=15)
        assert printer.jobs[1] == printer.jobs[0]  # the same ticket, byte for byte
    finally:
        context.close()
        server.stop()
        if printer is not None:
            printer.stop()
    database = Database(f"sqlite:///{server.instance / 'tabour.db'}")
    with database.reading() as session:
        reprinted = session.execute(
            select(AuditEntry.actor, AuditEntry.target).where(AuditEntry.action == "ticket_reprinted")
        ).all()
    database.dispose()
    assert [tuple(entry) for entry in reprinted] == [("salma", job)]
