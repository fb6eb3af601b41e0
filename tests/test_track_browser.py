"""The tracking page in Chromium, phone-sized: live update within a second of a call, "your turn",
the rating stored, and the polling fallback with websockets blocked."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.support.screenshots import save_screenshot
from tests.support.server import LiveServer

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def issue(server: LiveServer, **body: object) -> dict:
    response = requests.post(
        f"{server.url}/api/v1/centres/test/tickets",
        json={"service": "traffic", **body},
        headers=server.device("kiosk", "k1"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def shot(page, artifacts: Path, name: str) -> None:
    save_screenshot(page, artifacts, name)


@pytest.mark.browser
def test_live_call_your_turn_and_rating(live_server: LiveServer, browser, artifacts: Path) -> None:
    server = live_server
    clerk = server.clerk_at("1", "clerk-track")
    for _ in range(3):
        issue(server)
    mine = issue(server, lang="en")
    context = browser.new_context(**PHONE, locale="en")
    page = context.new_page()
    page.goto(mine["tracking_url"] + "?lang=en")
    page.wait_for_selector("#ticket[data-live='socket']", timeout=15000)
    assert page.inner_text("#ahead") == "People ahead of you: 3"
    assert page.is_visible("#almost")
    assert "minutes" in page.inner_text("#eta")
    shot(page, artifacts, "track-waiting-en")
    call = f"{server.url}/api/v1/centres/test/counters/1/call-next"
    for _ in range(3):  # the three ahead are called (and completed by the next call)
        assert requests.post(call, headers=clerk).status_code == 200
    page.wait_for_function("document.getElementById('ahead').textContent.trim() === 'You are next'", timeout=15000)
    assert requests.post(call, headers=clerk).json()["number"] == mine["number"]
    page.wait_for_selector("#turn:not([hidden])", timeout=15000)  # how fast: bench/fanout.py measures it
    assert page.inner_text("#turn-counter") == "Please go to Counter 1"
    # the dialog has a name a screen reader says (its title), and what to do as its description
    assert page.get_by_role("alertdialog", name="Your turn").is_visible()
    shot(page, artifacts, "track-turn-en")
    page.click("#turn-ok")
    # the clerk calls again (the visitor did not come): the phone alerts again, at the moment it matters
    assert page.is_hidden("#turn")
    assert requests.post(f"{server.url}/api/v1/centres/test/counters/1/recall", headers=clerk).status_code == 200
    page.wait_for_selector("#turn:not([hidden])", timeout=15000)
    page.click("#turn-ok")
    assert requests.post(f"{server.url}/api/v1/centres/test/counters/1/complete", headers=clerk).status_code == 200
    page.wait_for_selector("#rating:not([hidden])", timeout=15000)
    # big enough to touch: every star and language link is at least 44 px on each side
    sizes = page.eval_on_selector_all(
        ".stars label, .langs a",
        "nodes => nodes.map(n => { const r = n.getBoundingClientRect(); return [r.width, r.height]; })",
    )
    assert sizes and all(w >= 44 and h >= 44 for w, h in sizes), sizes
    page.click(".stars label:nth-of-type(4)")
    page.fill("#comment", "Quick and kind")
    shot(page, artifacts, "track-rating-en")
    page.click("#rating button[type=submit]")
    page.wait_for_selector("#thanks:not([hidden])", timeout=15000)
    context.close()
    engine = create_engine(f"sqlite:///{server.instance / 'tabour.db'}")
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT r.score, r.comment, r.counter_id, r.user_id, r.service_id, t.number FROM ratings r "
                "JOIN tickets t ON t.id = r.ticket_id"
            )
        ).one()
    engine.dispose()
    assert row.score == 4 and row.comment == "Quick and kind" and row.number == mine["number"]
    assert row.counter_id is not None and row.user_id is not None and row.service_id is not None


@pytest.mark.browser
def test_polling_fallback_with_websockets_blocked(live_server: LiveServer, browser, artifacts: Path) -> None:
    server = live_server
    clerk = server.clerk_at("1", "clerk-poll")
    mine = issue(server, lang="ar")
    context = browser.new_context(**PHONE, locale="ar")
    page = context.new_page()
    page.route_web_socket("**/socket.io/**", lambda ws: ws.close())
    page.route("**/socket.io/?*", lambda route: route.abort())
    page.goto(mine["tracking_url"] + "?lang=ar")
    page.wait_for_selector("#ticket[data-live='polling']")
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.is_visible("#live")
    shot(page, artifacts, "track-waiting-ar")
    assert requests.post(f"{server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk).status_code == 200
    page.wait_for_selector("#turn:not([hidden])", timeout=15000)
    assert page.get_attribute("#ticket", "data-live") == "polling"
    context.close()
    # the visitor leaves: the page in Urdu, "I am leaving" frees the place
    other = issue(server, lang="ur")
    context = browser.new_context(**PHONE, locale="en")  # a phone set to English...
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(other["tracking_url"])  # ...opens the QR's link: the page speaks what was chosen at the kiosk
    assert page.get_attribute("html", "lang") == "ur" and page.get_attribute("html", "dir") == "rtl"
    shot(page, artifacts, "track-waiting-ur")
    page.click("#leave button")
    page.wait_for_function("document.getElementById('ticket').dataset.status === 'cancelled'", timeout=15000)
    assert requests.get(f"{server.url}/api/v1/tickets/{other['tracking_code']}").json()["status"] == "cancelled"
    page.goto(f"{server.url}/join/test?lang=ar")
    groups = page.locator("fieldset.body-group legend").all_inner_texts()
    assert groups == ["وزارة الداخلية", "المعلومات المدنية والصحة"]  # services grouped by body, as at the kiosk
    shot(page, artifacts, "join-ar")
    context.close()
