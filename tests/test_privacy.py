"""Personal data is erased after the retention period, on SQLite and PostgreSQL; the statistics stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from queue_app.services import privacy
from queue_app.services.catalog import sync_catalog
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.settings import load_config
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.store.models import Notification, Ticket, TicketEvent
from tests.support.server import SMALL_CONFIG

NOW = datetime(2026, 11, 22, 6, 0)  # 09:00 in Kuwait


def test_old_civil_ids_phones_and_addresses_are_erased_and_counts_stay(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        with db.transaction() as session:
            centre = sync_catalog(session, load_config(SMALL_CONFIG)).centre("test")
        ages = [40, 35, 31, 29, 2, 0]  # days before NOW
        for n, days in enumerate(ages):
            with db.transaction() as session:
                issued = issue_ticket(
                    session,
                    centre,
                    TicketRequest(
                        service="traffic", civil_id=f"29001011234{n}", phone="+96550000001", client_ip="10.1.1.1"
                    ),
                    NOW - timedelta(days=days),
                )
                session.add(
                    Notification(
                        centre_id=centre.id,
                        ticket_id=issued.ticket.id,
                        event="issued",
                        channel="log",
                        payload={"phone": "+96550000001"},
                        status="sent",
                        attempts=1,
                        created_at=NOW - timedelta(days=days),
                    )
                )
        with db.transaction() as session:
            first = privacy.erase_batch(session, NOW, 30)
        assert (first.tickets, first.messages) == (3, 3)
        with db.transaction() as session:
            assert privacy.erase_batch(session, NOW, 30).total == 0  # nothing left to erase: the loop ends
        with db.reading() as session:
            kept = session.execute(
                select(Ticket.civil_id, Ticket.phone, Ticket.client_ip).order_by(Ticket.issued_at)
            ).all()
            assert kept[:3] == [(None, None, None)] * 3
            assert all(row[0] and row[1] and row[2] for row in kept[3:])
            # every ticket and its history is still there for the reports
            assert session.scalar(select(func.count()).select_from(Ticket)) == len(ages)
            assert session.scalar(select(func.count()).select_from(TicketEvent)) == len(ages)
            assert session.scalar(select(func.count()).select_from(Notification)) == 3
    finally:
        db.dispose()
