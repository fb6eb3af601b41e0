"""A day the centre is closed, as visitors see it in Chromium: the kiosk (Arabic, then English) and the join
page say why, by the closure's own name, and when the centre opens; no tile can be tapped."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.screenshots import save_screenshot
from tests.support.server import LiveServer


@pytest.mark.browser
def test_kiosk_and_join_page_say_why_the_centre_is_closed(live_server: LiveServer, browser, artifacts: Path) -> None:
    today = datetime.now(ZoneInfo("Asia/Kuwait")).date().isoformat()
    supervisor = live_server.staff("lead", "supervisor")
    reason = {"ar": "انقطاع الكهرباء", "en": "Power cut", "ur": "بجلی کی بندش"}
    made = requests.post(
        f"{live_server.url}/api/v1/centres/test/calendar",
        json={"from": today, "reason": reason},
        headers=supervisor,
        timeout=10,
    )
    assert made.status_code == 201, made.text
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True, locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/pair/{live_server.tokens[('test', 'kiosk', 'k2')]}")
        page.wait_for_url("**/kiosk/test/k2?lang=ar")
        banner = page.locator("#hall-closed")
        banner.wait_for()
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert "مغلق اليوم: انقطاع الكهرباء" in banner.inner_text()
        assert "يفتح" in banner.inner_text()  # ... and when it opens
        assert page.locator("[data-body]").count() > 0
        assert page.locator("[data-body]:enabled").count() == 0  # nothing to tap
        save_screenshot(page, artifacts, "kiosk-closed-ar")

        page.tap("a.lang-button[data-lang=en]")
        page.wait_for_url("**lang=en")
        banner.wait_for()
        text = banner.inner_text()
        assert text.startswith("Closed today: Power cut · Opens ")
        assert "00:00" in text  # the test centre opens at midnight: tomorrow, in the centre's time

        page.goto(f"{live_server.url}/join/test?lang=en")
        notice = page.locator("#hall-closed")
        assert "The centre is closed today: Power cut." in notice.inner_text()
        assert "It opens" in notice.inner_text()
        assert page.locator("input[name=service]:enabled").count() == 0
        page.goto(f"{live_server.url}/join/test?lang=ur")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert "بجلی کی بندش" in page.locator("#hall-closed").inner_text()
    finally:
        context.close()
