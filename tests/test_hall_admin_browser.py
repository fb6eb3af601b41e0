"""An administrator adds a government body with its first service and a counter for it, in Chromium and in
Arabic; the hall screen, open all along, shows the new body and then a call at the new counter, without a
restart of anything (issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.support.screenshots import save_screenshot
from tests.support.server import LiveServer


@pytest.mark.browser
def test_an_administrator_adds_a_service_and_a_counter_and_the_screen_shows_them(
    live_server: LiveServer, browser: Any, artifacts: Path
) -> None:
    server = live_server
    server.add_user("amal", "admin")

    screen = browser.new_context(viewport={"width": 1280, "height": 720}, locale="ar").new_page()
    screen.goto(f"{server.url}/pair/{server.tokens[('test', 'display', 'hall')]}")
    assert screen.url.endswith("/display/test/hall")
    expect(screen.locator("#bodies li").first).to_be_visible(timeout=15_000)
    expect(screen.locator("#bodies")).not_to_contain_text("وزارة العدل")

    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ar").new_page()
    page.goto(f"{server.url}/admin/hall?lang=ar")
    page.fill("input[name=username]", "amal")
    page.fill("input[name=password]", "secret-pass-1")
    page.click("button[type=submit]")
    page.click("a[href$='/admin/hall/test']")  # the deployment's centres, then one of them
    expect(page.locator("h1")).to_have_text("مركز الاختبار")
    assert page.locator("html").get_attribute("dir") == "rtl"

    # A new body with its first service.
    page.click("#bodies a.btn-primary")
    expect(page.locator("h1")).to_contain_text("إضافة")
    page.fill("input[name=code]", "justice")
    page.fill("input[name='names.ar']", "وزارة العدل")
    page.fill("input[name='names.en']", "Ministry of Justice")
    page.fill("input[name='services.0.code']", "notary")
    page.fill("input[name='services.0.names.ar']", "التوثيق")
    page.fill("input[name='services.0.prefix']", "A")  # traffic's letter: refused on its field
    page.fill("input[name='services.0.minutes']", "10")
    page.click("form.config-form button[type=submit]")
    expect(page.locator("[data-error-for='services.0.prefix']")).to_contain_text("مستخدم")
    expect(page.locator("input[name='names.ar']")).to_have_value("وزارة العدل")  # nothing typed is lost
    page.fill("input[name='services.0.prefix']", "N")
    page.click("form.config-form button[type=submit]")
    expect(page.locator(".flash-info")).to_be_visible()
    expect(page.locator("#services tr[data-entry=notary]")).to_be_visible()

    # A counter for it, serving notary first and then traffic.
    page.click("#counters a.btn-primary")
    page.fill("input[name=code]", "9")
    page.fill("input[name='names.ar']", "الشباك 9")
    page.select_option("select[name=zone]", "main")
    page.check("input[name=services][value=notary]")
    page.fill("input[name='services.order.notary']", "1")
    page.check("input[name=services][value=traffic]")
    page.fill("input[name='services.order.traffic']", "2")
    save_screenshot(page, artifacts, "admin-hall-counter", full_page=False)
    page.click("form.config-form button[type=submit]")
    expect(page.locator("#counters tr[data-entry='9']")).to_contain_text("notary, traffic")

    # The screen loaded the hall again by itself: the new body is listed.
    expect(screen.locator("#bodies")).to_contain_text("وزارة العدل", timeout=20_000)

    # And it works: a ticket for the new service, called at the new counter, is on the screen.
    issuer = server.staff("issuer", "clerk")
    ticket = requests.post(f"{server.url}/api/v1/centres/test/tickets", json={"service": "notary"}, headers=issuer)
    assert ticket.status_code == 201 and ticket.json()["number"] == "N001", ticket.text
    clerk = server.clerk_at("9", "nour")
    called = requests.post(f"{server.url}/api/v1/centres/test/counters/9/call-next", headers=clerk)
    assert called.status_code == 200 and called.json()["number"] == "N001", called.text
    screen.wait_for_function("document.getElementById('now-number').textContent.trim() === 'N001'", timeout=15_000)

    page.goto(f"{server.url}/admin/hall/test?lang=ar")
    save_screenshot(page, artifacts, "admin-hall")
