"""A three-service family visit end to end: the kiosk in Arabic (a basket of services, one printed ticket),
the clerks' consoles at two counters (Arabic), the visitor's phone (English), and the hall screen's
Socket.IO feed calling the same number to the second counter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.printing.escpos_decode import decode
from tests.printing.fake_printer import FakePrinter
from tests.support.print_server import PrintServer, start_print_server, wait_for
from tests.support.screenshots import save_screenshot
from tests.support.server import free_port
from tests.test_counter_console_browser import SHOWS, HallListener, sign_in

PHONE_LEG = "document.querySelector('#legs li[data-status=\"current\"]')?.dataset.service"


@pytest.fixture
def printer_port() -> int:
    return free_port()


@pytest.fixture
def server(tmp_path: Path, printer_port: int) -> Iterator[PrintServer]:
    live = start_print_server(tmp_path, printer_port)
    yield live
    live.stop()


def waiting(server: PrintServer, service: str, n: int) -> list[str]:
    staff = server.device("kiosk", "k2")
    numbers = []
    for _ in range(n):
        answer = requests.post(f"{server.url}/api/v1/centres/test/tickets", json={"service": service}, headers=staff)
        assert answer.status_code == 201, answer.text
        numbers.append(answer.json()["number"])
    return numbers


def choose(page: Any, body: str, service: str, transactions: int, relation: str) -> None:
    page.tap(f"[data-body={body}]")
    page.tap(f"[data-service={service}]")
    page.tap(f"[data-transactions='{transactions}']")
    page.tap(f"[data-for={relation}]")


@pytest.mark.browser
def test_a_family_visit_from_kiosk_to_two_counters(
    browser: Any, server: PrintServer, printer_port: int, artifacts: Path
) -> None:
    ahead = waiting(server, "traffic", 2) + waiting(server, "residency", 2)  # civil ID has nobody waiting
    printer = FakePrinter(port=printer_port).start()
    contexts = []
    try:
        kiosk_context = browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
        contexts.append(kiosk_context)
        kiosk = kiosk_context.new_page()
        kiosk.goto(f"{server.url}/pair/{server.tokens[('test', 'kiosk', 'k1')]}")
        kiosk.wait_for_url("**/kiosk/test/k1?lang=ar")

        # her husband's residency, her children's civil IDs (4), and her son's traffic file
        choose(kiosk, "interior", "residency", 1, "spouse")
        kiosk.tap("#add-service")
        kiosk.locator("#basket:not([hidden]) li[data-service=residency]").wait_for()
        choose(kiosk, "civil-health", "civil-id", 4, "child")
        kiosk.tap("#add-service")
        choose(kiosk, "interior", "traffic", 2, "child")
        assert kiosk.locator("#basket li").count() == 2  # the third is the one on the screen
        save_screenshot(kiosk, artifacts, "kiosk-visit-basket-ar", readme=True)
        kiosk.tap("#issue")
        kiosk.locator("#step-ticket:not([hidden])").wait_for()
        number = kiosk.text_content("#ticket-number") or ""
        assert number.startswith("C"), "nobody waits for civil ID: the planner starts there"
        assert kiosk.locator("#ticket-legs li").count() == 3
        tracking = kiosk.evaluate("document.body.dataset.trackingCode")
        (printed,) = printer.wait_for_jobs(1, timeout=15)
        text = decode(printed).text
        for line in ("Residency renewal ×1 (Spouse)", "Issue and renew civil ID ×4", "Traffic services ×2 (Child)"):
            assert line in text.replace("\n", " "), line

        # the phone, in English: three services, the civil ID one now
        phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en")
        contexts.append(phone_context)
        phone = phone_context.new_page()
        phone.goto(f"{server.url}/t/{tracking}?lang=en")
        assert phone.locator("#legs li").count() == 3
        assert phone.evaluate(PHONE_LEG) == "civil-id"
        assert "minutes more for the whole visit" in (phone.text_content("#visit-minutes") or "")

        # counter 4 (civil ID) serves the first leg; the console says which leg and what comes next
        server.add_user("clara", "clerk", "test")
        server.add_user("omar", "clerk", "test")
        listener = HallListener(server)
        first_context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="ar")
        contexts.append(first_context)
        first = first_context.new_page()
        sign_in(first, server, "clara", "/counter/test")
        first.click('li[data-counter="4"] button')
        first.wait_for_selector('#live[data-connected="true"]')
        first.keyboard.press("n")
        first.wait_for_function(SHOWS % number)
        first.wait_for_selector("#visit:not([hidden])")
        assert first.text_content("#visit-leg") == "الخدمة 1 من 3"
        upcoming = first.get_attribute("#visit-legs li[data-status=pending] >> nth=0", "data-service")
        assert first.locator("#visit-legs li").count() == 3 and upcoming in ("residency", "traffic")
        next_service = "traffic" if "خدمات المرور" in (first.text_content("#visit-next") or "") else "residency"
        save_screenshot(first, artifacts, "counter-visit-ar", full_page=True)
        first.keyboard.press("d")
        first.wait_for_selector("#no-ticket", state="visible")
        assert number in (first.text_content("#flash") or "")
        phone.wait_for_function(f"{PHONE_LEG} === '{next_service}'", timeout=15_000)
        assert phone.locator('#legs li[data-status="done"]').count() == 1
        save_screenshot(phone, artifacts, "phone-visit-en", readme=True)

        # counter 1 (traffic, then residency) reaches the visit in its turn: it kept its arrival time
        second_context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="ar")
        contexts.append(second_context)
        second = second_context.new_page()
        sign_in(second, server, "omar", "/counter/test")
        second.click('li[data-counter="1"] button')
        second.wait_for_selector('#live[data-connected="true"]')
        called = []
        for _ in range(len(ahead) + 1):
            second.keyboard.press("n")
            second.wait_for_function(
                "(n) => !document.getElementById('ticket').hidden && document.getElementById('ticket-number')"
                ".textContent !== n",
                arg=called[-1] if called else "",
            )
            called.append(second.text_content("#ticket-number"))
            if called[-1] == number:
                break
        assert called[-1] == number and set(called[:-1]) <= set(ahead)
        assert second.text_content("#visit-leg") == "الخدمة 2 من 3"
        call = wait_for(
            lambda: next((c for c in listener.calls if c["number"] == number and c["counter"]["code"] == "1"), None)
        )
        assert call["number"] == number  # the hall screen calls the same number to the next counter
        phone.wait_for_function("document.getElementById('ticket').dataset.status === 'called'", timeout=15_000)
        assert "Counter 1" in (phone.text_content("#counter") or "")

        # the family has to leave: the clerk ends the visit with this service
        second.click("#btn-end-visit")
        second.wait_for_selector("#visit-legs li[data-status=dropped]")
        second.keyboard.press("d")
        second.wait_for_selector("#no-ticket", state="visible")
        phone.wait_for_function("document.getElementById('ticket').dataset.status === 'done'", timeout=15_000)
        states = phone.eval_on_selector_all("#legs li", "items => items.map((li) => li.dataset.status)")
        assert sorted(states) == ["done", "done", "dropped"]
        listener.client.disconnect()
    finally:
        for context in contexts:
            context.close()
        printer.stop()
