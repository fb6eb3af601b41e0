"""Staffing advice in Chromium, in Arabic: a supervisor plans tomorrow's counters from eight weeks of the
hall's own history (written as events by tests/support/staffing_days.py, one Interior counter on most
days), then the board advises, from the live queue, which counter to open now."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from queue_app.domain.calendar import local_time
from queue_app.services import staffing
from queue_app.services.catalog import sync_catalog
from queue_app.settings import load_config
from queue_app.store.database import Database, utcnow
from tests.support.clock import daytime_zone
from tests.support.screenshots import save_screenshot
from tests.support.server import SMALL_CONFIG, LiveServer
from tests.support.staffing_days import same_weekdays, truth, write_days
from tests.test_counter_console_browser import sign_in
from tests.test_staffing import MINUTES, RATES, SHAPE, SHORT_HANDED


def write_history(server: LiveServer) -> None:
    """Eight weeks of tomorrow's weekday in the server's database, served short-handed."""
    database = Database(f"sqlite:///{server.instance / 'tabour.db'}")
    try:
        with database.transaction() as session:
            centre = sync_catalog(session, load_config(server.config)).centre("test")
        now = utcnow()
        tomorrow = local_time(now, centre.config.tz).date() + timedelta(days=1)
        with database.reading() as session:
            days = [staffing.hours_of(session, centre, d, now) for d in same_weekdays(tomorrow - timedelta(7), 8)]
        roster = {hour: frozenset(SHORT_HANDED) for hour in days[0].hours}
        counters, rules = staffing.counter_plans(centre), staffing.rules_of(centre)
        write_days(database, centre, truth(MINUTES, RATES, SHAPE), counters, roster, days, rules, 3)
    finally:
        database.dispose()


@pytest.mark.browser
def test_a_supervisor_plans_tomorrow_and_the_board_says_which_counter_to_open(
    tmp_path: Path, browser: Any, artifacts: Path
) -> None:
    # the board's advice is about the rest of today: a clock where it is about noon, whenever the suite runs
    # (in Kuwait's time, the last minutes before midnight left nothing to advise; tests/support/clock.py)
    data = yaml.safe_load(SMALL_CONFIG.read_text(encoding="utf-8"))
    data["centres"][0]["timezone"] = daytime_zone()
    config = tmp_path / "daytime.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    server = LiveServer(instance=tmp_path / "instance", config=config).start()
    try:
        _plan_and_advice(server, browser, artifacts)
    finally:
        server.stop()


def _plan_and_advice(server: LiveServer, browser: Any, artifacts: Path) -> None:
    write_history(server)
    server.add_user("huda", "supervisor", "test")
    # the live queue: ten visitors for traffic services and only counter 1 signed in
    server.clerk_at("1", "omar")
    kiosk = server.device("kiosk", "k1")
    for _ in range(10):
        issued = requests.post(f"{server.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=kiosk)
        assert issued.status_code == 201

    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="ar")
    page = context.new_page()
    try:
        sign_in(page, server, "huda", "/supervisor/test/plan?lang=ar")
        assert page.get_attribute("html", "dir") == "rtl"
        assert "8" in page.inner_text("#plan-basis")  # eight weeks of history
        rush = page.locator('section[data-body="interior"] tr[data-hour="10"]')
        usual = int(rush.locator("td.usual").get_attribute("data-count") or "0")
        advised = int(rush.locator("td.advised").get_attribute("data-count") or "0")
        assert usual == 1 and advised >= 2, (usual, advised)  # one counter is not enough at ten
        assert rush.locator("td.late").count() == 1  # as usual, late; as advised, within the target
        save_screenshot(page, artifacts, "staffing-plan")

        # a lax target needs fewer counters (never fewer than the work itself takes: here two)
        page.fill("input[name=target]", "600")
        page.click("form[role=search] button[type=submit]")
        page.wait_for_url("**target=600**")
        rush = page.locator('section[data-body="interior"] tr[data-hour="10"]')
        assert 2 <= int(rush.locator("td.advised").get_attribute("data-count") or "0") <= advised

        # a wrong target is refused with a translated message
        wrong = requests.get(f"{server.url}/supervisor/test/plan?target=0&lang=ar", cookies=_cookies(context))
        assert wrong.status_code == 400 and "600" in wrong.text

        # the same plan over the API, for the ministry's own tools; a clerk may not read it
        day = page.get_attribute("#plan", "data-day")
        api = f"{server.url}/api/v1/centres/test/staffing/plan"
        supervisor = {"Authorization": f"Bearer {server.token('huda')}"}
        answer = requests.get(api, params={"day": day, "target": "20"}, headers=supervisor)
        assert answer.status_code == 200 and answer.json()["days_seen"] == 8
        interior = next(b for b in answer.json()["bodies"] if b["body"] == "interior")
        assert len(next(h for h in interior["hours"] if h["hour"] == 10)["advised"]) == advised  # as the page
        refused = requests.get(api, params={"day": day, "target": "0"}, headers=supervisor)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_target_wait"
        clerk = {"Authorization": f"Bearer {server.token('omar')}"}
        assert requests.get(api, params={"day": day}, headers=clerk).status_code == 403

        page.goto(server.url + "/supervisor/test?lang=ar")
        advice = page.locator('#advice li[data-service="traffic"]')
        advice.wait_for(timeout=15_000)
        assert advice.get_attribute("data-counter") == "2"  # traffic first in its order, and closed
        assert "خدمات المرور" in advice.inner_text() and "2" in advice.inner_text()
        assert page.locator("#advice-none").is_hidden()
        save_screenshot(page, artifacts, "staffing-advice", readme=False)
    finally:
        context.close()


def _cookies(context: Any) -> dict[str, str]:
    return {c["name"]: c["value"] for c in context.cookies()}
