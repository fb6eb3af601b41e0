"""Check-in of remote tickets at the kiosk: a keyboard-wedge scanner "types" the QR of the visitor's
tracking page, the kiosk checks the ticket in, and only then may call-next call it
(tests/fixtures/visitor_config.yaml: check_in_required true in centre `test`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.screenshots import save_screenshot
from tests.support.server import ROOT, LiveServer

VISITOR_CONFIG = ROOT / "tests" / "fixtures" / "visitor_config.yaml"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(instance=tmp_path / "instance", config=VISITOR_CONFIG).start()
    yield live
    live.stop()


def join(server: LiveServer, centre: str, phone: str) -> dict:
    response = requests.post(
        f"{server.url}/api/v1/centres/{centre}/remote-tickets", json={"service": "traffic", "phone": phone}
    )
    assert response.status_code == 201, response.text
    return response.json()


def scan(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """What a USB keyboard-wedge scanner does: the QR's text, a few ms per character, then Enter."""
    page.keyboard.type(text, delay=5)
    page.keyboard.press("Enter")


def result(page, kind: str):  # type: ignore[no-untyped-def]
    locator = page.locator(f"#step-checkin-result:not([hidden]) #checkin-result[data-result={kind}]")
    locator.wait_for(timeout=15_000)
    return locator


def shot(page, artifacts: Path, name: str, keep: bool = False) -> None:  # type: ignore[no-untyped-def]
    save_screenshot(page, artifacts, f"kiosk-{name}", readme=keep)


def test_check_in_response_says_whether_anything_changed(server: LiveServer) -> None:
    ticket = join(server, "test", "+96550000011")
    url = f"{server.url}/api/v1/centres/test/tickets/{ticket['tracking_code']}/check-in"
    first = requests.post(url, headers=server.device("kiosk", "k2")).json()
    assert first["checked_in"] is True and first["already_checked_in"] is False
    again = requests.post(url, headers=server.device("kiosk", "k2")).json()
    assert again["checked_in"] is True and again["already_checked_in"] is True


@pytest.mark.browser
def test_scanner_checks_a_remote_ticket_in(browser, server: LiveServer, artifacts: Path) -> None:
    remote = join(server, "test", "+96550000001")
    elsewhere = join(server, "other", "+96550000002")
    late = join(server, "test", "+96550000003")
    with sqlite3.connect(server.instance / "tabour.db") as db:  # its place was held until long ago
        db.execute(
            "UPDATE tickets SET hold_until = '2000-01-01 00:00:00' WHERE tracking_code = ?", (late["tracking_code"],)
        )
    assert remote["needs_check_in"] is True and remote["number"] == "A001"
    clerk = server.clerk_at("1", "clerk-checkin")
    call = f"{server.url}/api/v1/centres/test/counters/1/call-next"
    assert requests.post(call, headers=clerk).status_code == 204  # not called before it checks in

    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True, locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{server.url}/pair/{server.tokens[('test', 'kiosk', 'k2')]}")
        page.wait_for_url("**/kiosk/test/k2?lang=ar")
        page.locator("[data-body=interior]").wait_for()
        assert page.text_content("#checkin-open").strip() == "لديّ تذكرة من المنزل / موعد"
        assert page.eval_on_selector("#checkin-open", "e => e.offsetHeight") >= 64

        # Slow human typing on the start screen is not a scan.
        page.keyboard.type(remote["tracking_code"], delay=150)
        page.keyboard.press("Enter")
        page.wait_for_timeout(400)
        assert page.evaluate("document.body.dataset.step") == "body"

        # The visitor taps "I have a ticket from home", then holds the phone under the scanner.
        page.tap("#checkin-open")
        page.locator("#step-checkin:not([hidden])").wait_for()
        shot(page, artifacts, "checkin-prompt-ar")
        scan(page, remote["tracking_url"])
        checked = result(page, "checked_in")
        assert page.text_content("#checkin-title") == "تم تسجيل حضورك"
        assert page.text_content("#checkin-number") == "A001"
        assert page.text_content("#checkin-service") == "خدمات المرور"
        assert "0" in page.text_content("#checkin-ahead")
        assert checked.is_visible() and not page.locator("#checkin-new").is_visible()
        shot(page, artifacts, "checkin-ar", keep=True)

        # Scanning again, straight from the start screen (no button): already checked in.
        page.tap("#checkin-done")
        page.locator("#step-body:not([hidden])").wait_for()
        scan(page, remote["tracking_url"])
        result(page, "already_checked_in")
        assert page.text_content("#checkin-number") == "A001"

        # Now call-next calls it.
        called = requests.post(call, headers=clerk)
        assert called.status_code == 200 and called.json()["number"] == "A001"

        # A code that is no ticket: the API's translated message, and the offer of a new ticket.
        garbage = "NOT-A-REAL-TICKET-0000"
        expected = requests.post(
            f"{server.url}/api/v1/centres/test/tickets/{garbage}/check-in?lang=ar", headers=server.device("kiosk", "k2")
        ).json()["error"]["message"]
        scan(page, f"{server.url}/t/{garbage}")
        result(page, "unknown_ticket")
        assert expected in page.text_content("#checkin-message")
        assert page.text_content("#checkin-title") == "تعذّر تسجيل الحضور"
        assert page.locator("#checkin-new").is_visible()
        shot(page, artifacts, "checkin-unknown-ar")

        # Too late: the hold has passed, take a new ticket.
        scan(page, late["tracking_url"])
        result(page, "hold_expired")
        assert page.locator("#checkin-new").is_visible() and page.text_content("#checkin-number") == ""

        # A ticket of another centre is refused; the result goes back to the start on its own (~8 s).
        scan(page, elsewhere["tracking_url"])
        result(page, "other_centre_ticket")
        page.locator("#step-body:not([hidden])").wait_for(timeout=15_000)

        # In English the messages follow the page's language.
        page.tap("a.lang-button[data-lang=en]")
        page.wait_for_url("**lang=en")
        page.locator("[data-body=interior]").wait_for()
        scan(page, remote["tracking_url"])  # called already: no longer waiting
        result(page, "not_waiting")
        assert page.text_content("#checkin-title") == "Check-in not possible"
        assert "no longer waiting" in page.text_content("#checkin-message")
    finally:
        context.close()
