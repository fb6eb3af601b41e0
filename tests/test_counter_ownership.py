"""One ownership rule for every door (domain/counters.py): a counter is worked by the clerk signed in to
it, or by a supervisor of its centre, who does not take it over; a closed counter takes no action but a
sign-in; a clerk holds one counter at a time. Proved per action and role through a real server, over the
REST API and over the console's forms, which must answer alike."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from queue_app.domain.counters import ACTIONS
from tests.support.server import LiveServer

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BODIES = {
    "call": {"number": "A001", "reason": "returned"},
    "transfer": {"service": "residency"},
    "add-leg": {"service": "medical"},
    "unpark": {"number": "A001"},
    "requeue": {"number": "A001"},
    "pause": {"reason": "prayer"},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module: clara holds counter 1, omar counter 2; sam supervises; counter 3 is closed."""
    started = LiveServer(instance=tmp_path_factory.mktemp("ownership")).start()
    started.api = {  # type: ignore[attr-defined]
        "clara": started.clerk_at("1", "clara"),
        "omar": started.clerk_at("2", "omar"),
        "sam": started.staff("sam", "supervisor", "test"),
    }
    yield started
    started.stop()


def counter_row(server: LiveServer, code: str) -> tuple[str, str | None]:
    with sqlite3.connect(Path(server.instance) / "tabour.db") as db:
        return db.execute(
            "SELECT c.state, u.username FROM counters c LEFT JOIN users u ON u.id = c.user_id "
            "JOIN centres ce ON ce.id = c.centre_id WHERE ce.code = 'test' AND c.code = ?",
            (code,),
        ).fetchone()


def console(server: LiveServer, username: str) -> tuple[requests.Session, str]:
    """A browser session signed in to the staff pages (the console's door)."""
    browser = requests.Session()
    token = CSRF.search(browser.get(server.url + "/login").text).group(1)  # type: ignore[union-attr]
    landing = browser.post(
        server.url + "/login", data={"username": username, "password": "secret-pass-1", "csrf_token": token}
    )
    return browser, CSRF.search(landing.text).group(1)  # type: ignore[union-attr]


def through_api(server: LiveServer, who: str, counter: str, action: str) -> requests.Response:
    url = f"{server.url}/api/v1/centres/test/counters/{counter}/{action}"
    return requests.post(url, json=BODIES.get(action, {}), headers=server.api[who])  # type: ignore[attr-defined]


def through_console(server: LiveServer, who: str, counter: str, action: str) -> requests.Response:
    browser, token = console(server, who)
    return browser.post(
        f"{server.url}/counter/test/{counter}/{action}",
        data={"csrf_token": token, **BODIES.get(action, {})},
        headers={"Accept": "application/json"},
    )


DOORS = {"api": through_api, "console": through_console}


@pytest.mark.parametrize("door", sorted(DOORS))
@pytest.mark.parametrize("action", ACTIONS)
def test_a_clerk_cannot_work_another_clerks_counter(server: LiveServer, door: str, action: str) -> None:
    answer = DOORS[door](server, "omar", "1", action)
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "counter_taken" and "clara" in answer.json()["error"]["message"]
    assert counter_row(server, "1") == ("idle", "clara")


@pytest.mark.parametrize("door", sorted(DOORS))
@pytest.mark.parametrize("action", ACTIONS)
def test_a_closed_counter_takes_no_action(server: LiveServer, door: str, action: str) -> None:
    for who in ("clara", "sam"):
        answer = DOORS[door](server, who, "3", action)
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["code"] == "counter_not_signed_in"
    assert counter_row(server, "3") == ("closed", None)


@pytest.mark.parametrize("door", sorted(DOORS))
def test_a_supervisor_works_an_open_counter_without_taking_it(server: LiveServer, door: str) -> None:
    issue = requests.post(
        f"{server.url}/api/v1/centres/test/tickets",
        json={"service": "traffic"},
        headers=server.device("kiosk", "k1"),
    )
    assert issue.status_code == 201
    for action in ("call-next", "start", "complete"):
        answer = DOORS[door](server, "sam", "2", action)
        assert answer.status_code == 200, (action, answer.text)
        assert counter_row(server, "2")[1] == "omar"  # the counter stays omar's
    with sqlite3.connect(Path(server.instance) / "tabour.db") as db:
        called_by = db.execute(
            "SELECT u.username FROM ticket_events e JOIN users u ON u.id = e.user_id WHERE e.kind = 'called' "
            "ORDER BY e.id DESC LIMIT 1"
        ).fetchone()
    assert called_by == ("sam",)  # the event records who pressed


def test_a_clerk_holds_one_counter_at_a_time(server: LiveServer) -> None:
    kim = server.clerk_at("4", "kim")
    assert counter_row(server, "4") == ("idle", "kim")
    taken = requests.post(f"{server.url}/api/v1/centres/test/counters/1/sign-in", headers=kim)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "counter_taken"
    moved = requests.post(f"{server.url}/api/v1/centres/test/counters/5/sign-in", headers=kim)
    assert moved.status_code == 200
    assert counter_row(server, "5") == ("idle", "kim") and counter_row(server, "4") == ("closed", None)
    with sqlite3.connect(Path(server.instance) / "tabour.db") as db:
        kinds = db.execute(
            "SELECT s.kind, c.code FROM staff_events s JOIN users u ON u.id = s.user_id "
            "JOIN counters c ON c.id = s.counter_id WHERE u.username = 'kim' ORDER BY s.id"
        ).fetchall()
    assert kinds == [("sign_in", "4"), ("sign_out", "4"), ("sign_in", "5")]
