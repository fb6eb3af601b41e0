"""The supervisor's board in Chromium: it changes as the hall changes (no reload), and its actions
(close/open a service, a counter's live services, move a waiting ticket) work and are audited."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.support.server import SMALL_CONFIG, LiveServer
from tests.test_counter_console_browser import issue, shoot, sign_in


def row(service: str) -> str:
    return f'#services tr[data-service="{service}"]'


def text_is(page: Any, selector: str, expected: str) -> None:
    page.wait_for_function(
        "([s, e]) => { const n = document.querySelector(s); return n && n.textContent.trim() === e; }",
        arg=[selector, expected],
        timeout=15_000,
    )


@pytest.mark.browser
def test_board_follows_the_hall_and_its_changes_are_audited(
    live_server: LiveServer, browser: Any, artifacts: Path
) -> None:
    clerk = live_server.clerk_at("1", "clara")
    live_server.add_user("sam", "supervisor", "test")
    issue(live_server, clerk)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ar")
    page = context.new_page()
    sign_in(page, live_server, "sam", "/supervisor/test")
    page.wait_for_selector('#live[data-connected="true"]')
    text_is(page, row("traffic") + " .waiting", "1")
    # the staffing advice box says something only once the server answered (no history here: nothing)
    page.wait_for_selector("#advice-none:not([hidden])")
    assert page.locator("#advice li").count() == 0

    # The hall changes: tickets issued, a counter calls. The board follows without a reload.
    issue(live_server, clerk)
    issue(live_server, clerk)
    text_is(page, row("traffic") + " .waiting", "3")
    called = requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk)
    assert called.json()["number"] == "A001"
    text_is(page, '#counters tr[data-counter="1"] .current', "A001")
    text_is(page, '#counters tr[data-counter="1"] .clerk', "clara")
    assert page.locator('#counters tr[data-counter="1"]').get_attribute("data-state") == "calling"
    text_is(page, row("traffic") + " .waiting", "2")
    assert "1" in page.locator(row("traffic") + " .serving").inner_text()

    # A wait beyond its target raises an alert (the oldest ticket made 30 minutes old in the database).
    with sqlite3.connect(Path(live_server.instance) / "tabour.db") as db:
        old = (datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=30)).isoformat(sep=" ")
        db.execute("UPDATE tickets SET queued_at = ? WHERE number = 'A002'", (old,))
    issue(live_server, clerk, "medical")  # any queue change brings fresh figures
    page.wait_for_selector("#alerts p.alert")
    assert page.locator(row("traffic")).get_attribute("data-level") == "over"
    shoot(page, artifacts, "supervisor-board")

    # The services are grouped by body; closing traffic for new tickets asks once more first.
    bodies = page.eval_on_selector_all("#services tr.body-row", "rows => rows.map((r) => r.dataset.body)")
    assert bodies == ["interior", "civil-health"]
    page.click('button[data-intake="traffic"]')
    page.wait_for_selector('button[data-intake="traffic"][data-confirm="true"]')
    assert page.locator(row("traffic")).get_attribute("data-open") == "true"  # not closed by one press
    page.click('button[data-intake="traffic"]')
    page.wait_for_selector(row("traffic") + '[data-open="false"]')
    refused = requests.post(
        f"{live_server.url}/api/v1/centres/test/tickets", json={"service": "traffic", "source": "staff"}, headers=clerk
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "service_closed"
    page.click('button[data-intake="traffic"]')
    page.wait_for_selector(row("traffic") + '[data-open="true"]')

    # Counter 2 serves medical only, from now on.
    page.click('#counters tr[data-counter="2"] summary')
    form = page.locator('#counters tr[data-counter="2"] form')
    form.locator('input[value="traffic"]').uncheck()
    form.locator('input[value="residency"]').uncheck()
    form.locator('input[value="medical"]').check()
    form.locator("button[type=submit]").click()
    text_is(page, '#counters tr[data-counter="2"] summary', "الفحص الطبي")
    hall = requests.get(f"{live_server.url}/api/v1/centres/test/hall", headers=clerk).json()
    assert next(c for c in hall["counters"] if c["code"] == "2")["services"] == ["medical"]

    # Move waiting ticket A003 to civil-id.
    page.fill("#form-move input[name=number]", "A003")
    page.select_option("#form-move select[name=service]", "civil-id")
    page.click("#form-move button")
    text_is(page, row("civil-id") + " .waiting", "1")
    text_is(page, row("traffic") + " .waiting", "1")

    with sqlite3.connect(Path(live_server.instance) / "tabour.db") as db:
        audited = db.execute("SELECT action, actor, target FROM audit_log WHERE actor = 'sam' ORDER BY id").fetchall()
    assert [a for a, _actor, _t in audited] == [
        "login",
        "service_closed",
        "service_opened",
        "counter_services",
        "ticket_moved",
    ]
    assert audited[-1][2] == "ticket:A003"
    context.close()


@pytest.mark.browser
def test_a_counters_service_order_is_shown_kept_and_changed(tmp_path: Path, browser: Any) -> None:
    """Counter 1 serves residency before traffic. Before, "Apply" posted the centre's order and turned it
    into traffic-first without anyone asking; now the form lists the counter's order and moves a line."""
    data = yaml.safe_load(SMALL_CONFIG.read_text(encoding="utf-8"))
    centre = next(c for c in data["centres"] if c["code"] == "test")
    next(c for c in centre["counters"] if c["code"] == "1")["services"] = ["residency", "traffic"]
    config = tmp_path / "order.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    server = LiveServer(instance=tmp_path / "instance", config=config).start()
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en")
    try:
        server.add_user("sam", "supervisor", "test")
        page = context.new_page()
        sign_in(page, server, "sam", "/supervisor/test")
        page.wait_for_selector('#live[data-connected="true"]', timeout=15_000)

        def lines() -> list[str]:
            return page.eval_on_selector_all(
                'details[data-counter="1"] .service-line', "nodes => nodes.map(n => n.dataset.service)"
            )

        api = server.staff("sam-api", "supervisor")

        def served() -> list[str]:
            hall = requests.get(f"{server.url}/api/v1/centres/test/hall", headers=api)
            return next(c["services"] for c in hall.json()["counters"] if c["code"] == "1")

        page.click('details[data-counter="1"] summary')
        assert lines()[:2] == ["residency", "traffic"]
        page.click('details[data-counter="1"] button[type=submit]')
        page.wait_for_selector('details[data-counter="1"] button[type=submit]:not([disabled])', timeout=15_000)
        assert served() == ["residency", "traffic"]  # applying without a change changes nothing

        page.click('details[data-counter="1"] .service-line[data-service="traffic"] button.earlier')
        assert lines()[:2] == ["traffic", "residency"]
        page.click('details[data-counter="1"] button[type=submit]')
        page.wait_for_function(
            "() => document.querySelector('details[data-counter=\"1\"] summary').textContent.startsWith('Traffic')",
            timeout=15_000,
        )
        assert served() == ["traffic", "residency"]
    finally:
        context.close()
        server.stop()


@pytest.mark.browser
def test_people_waiting_with_no_counter_open_raise_an_alert(live_server: LiveServer, browser: Any) -> None:
    """Before, such a queue showed an expected wait and raised nothing, while its wait could only grow."""
    live_server.add_user("sam", "supervisor", "test")
    issuer = live_server.staff("issuer", "supervisor", "test")
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en")
    try:
        page = context.new_page()
        sign_in(page, live_server, "sam", "/supervisor/test?lang=en")
        page.wait_for_selector('#live[data-connected="true"]', timeout=15_000)
        issue(live_server, issuer, "medical")
        text_is(page, row("medical") + " .eta", "No counter open")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#alerts p')].some(p => p.textContent.includes('no open counter'))",
            timeout=15_000,
        )
        live_server.clerk_at("6", "nurse")  # counter 6 serves medical: the alert goes
        page.wait_for_function(
            "() => ![...document.querySelectorAll('#alerts p')].some(p => p.textContent.includes('no open counter'))",
            timeout=15_000,
        )
        assert page.locator(row("medical") + " .eta").inner_text() != "No counter open"
    finally:
        context.close()
