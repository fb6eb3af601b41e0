"""Park, call back, requeue a no-show and the out-of-turn reason, end to end: the clerk's console in
Chromium (Arabic), the visitor's phone (English), the supervisor's board (Urdu), the REST API, a real
Socket.IO client of the hall screen, and the audit trail."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.screenshots import save_screenshot
from tests.support.server import LiveServer
from tests.test_counter_console_browser import SHOWS, HallListener, sign_in


def kiosk_ticket(server: LiveServer, lang: str = "ar") -> dict[str, Any]:
    answer = requests.post(
        f"{server.url}/api/v1/centres/test/tickets",
        json={"service": "traffic", "lang": lang},
        headers=server.device("kiosk", "k1"),
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def public(server: LiveServer, ticket: dict[str, Any]) -> dict[str, Any]:
    return dict(requests.get(f"{server.url}/api/v1/tickets/{ticket['tracking_code']}").json())


@pytest.mark.browser
def test_park_call_back_requeue_and_out_of_turn(live_server: LiveServer, browser: Any, artifacts: Path) -> None:
    first, second, third = kiosk_ticket(live_server, "en"), kiosk_ticket(live_server), kiosk_ticket(live_server)
    live_server.add_user("clara", "clerk", "test")
    live_server.add_user("sam", "supervisor", "test")
    listener = HallListener(live_server)

    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en")
    phone = phone_context.new_page()
    phone.goto(first["tracking_url"] + "?lang=en")
    console_context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="ar")
    page = console_context.new_page()
    sign_in(page, live_server, "clara", "/counter/test")
    page.click('li[data-counter="1"] button')
    page.wait_for_selector('#live[data-connected="true"]')
    assert page.locator("#btn-park").is_disabled()  # nobody at the counter: nothing to park

    # A001 is called, then parked to fetch a document: it waits aside at counter 1, the counter is free.
    page.keyboard.press("n")
    page.wait_for_function(SHOWS % first["number"])
    page.keyboard.press("k")
    page.wait_for_selector("#no-ticket", state="visible")
    page.wait_for_selector(f'#parked li[data-number="{first["number"]}"]')
    assert public(live_server, first)["status"] == "parked"
    phone.wait_for_function("document.getElementById('ticket').dataset.status === 'parked'", timeout=15000)
    assert "come back to Counter 1" in phone.inner_text("#counter")
    assert phone.locator("#turn").is_hidden()

    # A002 is called and misses it; they come back late and the clerk puts them back in line.
    page.keyboard.press("n")
    page.wait_for_function(SHOWS % second["number"])
    page.keyboard.press("x")
    page.wait_for_selector(f'#missed li[data-number="{second["number"]}"]')
    page.click(f'#missed li[data-number="{second["number"]}"] button')
    page.wait_for_selector(f'#missed li[data-number="{second["number"]}"]', state="detached")
    back = public(live_server, second)
    assert back["status"] == "waiting" and back["position"] == 0  # their original time: ahead of A003
    save_screenshot(page, artifacts, "counter-parked", full_page=True)

    # The parked visitor is back: called again from the list, and the hall screen announces it again.
    page.click(f'#parked li[data-number="{first["number"]}"] button')
    page.wait_for_function(SHOWS % first["number"])
    page.wait_for_selector("#parked-card", state="hidden")
    assert len([c for c in listener.calls if c["number"] == first["number"]]) >= 1
    listener.wait_for(first["number"])
    phone.wait_for_function("document.getElementById('ticket').dataset.status === 'called'", timeout=15000)
    phone.wait_for_selector("#turn", state="visible")

    # The board (Urdu) watches; A003 called over the API ahead of A002 needs a reason and is listed.
    board_context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ur")
    board = board_context.new_page()
    sign_in(board, live_server, "sam", "/supervisor/test")
    board.goto(live_server.url + "/supervisor/test?lang=ur")
    board.wait_for_selector('#live[data-connected="true"]')
    assert board.locator("html").get_attribute("dir") == "rtl"
    assert board.locator("#out-of-turn-none").is_visible()
    clara = {"Authorization": f"Bearer {live_server.token('clara')}"}
    call = f"{live_server.url}/api/v1/centres/test/counters/1/call"
    refused = requests.post(call, json={"number": third["number"]}, headers=clara)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "reason_required"
    called = requests.post(call, json={"number": third["number"], "reason": "special_needs"}, headers=clara)
    assert called.status_code == 200 and called.json()["number"] == third["number"]
    board.wait_for_selector(f'#out-of-turn tr[data-number="{third["number"]}"]', timeout=15000)
    row = board.inner_text(f'#out-of-turn tr[data-number="{third["number"]}"]')
    assert "clara" in row and "خصوصی ضروریات" in row  # the reason, in Urdu
    save_screenshot(board, artifacts, "supervisor-out-of-turn", readme=False, full_page=True)

    with sqlite3.connect(Path(live_server.instance) / "tabour.db") as db:
        audit = db.execute("SELECT actor, target, detail FROM audit_log WHERE action = 'call_out_of_turn'").fetchall()
        kinds = [k for (k,) in db.execute("SELECT kind FROM ticket_events ORDER BY id")]
    assert [(actor, target) for actor, target, _ in audit] == [("clara", f"ticket:{third['number']}")]
    assert '"special_needs"' in audit[0][2] and f'"next": "{second["number"]}"' in audit[0][2]
    assert {"parked", "requeued", "no_show"} <= set(kinds)
    listener.client.disconnect()
    for context in (phone_context, console_context, board_context):
        context.close()
