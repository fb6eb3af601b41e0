"""Join from home through a real server: abuse limits, and a remote ticket that must check in at the
kiosk is not called before it does (tests/fixtures/visitor_config.yaml: check_in_required true)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import update

from queue_app.services import remote, tickets
from queue_app.services.tickets import TicketRequest
from queue_app.store.database import utcnow
from queue_app.store.models import Ticket
from tests.support.server import ROOT, LiveServer

VISITOR_CONFIG = ROOT / "tests" / "fixtures" / "visitor_config.yaml"


@pytest.fixture
def visitor_server(tmp_path: Path):
    server = LiveServer(instance=tmp_path / "instance", config=VISITOR_CONFIG).start()
    yield server
    server.stop()


def join(server: LiveServer, **body: object) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/centres/test/remote-tickets", json={"service": "traffic", **body})


def test_remote_join_limits_per_person_and_per_ip(visitor_server: LiveServer) -> None:
    for _ in range(3):
        assert join(visitor_server, phone="+965 5000 0001").status_code == 201
    refused = join(visitor_server, phone="+96550000001", lang="en")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "remote_limit_person"
    assert "3" in refused.json()["error"]["message"]
    # the same phone counts whether or not a civil ID comes with it
    assert join(visitor_server, civil_id="290010112345", phone="+96550000001").json()["error"]["code"] == (
        "remote_limit_person"
    )
    for _ in range(2):
        assert join(visitor_server, civil_id="290010112345").status_code == 201
    # five tickets from this address already: the per-IP limit (5) refuses a new person too
    by_ip = join(visitor_server, phone="+96550000077")
    assert by_ip.status_code == 429 and by_ip.json()["error"]["code"] == "remote_limit_ip"
    # the HTML form shows the same refusal as a readable message
    page = requests.get(f"{visitor_server.url}/join/test?lang=en")
    assert page.status_code == 200 and "Traffic services" in page.text and "Medical check" not in page.text


def test_form_errors_are_clear(tmp_path: Path) -> None:
    server = LiveServer(instance=tmp_path / "instance", config=VISITOR_CONFIG).start()
    try:
        missing = join(server, lang="en")
        assert missing.status_code == 400 and missing.json()["error"]["code"] == "phone_or_civil_id"
        bad = join(server, phone="12")
        assert bad.json()["error"]["code"] == "invalid_phone"
        closed = join(server, service="medical", phone="+96551111111")
        assert closed.status_code == 409 and closed.json()["error"]["code"] == "remote_not_allowed"
    finally:
        server.stop()


def test_remote_ticket_is_not_called_before_check_in(visitor_server: LiveServer) -> None:
    server = visitor_server
    clerk = server.clerk_at("1", "clerk-remote")
    remote_ticket = join(server, phone="+96550000002").json()
    assert remote_ticket["needs_check_in"] is True and remote_ticket["number"] == "A001"
    page = requests.get(remote_ticket["tracking_url"] + "?lang=en").text
    assert "Check in when you arrive" in page and "<svg" in page and "+96550000002" not in page
    kiosk_ticket = requests.post(
        f"{server.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=server.device("kiosk", "k1")
    ).json()
    call = f"{server.url}/api/v1/centres/test/counters/1/call-next"
    first = requests.post(call, headers=clerk)
    assert first.status_code == 200 and first.json()["number"] == kiosk_ticket["number"]
    assert requests.post(call, headers=clerk).status_code == 204  # only the remote ticket waits: skipped
    check_in = f"{server.url}/api/v1/centres/test/tickets/{remote_ticket['tracking_code']}/check-in"
    assert requests.post(check_in).status_code == 401  # a kiosk (or staff) must do it
    checked = requests.post(check_in, headers=server.device("kiosk", "k1"))
    assert checked.status_code == 200, checked.text
    assert checked.json()["checked_in"] is True and checked.json()["needs_check_in"] is False
    assert requests.post(check_in, headers=server.device("kiosk", "k1")).status_code == 200  # idempotent
    called = requests.post(call, headers=clerk)
    assert called.status_code == 200 and called.json()["number"] == "A001"


def test_hold_expires_without_check_in(database, catalog) -> None:
    centre = catalog.centre("test")
    now = utcnow()
    with database.transaction() as session:
        issued = tickets.issue_ticket(
            session, centre, TicketRequest(service="traffic", source="remote", phone="+96550000003"), now
        )
        hold = {"needs_check_in": True, "hold_until": now + timedelta(minutes=30)}  # as if check-in were required
        session.execute(update(Ticket).where(Ticket.id == issued.ticket.id).values(**hold))
        code = issued.ticket.tracking_code
    with database.transaction() as session:
        assert remote.expire_holds(session, catalog, now + timedelta(minutes=29)) == []
        events = remote.expire_holds(session, catalog, now + timedelta(minutes=31))
        assert [e.status for e in events if hasattr(e, "status")] == ["cancelled"]
    with database.transaction() as session, pytest.raises(remote.Conflict) as refused:
        remote.check_in(session, centre, tickets.find_by_tracking_code(session, code), now + timedelta(minutes=32))
    assert refused.value.code == "hold_expired"


def test_two_hold_sweeps_at_once_expire_each_ticket_once(database_url: str, hall_config) -> None:
    """Every serving process sweeps expired holds; on PostgreSQL two sweeps may run at the same instant.
    The expiry is one conditional UPDATE, so each overdue ticket is cancelled and recorded exactly once."""
    import threading

    from sqlalchemy import func, select

    from queue_app.services.catalog import sync_catalog
    from queue_app.store.database import Database
    from queue_app.store.migrate import upgrade
    from queue_app.store.models import TicketEvent

    upgrade(database_url)
    database = Database(database_url)
    try:
        with database.transaction() as session:
            catalog = sync_catalog(session, hall_config)
        centre, now = catalog.centre("test"), utcnow()
        with database.transaction() as session:
            for i in range(6):
                request = TicketRequest(service="traffic", source="remote", phone=f"+9655000001{i}")
                issued = tickets.issue_ticket(session, centre, request, now)
                hold = {"needs_check_in": True, "hold_until": now + timedelta(minutes=30)}
                session.execute(update(Ticket).where(Ticket.id == issued.ticket.id).values(**hold))
        barrier, expired = threading.Barrier(2), []

        def sweep() -> None:
            barrier.wait()
            with database.transaction() as session:
                expired.append(len(remote.expire_holds(session, catalog, now + timedelta(minutes=31))))

        sweepers = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in sweepers:
            thread.start()
        for thread in sweepers:
            thread.join(timeout=30)
        assert sorted(expired) == [0, 12]  # 6 tickets, 2 events each (ticket, queue) from one sweep only
        with database.reading() as session:
            kinds = select(func.count()).where(TicketEvent.kind == "expired")
            assert session.scalar(kinds) == 6
            assert session.scalar(select(func.count()).where(Ticket.status == "cancelled")) == 6
    finally:
        database.dispose()


def test_check_in_refused_when_the_hold_was_expired_since_it_was_read(database_url: str, hall_config) -> None:
    """Another process's sweep may cancel the ticket between the check-in's read and its write: the
    check-in is then refused, and writes nothing."""
    from queue_app.services.catalog import sync_catalog
    from queue_app.store.database import Database
    from queue_app.store.migrate import upgrade

    upgrade(database_url)
    database = Database(database_url)
    try:
        with database.transaction() as session:
            centre = sync_catalog(session, hall_config).centre("test")
        now = utcnow()
        with database.transaction() as session:
            issued = tickets.issue_ticket(session, centre, TicketRequest(service="traffic", source="remote"), now)
            hold = {"needs_check_in": True, "hold_until": now + timedelta(minutes=30)}
            session.execute(update(Ticket).where(Ticket.id == issued.ticket.id).values(**hold))
        with pytest.raises(remote.Conflict) as refused, database.transaction() as session:
            ticket = tickets.find_by_tracking_code(session, issued.ticket.tracking_code)
            with database.transaction() as sweeper:  # the other process, committing first
                sweeper.execute(update(Ticket).where(Ticket.id == ticket.id).values(status="cancelled"))
            remote.check_in(session, centre, ticket, now + timedelta(minutes=1))
        assert refused.value.code == "hold_expired"
        with database.reading() as session:
            stored = session.get(Ticket, issued.ticket.id)
            assert stored is not None and stored.status == "cancelled" and stored.checked_in_at is None
    finally:
        database.dispose()
