"""Concurrency proofs through real servers: numbering has no duplicate and no gap, and no ticket is
called twice, on SQLite (one process) and on PostgreSQL (two processes sharing one database)."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text
from werkzeug.security import generate_password_hash

from tests.support.server import ROOT, LiveServer

SERVICES = {"traffic": "A", "residency": "B", "civil-id": "C", "medical": "D"}
TWENTY_COUNTERS = ROOT / "tests" / "fixtures" / "twenty_counters.yaml"
ISSUE_TOTAL = 2000
ISSUE_CLIENTS = 32
CALL_TICKETS = 400
COUNTERS = [str(i) for i in range(1, 21)]


# --- servers -----------------------------------------------------------------------------------


def sqlite_servers(tmp_path: Path, config: Path) -> list[LiveServer]:
    return [LiveServer(instance=tmp_path / "instance", config=config).start()]


def postgres_servers(tmp_path: Path, config: Path, database_url: str, redis_url: str) -> list[LiveServer]:
    """Two server processes on one PostgreSQL database (the second finds the devices already paired)."""
    first = LiveServer(instance=tmp_path / "a", config=config, database_url=database_url, redis_url=redis_url).start()
    second = LiveServer(instance=tmp_path / "b", config=config, database_url=database_url, redis_url=redis_url)
    second.tokens = first.tokens
    try:
        second.start()
    except BaseException:
        first.stop()
        raise
    return [first, second]


@pytest.fixture
def servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[LiveServer]]:
    """`request.param` is (engine, config path)."""
    engine, config = request.param
    if engine == "sqlite":
        started = sqlite_servers(tmp_path, config)
    else:
        database_url = request.getfixturevalue("postgres_url")
        started = postgres_servers(tmp_path, config, database_url, request.getfixturevalue("redis_url"))
    yield started
    for server in started:
        server.stop()


def database_url_of(server: LiveServer) -> str:
    return server.database_url or f"sqlite:///{server.instance / 'tabour.db'}"


def query(server: LiveServer, sql: str) -> list[Any]:
    engine = create_engine(database_url_of(server))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)))
    finally:
        engine.dispose()


def clerks_at_counters(server: LiveServer, codes: list[str]) -> dict[str, dict[str, str]]:
    """One clerk signed in at each counter (a clerk works one counter at a time): the users are written
    straight into the database with one password hash, then each takes a token and signs in by the API."""
    password = "secret-pass-1"
    hashed = generate_password_hash(password)
    engine = create_engine(database_url_of(server))
    try:
        with engine.begin() as connection:
            centre_id = connection.execute(text("SELECT id FROM centres WHERE code = 'test'")).scalar_one()
            for code in codes:
                connection.execute(
                    text(
                        "INSERT INTO users (username, password_hash, role, centre_id, active, created_at) "
                        "VALUES (:name, :hash, 'clerk', :centre, :active, :at)"
                    ),
                    {"name": f"desk-{code}", "hash": hashed, "centre": centre_id, "active": True, "at": datetime.now()},
                )
    finally:
        engine.dispose()
    headers = {}
    for code in codes:
        headers[code] = {"Authorization": f"Bearer {server.token(f'desk-{code}', password)}"}
        signed_in = requests.post(f"{server.url}/api/v1/centres/test/counters/{code}/sign-in", headers=headers[code])
        assert signed_in.status_code == 200, signed_in.text
    return headers


# --- load ----------------------------------------------------------------------------------------


def issue_concurrently(
    servers: list[LiveServer], total: int, clients: int, staff: dict[str, str]
) -> list[requests.Response]:
    """`clients` threads, each with its own keep-alive session on one of the servers (round robin),
    issue `total` tickets spread over the four services; all start at the same instant. One client in
    four is kiosk k2 (its in-memory printer makes every ticket a print job too), the others staff."""
    kiosk = servers[0].device("kiosk", "k2")
    services = list(SERVICES)
    start = threading.Barrier(clients)

    def client(index: int) -> list[requests.Response]:
        base = servers[index % len(servers)].url
        answers = []
        with requests.Session() as session:
            session.headers.update(kiosk if index % 4 == 0 else staff)
            start.wait()
            for i in range(index, total, clients):
                answers.append(session.post(f"{base}/api/v1/centres/test/tickets", json={"service": services[i % 4]}))
        return answers

    with ThreadPoolExecutor(clients) as pool:
        return [answer for answers in pool.map(client, range(clients)) for answer in answers]


EMPTY_ANSWERS = 3  # a counter stops after this many 204s in a row; a call that then finds someone proves a false 204


def call_until_empty(servers: list[LiveServer], staff: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """One thread per counter (spread over the servers), each worked by its own clerk: call-next then
    complete until the queue answers 204 several times in a row. Nothing is issued meanwhile, so a 204
    followed by a call that finds a ticket was a false "nobody waits": that fails the test, as does any
    answer other than 200 or 204. Returns the numbers each counter was given."""
    start = threading.Barrier(len(COUNTERS))
    failures: list[str] = []

    def counter(index: int) -> list[str]:
        code = COUNTERS[index]
        base = f"{servers[index % len(servers)].url}/api/v1/centres/test/counters/{code}"
        numbers: list[str] = []
        empty = 0
        with requests.Session() as session:
            session.headers.update(staff[code])
            start.wait()
            while True:
                called = session.post(f"{base}/call-next")
                if called.status_code == 204:
                    empty += 1
                    if empty == EMPTY_ANSWERS:
                        return numbers
                    continue
                if empty:
                    failures.append(f"counter {code}: false 204 (nobody waits) before {called.status_code}")
                    empty = 0
                if called.status_code != 200:
                    failures.append(f"counter {code} call-next {called.status_code}: {called.text[:200]}")
                    return numbers
                ticket = called.json()
                assert ticket["status"] == "called" and ticket["counter"]["code"] == code
                numbers.append(ticket["number"])
                done = session.post(f"{base}/complete")
                if done.status_code != 200:
                    failures.append(f"counter {code} complete {done.status_code}: {done.text[:200]}")
                    return numbers

    with ThreadPoolExecutor(len(COUNTERS)) as pool:
        results = dict(zip(COUNTERS, pool.map(counter, range(len(COUNTERS))), strict=True))
    assert not failures, failures[:5]
    return results


# --- proofs --------------------------------------------------------------------------------------

ISSUE_CASES = [
    pytest.param(("sqlite", ROOT / "tests" / "fixtures" / "small_config.yaml"), id="sqlite-1-process"),
    pytest.param(("postgres", ROOT / "tests" / "fixtures" / "small_config.yaml"), id="postgres-2-processes"),
]
CALL_CASES = [
    pytest.param(("sqlite", TWENTY_COUNTERS), id="sqlite-1-process"),
    pytest.param(("postgres", TWENTY_COUNTERS), id="postgres-2-processes"),
]


@pytest.mark.parametrize("servers", ISSUE_CASES, indirect=True)
def test_concurrent_issuing_numbers_each_service_1_to_n(servers: list[LiveServer]) -> None:
    answers = issue_concurrently(servers, ISSUE_TOTAL, ISSUE_CLIENTS, servers[0].staff("clerk", "clerk", "test"))
    errors = Counter(f"{a.status_code} {a.text[:120]}" for a in answers if a.status_code != 201)
    assert not errors, errors.most_common(5)
    issued = {answer.json()["id"]: answer.json() for answer in answers}
    assert len(issued) == ISSUE_TOTAL
    for ticket in issued.values():
        assert ticket["number"][0] == SERVICES[ticket["service"]]
    # Numbers restart with each business day in the centre's timezone (a run may cross its midnight),
    # so the proof is per (service, period): exactly 1..n, and the database agrees with the answers.
    rows = query(
        servers[0],
        "SELECT t.id, s.code, t.period, t.sequence, t.number "
        "FROM tickets t JOIN services s ON s.id = t.issued_service_id",
    )
    assert {row[0]: row[4] for row in rows} == {ticket_id: t["number"] for ticket_id, t in issued.items()}
    by_period: dict[tuple[str, str], list[int]] = defaultdict(list)
    for _id, code, period, sequence, _number in rows:
        by_period[(code, period)].append(sequence)
    for key, sequences in by_period.items():
        assert sorted(sequences) == list(range(1, len(sequences) + 1)), f"{key}: duplicate or gap"
    per_service = Counter(code for (code, _period), sequences in by_period.items() for _ in sequences)
    assert per_service == dict.fromkeys(SERVICES, ISSUE_TOTAL // 4)
    last = query(
        servers[0], "SELECT s.code, q.period, q.last FROM ticket_sequences q JOIN services s ON s.id = q.service_id"
    )
    assert {(code, period): value for code, period, value in last} == {k: len(v) for k, v in by_period.items()}


@pytest.mark.parametrize("servers", CALL_CASES, indirect=True)
def test_twenty_counters_call_every_ticket_exactly_once(servers: list[LiveServer]) -> None:
    staff = servers[0].staff("clerk", "clerk", "test")
    issued = issue_concurrently(servers, CALL_TICKETS, 8, staff)
    assert all(a.status_code == 201 for a in issued)
    issued_numbers = {a.json()["number"] for a in issued}
    assert len(issued_numbers) == CALL_TICKETS

    called = call_until_empty(servers, clerks_at_counters(servers[0], COUNTERS))

    every_call = [number for numbers in called.values() for number in numbers]
    repeated = [number for number, times in Counter(every_call).items() if times > 1]
    assert not repeated, f"numbers given to two counters: {repeated[:10]}"
    assert set(every_call) == issued_numbers
    assert sum(1 for numbers in called.values() if numbers) >= 15, "most counters should have taken part"
    events = query(
        servers[0],
        "SELECT t.number, count(e.id) FROM tickets t "
        "LEFT JOIN ticket_events e ON e.ticket_id = t.id AND e.kind = 'called' GROUP BY t.number",
    )
    assert len(events) == CALL_TICKETS
    assert {count for _number, count in events} == {1}, "every ticket has exactly one 'called' event"
    statuses = query(servers[0], "SELECT status, count(*) FROM tickets GROUP BY status")
    assert dict(statuses) == {"done": CALL_TICKETS}


VISIT_TICKETS = 200  # one in five a family visit of two or three services
VISIT_DEADLINE = 300.0  # seconds for the counters to serve every leg (minutes more than a quiet run needs)


def issue_with_visits(server: LiveServer, staff: dict[str, str]) -> list[dict[str, Any]]:
    """VISIT_TICKETS tickets; every fifth one a family visit across two or three services."""
    services = list(SERVICES)
    tickets = []
    with requests.Session() as session:
        session.headers.update(staff)
        for i in range(VISIT_TICKETS):
            if i % 5 == 0:
                legs = [{"service": services[(i + k) % 4], "transactions": 1 + k} for k in range(2 + i % 2)]
                body: dict[str, Any] = {"legs": legs}
            else:
                body = {"service": services[i % 4]}
            answer = session.post(f"{server.url}/api/v1/centres/test/tickets", json=body)
            assert answer.status_code == 201, answer.text
            tickets.append(answer.json())
    return tickets


def serve_every_leg(servers: list[LiveServer], staff: dict[str, dict[str, str]], legs: int) -> list[str]:
    """Twenty counters, one thread each over the servers, call and complete until `legs` legs were
    served. A visit's next leg joins a queue only when its previous leg is done, so a counter that found
    nobody keeps asking. Returns the failures (any answer but 200 or 204)."""
    start = threading.Barrier(len(COUNTERS))
    served = Counter[str]()
    lock = threading.Lock()
    failures: list[str] = []
    deadline = time.monotonic() + VISIT_DEADLINE

    def counter(index: int) -> None:
        code = COUNTERS[index]
        base = f"{servers[index % len(servers)].url}/api/v1/centres/test/counters/{code}"
        with requests.Session() as session:
            session.headers.update(staff[code])
            start.wait()
            while not failures and time.monotonic() < deadline:
                with lock:
                    if served.total() >= legs:
                        return
                called = session.post(f"{base}/call-next")
                if called.status_code == 204:
                    time.sleep(0.05)
                    continue
                if called.status_code != 200:
                    failures.append(f"counter {code} call-next {called.status_code}: {called.text[:200]}")
                    return
                number = called.json()["number"]
                done = session.post(f"{base}/complete")
                if done.status_code != 200:
                    failures.append(f"counter {code} complete {done.status_code}: {done.text[:200]}")
                    return
                with lock:
                    served[number] += 1

    with ThreadPoolExecutor(len(COUNTERS)) as pool:
        list(pool.map(counter, range(len(COUNTERS))))
    if served.total() < legs and not failures:
        failures.append(f"only {served.total()} of {legs} legs served in {VISIT_DEADLINE} s")
    return failures


@pytest.mark.parametrize("servers", CALL_CASES, indirect=True)
def test_a_family_visit_is_never_at_two_counters_and_each_leg_is_served_once(servers: list[LiveServer]) -> None:
    staff = servers[0].staff("clerk", "clerk", "test")
    tickets = issue_with_visits(servers[0], staff)
    legs = sum(len(ticket["legs"]) for ticket in tickets)
    assert legs == VISIT_TICKETS + sum(1 + i % 2 for i in range(0, VISIT_TICKETS, 5))

    assert serve_every_leg(servers, clerks_at_counters(servers[0], COUNTERS), legs) == []

    # each ticket's own history, in the order it was written (its row is locked by every transition)
    events = query(
        servers[0],
        "SELECT e.ticket_id, e.kind, e.counter_id, t.legs FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id "
        "WHERE e.kind IN ('called', 'done', 'next_leg') ORDER BY e.ticket_id, e.id",
    )
    history: dict[int, list[str]] = defaultdict(list)
    counters_of: dict[int, set[int]] = defaultdict(set)
    planned = {}
    for ticket_id, kind, counter_id, ticket_legs in events:
        history[ticket_id].append(kind)
        planned[ticket_id] = ticket_legs
        if kind == "called":
            counters_of[ticket_id].add(counter_id)
    for ticket_id, kinds in history.items():
        # called, done, then (next_leg, called, done) per further leg: never a second call before a done
        expected = ["called", "done"] + ["next_leg", "called", "done"] * (planned[ticket_id] - 1)
        assert kinds == expected, (ticket_id, kinds)
    assert len(history) == VISIT_TICKETS
    assert sum(len(c) > 1 for c in counters_of.values()) > 0, "some visits went on to another counter"
    statuses = query(servers[0], "SELECT status, count(*) FROM tickets GROUP BY status")
    assert dict(statuses) == {"done": VISIT_TICKETS}
    leg_states = query(servers[0], "SELECT status, count(*) FROM visit_legs GROUP BY status")
    assert dict(leg_states) == {"done": legs - (VISIT_TICKETS - VISIT_TICKETS // 5)}
