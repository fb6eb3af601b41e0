"""Booking a visit as a visitor does, in Chromium at a phone's size (Arabic, then English): choose a service,
a day and a time, get a code and a QR; move it; then check in at the kiosk by typing the code and by
scanning a booking's QR, and on the phone with "I am here". Then the clerk calls the booked visitor."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.clock import daytime_today
from tests.support.screenshots import save_screenshot
from tests.support.server import LiveServer


def today() -> str:
    return daytime_today()  # the booking server's centre keeps a clock where it is about noon


PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}


def book_first_free_time(page: Any, server: LiveServer, lang: str, shot: Path | None = None, **person: str) -> str:
    """Book the first free time today for traffic; the booking code."""
    page.goto(f"{server.url}/book/test?lang={lang}")
    page.select_option("#service", "traffic")
    page.click("#choose button[type=submit]")
    page.locator("input[name=start]:enabled").first.check()
    if shot is not None:
        save_screenshot(page, shot, f"book-{lang}")
    for name, value in person.items():
        page.fill(f"#{name}", value)
    page.click("#book button[type=submit]")
    page.wait_for_url(re.compile(r"/b/\d{8}$"))
    return page.url.rsplit("/", 1)[1]


@pytest.mark.browser
def test_book_move_and_check_in_at_the_kiosk_and_on_the_phone(
    booking_server: LiveServer, browser: Any, artifacts: Path
) -> None:
    server = booking_server
    context = browser.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    try:
        code = book_first_free_time(page, server, "ar", artifacts, phone="+96550001234")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.text_content("#code") == code
        assert page.text_content("#status") == "محجوز"
        assert page.locator(".qr svg").count() == 1
        save_screenshot(page, artifacts, "booking-ar")

        other = book_first_free_time(page, server, "en", civil_id="290010112345")
        assert other != code and page.text_content("#status") == "Booked"
        before = page.text_content("#when")
        page.click("#move")
        page.click("#choose button[type=submit]")
        page.locator("input[name=start]:enabled").first.check()  # the first slot is full now: the next one
        page.click("#book button[type=submit]")
        page.wait_for_url(f"**/b/{other}")
        assert page.text_content("#when") != before  # moved, same code

        # the kiosk: "I have a ticket from home / appointment", type the code, check in: a printed ticket
        kiosk = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True, locale="en-US")
        screen = kiosk.new_page()
        screen.goto(f"{server.url}/pair/{server.tokens[('test', 'kiosk', 'k2')]}")
        screen.wait_for_url("**/kiosk/test/k2?lang=ar")
        screen.tap("a.lang-button[data-lang=en]")
        screen.wait_for_url("**lang=en")
        screen.tap("#checkin-open")
        for digit in code:
            screen.tap(f"[data-code-digit='{digit}']")
        assert screen.text_content("#booking-input") == code
        screen.tap("#booking-check-in")
        screen.locator("#step-ticket:not([hidden])").wait_for()
        assert screen.text_content("#ticket-number") == "A001"
        assert screen.text_content("#ticket-note") == "Your appointment: you will be called at your time."
        save_screenshot(screen, artifacts, "kiosk-appointment-en")

        # a third visitor shows their booking's QR to the scanner (a keyboard wedge "types" its URL)
        slots = requests.get(f"{server.url}/api/v1/centres/test/services/traffic/slots",
                             params={"date": today()}, timeout=10).json()["slots"]  # fmt: skip
        start = next(s["start"] for s in slots if s["available"])
        third = requests.post(f"{server.url}/api/v1/centres/test/appointments", timeout=10,
                              json={"service": "traffic", "start": start, "phone": "+96550004321"}).json()  # fmt: skip
        screen.tap("#done")
        screen.keyboard.type(third["url"], delay=5)
        screen.keyboard.press("Enter")
        screen.locator("#step-ticket:not([hidden])").wait_for()
        assert screen.text_content("#ticket-number") == "A002"
        kiosk.close()

        # the phone: "I am here" checks the other booking in and opens its ticket's page
        page.click("#here")
        page.wait_for_url(re.compile(r"/t/[A-Za-z0-9_-]+$"))
        assert page.text_content("#number") == "A003"

        clerk = server.clerk_at("1", "desk")
        called = requests.post(f"{server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk, timeout=10)
        assert called.status_code == 200 and called.json()["priority"] == "appointment"
        assert called.json()["number"] == "A001"  # the earlier time first
    finally:
        context.close()
