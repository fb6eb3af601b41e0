"""Past days written in bulk, as the server would have written them: ticket rows and their events (for
the reports and staffing benchmarks and tests, which need months of history in seconds)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text

from queue_app.store.database import Database

# (id, centre_id, service_id, issued_service_id, period, sequence, number, tracking_code, status,
#  issued_at, queued_at, called_at, finished_at, counter_id, priority)
TicketRow = tuple[object, ...]
# (ticket_id, centre_id, service_id, kind, at, counter_id, user_id, detail as JSON text)
EventRow = tuple[object, ...]


def one_clerk(db: Database) -> None:
    """The clerk (user 1) the written events name: a new database has no users."""
    with db.transaction() as session:
        if session.execute(text("SELECT 1 FROM users WHERE id = 1")).first() is None:
            session.execute(
                text(
                    "INSERT INTO users (id, username, password_hash, role, centre_id, active, created_at)"
                    " VALUES (1, 'history', '-', 'clerk', NULL, true, '2026-10-01')"
                )
            )


def insert_rows(db: Database, tickets: Sequence[TicketRow], events: Sequence[EventRow], postgres: bool) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        mark = "%s" if postgres else "?"
        cursor.executemany(
            "INSERT INTO tickets (id, centre_id, service_id, issued_service_id, period, sequence, number,"
            " tracking_code, status, issued_at, queued_at, called_at, finished_at, counter_id, priority,"
            " transactions, lang, source, recalls, needs_check_in, legs, requeues)"
            f" VALUES ({', '.join([mark] * 15)}, 1, 'ar', 'kiosk', 0, false, 1, 0)",
            tickets,
        )
        cursor.executemany(
            "INSERT INTO ticket_events (ticket_id, centre_id, service_id, kind, at, counter_id, user_id, detail)"
            f" VALUES ({', '.join([mark] * 8)})",
            events,
        )
        raw.commit()
    finally:
        raw.close()
