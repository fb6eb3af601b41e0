"""Tap through the kiosk in Chromium (Arabic, then Urdu with the printer off); tickets reach the printer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.printing.escpos_decode import decode
from tests.printing.fake_printer import FakePrinter
from tests.support.print_server import PrintServer, start_print_server, wait_for
from tests.support.screenshots import save_screenshot
from tests.support.server import free_port


@pytest.fixture
def printer_port() -> int:
    return free_port()


@pytest.fixture
def server(tmp_path: Path, printer_port: int) -> Iterator[PrintServer]:
    live = start_print_server(tmp_path, printer_port)
    yield live
    live.stop()


def shot(page, artifacts: Path, name: str, keep: bool = False) -> None:  # type: ignore[no-untyped-def]
    save_screenshot(page, artifacts, f"kiosk-{name}", readme=keep)


@pytest.mark.browser
def test_tap_through_in_arabic_and_urdu(browser, server: PrintServer, printer_port: int, artifacts: Path) -> None:
    printer = FakePrinter(port=printer_port).start()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True, locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{server.url}/pair/{server.tokens[('test', 'kiosk', 'k1')]}")
        page.wait_for_url("**/kiosk/test/k1?lang=ar")  # Arabic first, whatever the browser's language
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.locator("[data-body=interior]").wait_for()
        sizes = page.eval_on_selector_all(
            "button:visible, a.lang-button", "els => els.map(e => Math.min(e.offsetWidth, e.offsetHeight))"
        )
        assert sizes and min(sizes) >= 64  # touch targets
        shot(page, artifacts, "start-ar", keep=True)

        page.tap("[data-body=interior]")
        page.locator("[data-service=traffic]").wait_for()
        shot(page, artifacts, "services-ar", keep=True)
        page.tap("[data-service=traffic]")
        page.tap("[data-priority=elderly]")
        page.tap("[data-transactions='2']")
        for digit in "290010112345":
            page.tap(f"[data-digit='{digit}']")
        assert page.text_content("#civil-id") == "290010112345"
        page.evaluate("document.querySelector('.kiosk-main').scrollTo(0, 0)")  # the picture from the top
        shot(page, artifacts, "details-ar", keep=True)
        page.tap("#issue")
        page.locator("#step-ticket:not([hidden])").wait_for()
        assert page.text_content("#ticket-number") == "A001"
        page.locator("#print-status[data-state=printed]").wait_for(timeout=15_000)
        qr_loaded = "(() => { const qr = document.getElementById('ticket-qr'); return qr.naturalWidth > 0 })()"
        page.wait_for_function(qr_loaded, timeout=15_000)  # the server's SVG, drawn
        shot(page, artifacts, "ticket-ar", keep=True)
        (data,) = printer.wait_for_jobs(1, timeout=15)
        tracking = page.evaluate("document.body.dataset.trackingCode")
        assert decode(data).qrcodes[0].payload == f"{server.url}/t/{tracking}"

        # Urdu, with the printer switched off: the ticket is issued, the screen says to photograph the QR.
        printer.stop()
        page.tap("#done")
        page.tap("a.lang-button[data-lang=ur]")
        page.wait_for_url("**lang=ur")
        assert page.locator("html").get_attribute("lang") == "ur"
        page.tap("[data-body=civil-health]")
        page.tap("[data-service=civil-id]")
        assert page.text_content("#details-service") == "سول آئی ڈی کا اجرا اور تجدید"
        page.tap("[data-priority=disabled]")
        page.tap("#issue")
        page.locator("#print-status[data-state=failed]").wait_for(timeout=15_000)
        assert page.text_content("#ticket-number") == "C001"
        assert "QR" in page.text_content("#print-status")
        shot(page, artifacts, "printer-failed-ur", keep=True)

        printer = FakePrinter(port=printer_port).start()  # back on: the Urdu ticket prints, once
        (urdu_ticket,) = printer.wait_for_jobs(1, timeout=15)
        assert "Issue and renew civil ID" in decode(urdu_ticket).text
        page.tap("#done")
        page.wait_for_url("**lang=ar")  # back to the start in Arabic
        wait_for(lambda: page.locator("[data-body=interior]").count() == 1)
    finally:
        context.close()
        printer.stop()


@pytest.mark.browser
def test_a_visitor_who_leaves_before_the_printer_returns_gets_no_stranger_ticket(
    browser, server: PrintServer, printer_port: int
) -> None:
    """The printer is off: the QR on the screen is the ticket. The visitor taps Done and goes; when the
    printer comes back, their ticket is not printed for the next visitor to find (staff can reprint)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True, locale="en-US")
    page = context.new_page()
    printer = None
    try:
        page.goto(f"{server.url}/pair/{server.tokens[('test', 'kiosk', 'k1')]}")
        page.wait_for_url("**/kiosk/test/k1?lang=ar")
        page.tap("[data-body=interior]")
        page.tap("[data-service=traffic]")
        page.tap("#issue")
        page.locator("#print-status[data-state=failed]").wait_for(timeout=15_000)
        job = page.evaluate("document.body.dataset.printJob")
        kiosk = server.device("kiosk", "k1")
        page.tap("#done")
        page.wait_for_url("**lang=ar")

        def given_up() -> dict | None:
            answer = requests.get(f"{server.url}/api/v1/print-jobs/{job}", headers=kiosk, timeout=10).json()
            return answer if answer["status"] == "failed" else None

        state = wait_for(given_up, timeout=15)
        assert "visitor left" in (state.get("last_error") or state.get("problem") or str(state))
        printer = FakePrinter(port=printer_port).start()  # back on: nothing comes out for a stranger
        again = requests.post(f"{server.url}/api/v1/print-jobs/{job}/cancel", headers=kiosk, timeout=10)
        assert again.json() == {"cancelled": False}  # given up once; it stays given up
        assert (
            requests.get(f"{server.url}/api/v1/print-jobs/{job}", headers=kiosk, timeout=10).json()["status"]
            == "failed"
        )
    finally:
        context.close()
        if printer is not None:
            printer.stop()


@pytest.mark.browser
def test_every_step_fits_a_landscape_and_a_portrait_kiosk(browser, server: PrintServer, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 12: on a 1920x1080 kiosk "Get my ticket" was below the screen; on a 1080x1920 one each step
    used the top half. Now the step's buttons are in sight on both without scrolling, and the tall screen
    draws its tiles larger."""
    heights = {}
    for name, viewport in (
        ("landscape", {"width": 1920, "height": 1080}),
        ("portrait", {"width": 1080, "height": 1920}),
    ):
        context = browser.new_context(viewport=viewport, has_touch=True)
        page = context.new_page()
        try:
            page.goto(f"{server.url}/pair/{server.tokens[('test', 'kiosk', 'k1')]}")
            tile = page.locator("[data-body=interior]")
            tile.wait_for()
            heights[name] = tile.bounding_box()["height"]
            tile.tap()
            page.tap("[data-service=traffic]")
            for button in ("#issue", "#add-service", "#step-details .back"):
                box = page.locator(button).bounding_box()
                assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (
                    name,
                    button,
                )
            shot(page, artifacts, f"details-{name}-ar")
            page.tap("#issue")  # reachable as it stands: the ticket comes
            page.locator("#step-ticket:not([hidden])").wait_for()
        finally:
            context.close()
    assert heights["portrait"] >= 1.3 * heights["landscape"]  # larger tiles where there is room
