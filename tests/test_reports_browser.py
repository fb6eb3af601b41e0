"""The reports page in Chromium (Arabic, then English): a supervisor reads today's figures, charts drawn
by Chart.js from Debian's package, the heat map, clerks with their ratings, and downloads the same tables
as a spreadsheet; a clerk may not open it."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.screenshots import save_screenshot
from tests.support.server import LiveServer
from tests.test_counter_console_browser import sign_in

META_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def serve(server: LiveServer, staff: dict[str, str], counter: str, n: int) -> list[str]:
    """Issue and serve n tickets at one counter; their tracking codes."""
    base = f"{server.url}/api/v1/centres/test"
    codes = []
    for _ in range(n):
        issued = requests.post(f"{base}/tickets", json={"service": "traffic"}, headers=server.device("kiosk", "k1"))
        codes.append(issued.json()["tracking_code"])
        assert requests.post(f"{base}/counters/{counter}/call-next", headers=staff).status_code == 200
        assert requests.post(f"{base}/counters/{counter}/complete", headers=staff).status_code == 200
    return codes


def rate(server: LiveServer, code: str, score: int, comment: str) -> None:
    with requests.Session() as phone:
        token = META_CSRF.search(phone.get(f"{server.url}/t/{code}").text)
        assert token is not None
        answer = phone.post(
            f"{server.url}/t/{code}/rating",
            json={"score": score, "comment": comment},
            headers={"X-CSRFToken": token.group(1), "Accept": "application/json"},
        )
        assert answer.status_code == 201, answer.text


@pytest.mark.browser
def test_a_supervisor_reads_the_day_and_takes_the_spreadsheet(
    live_server: LiveServer, browser: Any, artifacts: Path
) -> None:
    clerk = live_server.staff("nora", "clerk", "test")
    assert requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/sign-in", headers=clerk).status_code == 200
    codes = serve(live_server, clerk, "1", 3)
    rate(live_server, codes[0], 5, "خدمة ممتازة وسريعة")
    rate(live_server, codes[1], 3, "")
    live_server.add_user("sara", "supervisor", "test")
    live_server.add_user("desk2", "clerk", "test")

    context = browser.new_context(viewport={"width": 1280, "height": 1200}, locale="ar")
    page = context.new_page()
    try:
        sign_in(page, live_server, "sara", "/reports/test?preset=today&lang=ar")
        assert page.locator("html").get_attribute("dir") == "rtl"
        traffic = page.locator('#services-table tr[data-service="traffic"] td')
        assert traffic.nth(0).inner_text() == "3" and traffic.nth(1).inner_text() == "3"  # issued, served
        page.wait_for_selector('#report[data-charts="drawn"]')  # Chart.js, served by Tabour
        assert page.evaluate("Boolean(window.Chart)")
        clerk_row = page.locator('#clerks-table tr[data-clerk="nora"] td')
        assert clerk_row.nth(0).inner_text() == "3" and clerk_row.nth(6).inner_text().startswith("4")  # (5+3)/2
        assert "خدمة ممتازة" in page.inner_text(".comments")
        assert page.locator("#heat td.level-10").count() == 1  # every arrival in one hour of one day
        save_screenshot(page, artifacts, "reports-ar", full_page=True, readme=True)

        cookies = {c["name"]: c["value"] for c in context.cookies()}
        sheet = requests.get(f"{live_server.url}/reports/test/report.xlsx?preset=today&lang=en", cookies=cookies)
        assert sheet.status_code == 200 and sheet.headers["Content-Type"].startswith("application/vnd.openxml")
        with zipfile.ZipFile(io.BytesIO(sheet.content)) as book:
            names = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
            strings = book.read("xl/sharedStrings.xml").decode()
        assert len(names) == 5  # services, clerks, counters, arrivals, comments
        for text in ("Traffic services", "nora", "Mean wait (min)", "خدمة ممتازة وسريعة"):
            assert text in strings
        table = requests.get(f"{live_server.url}/reports/test/report.csv?preset=today", cookies=cookies).text
        assert table.splitlines()[0].startswith("service,issued,served") and "traffic,3,3" in table

        page.goto(f"{live_server.url}/reports/test?preset=today&lang=en")
        assert page.locator("html").get_attribute("dir") == "ltr"
        assert "Waits against their targets" in page.inner_text("body")
        page.wait_for_selector('#report[data-charts="drawn"]')  # the charts in English too
        assert "Family visits: 0" in page.inner_text("#family-line")
    finally:
        context.close()

    # a supervisor of another centre cannot read this centre's reports, nor a clerk its own
    live_server.add_user("omar", "supervisor", "other")
    elsewhere = browser.new_context()
    try:
        boss = elsewhere.new_page()
        sign_in(boss, live_server, "omar", "/reports/other")
        answer = boss.goto(f"{live_server.url}/reports/test")
        assert answer is not None and answer.status == 403
    finally:
        elsewhere.close()

    other = browser.new_context()
    try:
        desk = other.new_page()
        sign_in(desk, live_server, "desk2", "/counter/test")
        answer = desk.goto(f"{live_server.url}/reports/test")
        assert answer is not None and answer.status == 403
    finally:
        other.close()
