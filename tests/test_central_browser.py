"""The central board in Chromium: the operations room's role lands on it, sees every centre, the one
with people waiting and no counter first, updated by push when a ticket is issued; a tile opens that
centre's board, read-only; a supervisor may not open the central board."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.screenshots import save_screenshot
from tests.support.server import LiveServer

WAITING = "document.querySelector('.centre-tile[data-centre=\"test\"] .facts')?.dataset.waiting"


@pytest.mark.browser
def test_the_central_board_follows_every_centre(live_server: LiveServer, browser: Any, artifacts: Path) -> None:
    live_server.add_user("ops", "central")
    live_server.add_user("lead", "supervisor", "test")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login?lang=en")
        page.fill("input[name=username]", "ops")
        page.fill("input[name=password]", "secret-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/central")  # where the central role starts
        page.wait_for_selector('#live[data-connected="true"]')
        page.wait_for_function("document.body.dataset.centres === '2'")  # the small config's two centres
        assert page.evaluate(WAITING) == "0"

        issued = requests.post(
            f"{live_server.url}/api/v1/centres/test/tickets",
            json={"service": "traffic"},
            headers=live_server.device("kiosk", "k1"),
        )
        assert issued.status_code == 201
        page.wait_for_function(f"{WAITING} === '1'", timeout=15_000)  # pushed, not polled
        first = page.locator(".centre-tile").first
        assert first.get_attribute("data-centre") == "test"  # nobody at a counter while someone waits
        assert first.get_attribute("data-alert") == "no_counter"
        save_screenshot(page, artifacts, "central-board", readme=True)

        first.locator("a").click()
        page.wait_for_url(f"{live_server.url}/supervisor/test")
        assert "read-only" in (page.get_attribute("body", "class") or "")
        assert page.locator("#form-move").is_hidden()
    finally:
        context.close()

    other = browser.new_context()
    try:
        lead = other.new_page()
        lead.goto(f"{live_server.url}/login")
        lead.fill("input[name=username]", "lead")
        lead.fill("input[name=password]", "secret-pass-1")
        lead.click("button[type=submit]")
        lead.wait_for_url(f"{live_server.url}/supervisor/test")
        answer = lead.goto(f"{live_server.url}/central")
        assert answer is not None and answer.status == 403
    finally:
        other.close()
