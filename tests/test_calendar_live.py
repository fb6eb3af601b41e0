"""A closure announced this morning, through the real API, on two server processes sharing PostgreSQL: the
process that did not take the request stops issuing too (within its calendar cache's seconds), the kiosk
and the service list say why and when the centre opens, and calling it off reopens both. The CLI does the
same from a terminal."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from queue_app.services.calendar import CACHE_SECONDS
from tests.support.server import ROOT, LiveServer

KUWAIT = ZoneInfo("Asia/Kuwait")


@pytest.fixture
def two_servers(tmp_path: Path, postgres_url: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    first = LiveServer(instance=tmp_path / "a", database_url=postgres_url).start()
    second = LiveServer(instance=tmp_path / "b", database_url=postgres_url).start()
    yield first, second
    second.stop()
    first.stop()


def eventually(check: Callable[[], Any], seconds: float) -> Any:
    """The check's first truthy answer, polled for up to `seconds` (a wide margin over the promised time)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.25)


def traffic(server: LiveServer) -> dict[str, Any]:
    services = requests.get(f"{server.url}/api/v1/centres/test/services", timeout=10).json()
    return next(s for s in services if s["code"] == "traffic")


def test_a_closure_announced_on_one_process_closes_intake_on_both(two_servers: tuple[LiveServer, LiveServer]) -> None:
    first, second = two_servers
    supervisor = first.staff("lead", "supervisor")
    clerk = first.staff("desk", "clerk")
    kiosk = first.device("kiosk", "k2")  # paired at the first start; the token works on both
    today = datetime.now(KUWAIT).date()
    assert requests.post(f"{second.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=kiosk,
                         timeout=10).status_code == 201  # fmt: skip

    body = {"from": today.isoformat(), "reason": {"ar": "انقطاع الكهرباء", "en": "Power cut"}}
    refused = requests.post(f"{first.url}/api/v1/centres/test/calendar", json=body, headers=clerk, timeout=10)
    assert refused.status_code == 403  # a clerk cannot close the centre
    made = requests.post(f"{first.url}/api/v1/centres/test/calendar", json=body, headers=supervisor, timeout=10)
    assert made.status_code == 201, made.text
    entry = made.json()
    assert (entry["kind"], entry["from"], entry["to"], entry["names"]["ur"]) == (
        "closure",
        today.isoformat(),
        today.isoformat(),
        "انقطاع الكهرباء",
    )
    assert traffic(first)["closed_reason"] == "closure"  # the process that took it: at once

    closed = eventually(lambda: traffic(second)["closed_reason"] == "closure", CACHE_SECONDS * 6)
    assert closed, "the second process never saw the closure"
    service = traffic(second)
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert service["open"] is False and service["closed_names"]["en"] == "Power cut"
    assert service["opens_at"] == f"{tomorrow}T00:00:00+03:00"  # the test centre opens all day, every day
    issued = requests.post(
        f"{second.url}/api/v1/centres/test/tickets",
        json={"service": "traffic"},
        headers={**kiosk, "Accept-Language": "en"},
        timeout=10,
    )
    assert issued.status_code == 409
    error = issued.json()["error"]
    assert error["code"] == "closure" and "Power cut" in error["message"]
    assert error["opens_at"] == f"{tomorrow}T00:00:00+03:00"

    # the sweep of either process closes the ticket still waiting (a hall that is closed serves no one)
    def ticket_closed() -> bool:
        hall = requests.get(f"{first.url}/api/v1/centres/test/hall", timeout=10).json()
        return next(s for s in hall["services"] if s["code"] == "traffic")["waiting"] == 0

    assert eventually(ticket_closed, 60), "the waiting ticket was not closed"

    days = requests.get(f"{second.url}/api/v1/centres/test/calendar?days=2", timeout=10).json()["days"]
    assert [(d["date"], d["open"], d["closed_reason"]) for d in days] == [
        (today.isoformat(), False, "closure"),
        (tomorrow, True, None),
    ]
    gone = requests.delete(f"{second.url}/api/v1/centres/test/calendar/{entry['id']}", headers=supervisor, timeout=10)
    assert gone.status_code == 204
    assert eventually(lambda: traffic(first)["open"], CACHE_SECONDS * 6), "the first process never reopened"
    again = requests.delete(f"{first.url}/api/v1/centres/test/calendar/{entry['id']}", headers=supervisor, timeout=10)
    assert again.status_code == 404 and again.json()["error"]["code"] == "unknown_calendar_entry"
    bad = requests.post(
        f"{first.url}/api/v1/centres/test/calendar", json={"from": "tomorrow", "reason": "x"}, headers=supervisor
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_date"


def test_the_cli_closes_and_reopens_a_day(live_server: LiveServer) -> None:
    """The CLI writes the same entries as the API (how a running server sees them is tested above)."""
    today = datetime.now(KUWAIT).date().isoformat()
    out = live_server.flask("calendar", "close", "test", today, "Eid al-Adha", "--holiday")
    assert f"test closed {today}..{today} (holiday #" in out
    entry_id = out.rsplit("#", 1)[1].rstrip(")\n")
    listed = live_server.flask("calendar", "list", "test", "--days", "2")
    assert listed.startswith(f"{today}  closed: holiday #{entry_id} Eid al-Adha")
    assert "reopened" in live_server.flask("calendar", "reopen", "test", entry_id)
    assert live_server.flask("calendar", "list", "test", "--days", "1").startswith(f"{today}  allday 00:00-24:00")
    refused = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "queue_app", "calendar", "reopen", "test", entry_id],
        env=live_server.env(), capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip
    assert refused.returncode == 1 and "There is no such closed day" in refused.stderr
