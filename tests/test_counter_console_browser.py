"""The clerk's console in Chromium: sign in, pick a counter, call with the keyboard, and see the call on
a paired hall screen (and on a real Socket.IO client of that screen); recall, transfer with a note,
no-show, pause and resume through the page."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from tests.support.screenshots import save_screenshot
from tests.support.server import LiveServer

SHOWS = "!document.getElementById('ticket').hidden && document.getElementById('ticket-number').textContent === '%s'"


def issue(server: LiveServer, headers: dict[str, str], service: str = "traffic") -> str:
    answer = requests.post(
        f"{server.url}/api/v1/centres/test/tickets", json={"service": service, "source": "staff"}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["number"])


def shoot(page: Any, artifacts: Path, name: str) -> None:
    save_screenshot(page, artifacts, name, full_page=True)


class HallListener:
    """A real python-socketio client connected to /hall with the hall display's device token."""

    def __init__(self, server: LiveServer) -> None:
        self.calls: list[dict[str, Any]] = []
        self.called = threading.Event()
        self.client = socketio.Client()
        self.client.on("ticket_called", self._on_call, namespace="/hall")
        token = server.tokens[("test", "display", "hall")]
        self.client.connect(server.url, namespaces=["/hall"], auth={"token": token}, transports=["websocket"])

    def _on_call(self, data: dict[str, Any]) -> None:
        self.calls.append(data)
        self.called.set()

    def wait_for(self, number: str, recall: bool = False, timeout: float = 15.0) -> dict[str, Any]:
        for _ in range(50):
            for call in self.calls:
                if call["number"] == number and call["recall"] == recall:
                    return call
            self.called.clear()
            self.called.wait(timeout / 50)
        raise AssertionError(f"no ticket_called for {number} (recall={recall}): {self.calls}")


# form controls a screen reader would announce without a name (no label, no aria-label)
UNNAMED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((c) => !c.closest('label') && !c.getAttribute('aria-label'))
  .filter((c) => !(c.id && document.querySelector(`label[for="${c.id}"]`)))
  .map((c) => c.id || c.name)"""


def sign_in(page: Any, server: LiveServer, username: str, path: str) -> None:
    page.goto(server.url + path)
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "secret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(server.url + path)


@pytest.mark.browser
def test_clerk_works_the_counter_and_the_hall_screen_shows_the_call(
    live_server: LiveServer, browser: Any, artifacts: Path
) -> None:
    staff = live_server.staff("issuer", "clerk", "test")
    live_server.add_user("clara", "clerk", "test")
    numbers = [issue(live_server, staff) for _ in range(3)] + [issue(live_server, staff, "residency")]
    assert numbers == ["A001", "A002", "A003", "B001"]
    listener = HallListener(live_server)

    screen_context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="ar")
    screen = screen_context.new_page()
    screen.goto(f"{live_server.url}/pair/{live_server.tokens[('test', 'display', 'hall')]}")
    assert screen.url.endswith("/display/test/hall")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar")
    page = context.new_page()
    sign_in(page, live_server, "clara", "/counter/test")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.click('li[data-counter="1"] button')
    page.wait_for_selector('#live[data-connected="true"]')
    assert page.locator("#counter-state").get_attribute("data-state") == "idle"
    assert page.locator('#counts tr[data-service="traffic"] .waiting').inner_text() == "3"
    assert page.evaluate(UNNAMED_CONTROLS) == []  # every field says what it is to a screen reader

    # Call next with the keyboard shortcut shown on the button.
    assert page.locator("#btn-call-next kbd").inner_text() == "N"
    page.keyboard.press("n")
    page.wait_for_function(SHOWS % "A001")
    assert page.locator("#counter-state").get_attribute("data-state") == "calling"
    listener.wait_for("A001")
    screen.wait_for_function("document.getElementById('now-number').textContent.trim() === 'A001'", timeout=15_000)
    page.wait_for_function(
        "document.querySelector('#counts tr[data-service=\"traffic\"] .waiting').textContent === '2'"
    )

    # Recall: announced again; after max_recalls (2) only no-show is left.
    page.click("#btn-recall")
    page.wait_for_function("document.getElementById('ticket-recalls').textContent === '1'")
    listener.wait_for("A001", recall=True)
    page.click("#btn-recall")
    page.wait_for_function("document.getElementById('ticket-recalls').textContent === '2'")
    assert page.locator("#btn-recall").is_disabled()

    # Transfer with a note: the visitor waits for residency now (keeping their place in time).
    page.select_option("#transfer-service", "residency")
    page.fill("#transfer-note", "needs the residency desk")
    page.click("#btn-transfer")
    page.wait_for_selector("#no-ticket", state="visible")
    page.wait_for_function(
        "document.querySelector('#counts tr[data-service=\"residency\"] .waiting').textContent === '2'"
    )
    # Next takes this counter's first service (traffic): A002. Mark them absent.
    page.keyboard.press("n")
    page.wait_for_function(SHOWS % "A002")
    page.click("#btn-no-show")
    page.wait_for_selector("#no-ticket", state="visible")
    # Call a specific number (C focuses the field): A001 now waits for residency, this counter's second
    # service, while A003 (traffic) is next: calling it out of turn asks for a reason first.
    page.keyboard.press("c")
    page.keyboard.type("a001")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-error")
    assert page.evaluate("document.activeElement.id") == "call-reason"
    page.select_option("#call-reason", "returned")
    page.click("#btn-call")
    page.wait_for_function(SHOWS % "A001")
    assert page.locator("#ticket-note-text").inner_text() == "needs the residency desk"
    assert page.locator("#ticket-recalls").inner_text() == "0"
    listener.wait_for("A001")
    page.keyboard.press("d")
    page.wait_for_selector("#no-ticket", state="visible")
    assert page.locator("#flash").inner_text() == "A001: تمت الخدمة."  # the clerk is told what happened
    page.keyboard.press("n")
    page.wait_for_function(SHOWS % "A003")
    page.keyboard.press("s")
    page.wait_for_function("document.getElementById('counter-state').dataset.state === 'serving'")
    shoot(page, artifacts, "counter-console")
    page.keyboard.press("d")
    page.wait_for_selector("#no-ticket", state="visible")

    # Pause with a reason, then resume with P.
    page.select_option("#pause-reason-select", "prayer")
    page.click("#btn-pause")
    page.wait_for_function("document.getElementById('counter-state').dataset.state === 'paused'")
    assert page.locator("#paused").is_visible()
    assert page.locator("#btn-call-next").is_disabled()
    shoot(page, artifacts, "counter-paused")
    page.keyboard.press("p")
    page.wait_for_function("document.getElementById('counter-state').dataset.state === 'idle'")
    # from the keyboard alone: P chooses the reason list, Enter pauses (the README's shortcut)
    page.keyboard.press("p")
    assert page.evaluate("document.activeElement.id") == "pause-reason-select"
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('counter-state').dataset.state === 'paused'")
    page.keyboard.press("p")
    page.wait_for_function("document.getElementById('counter-state').dataset.state === 'idle'")

    # The API sees what the page did.
    hall = requests.get(f"{live_server.url}/api/v1/centres/test/hall", headers=staff).json()
    counter = next(c for c in hall["counters"] if c["code"] == "1")
    assert counter["state"] == "idle" and counter["clerk"] == "clara"

    # Sign out of the counter: it closes and the browser is back on the sign-in page.
    page.click("#btn-sign-out")
    page.wait_for_url(live_server.url + "/login")
    hall = requests.get(f"{live_server.url}/api/v1/centres/test/hall", headers=staff).json()
    assert next(c for c in hall["counters"] if c["code"] == "1")["state"] == "closed"
    listener.client.disconnect()
    context.close()
    screen_context.close()


@pytest.mark.browser
def test_console_in_english_and_urdu(live_server: LiveServer, browser: Any, artifacts: Path) -> None:
    staff = live_server.staff("issuer", "clerk", "test")
    live_server.add_user("clara", "clerk", "test")
    issue(live_server, staff)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en")
    page = context.new_page()
    sign_in(page, live_server, "clara", "/counter/test")
    page.goto(live_server.url + "/counter/test?lang=en")
    page.click('li[data-counter="2"] button')
    page.wait_for_selector('#live[data-connected="true"]')
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert "Call next" in page.locator("#btn-call-next").inner_text()
    page.click("#btn-call-next")
    page.wait_for_function(SHOWS % "A001")
    shoot(page, artifacts, "counter-console-en")
    page.goto(live_server.url + "/counter/test?lang=ur")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#btn-call-next").inner_text().split()[0] != "Call"
    context.close()
