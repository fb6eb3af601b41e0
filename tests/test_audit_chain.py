"""The sealed audit trail on SQLite and PostgreSQL: intact as written (also by writers at once), and
broken at the right row when a row is edited, deleted or slipped in directly in the database."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select, text

from queue_app.services import audit
from queue_app.store.database import Database, utcnow
from queue_app.store.migrate import upgrade
from queue_app.store.models import AuditEntry


def write_rows(db: Database, count: int, actor: str = "mona") -> None:
    now = utcnow()
    for n in range(count):
        with db.transaction() as session:
            audit.record(
                session,
                "login",
                actor,
                now + timedelta(seconds=n),
                user_id=None,
                detail={"via": "web", "n": n},
                ip="10.0.0.7",
            )


def verdict(db: Database, expect: tuple[int, str] | None = None) -> audit.Verdict:
    with db.reading() as session:
        return audit.verify(session, expect)


def test_the_chain_names_the_row_that_was_tampered_with(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        write_rows(db, 10)
        intact = verdict(db)
        assert intact.intact and intact.rows == 10 and intact.last_id is not None
        with db.reading() as session:
            kept = audit.last_seal(session)
        assert kept is not None and kept == (intact.last_id, intact.last_hash)
        ids = [row[0] for row in db.engine.connect().execute(text("SELECT id FROM audit_log ORDER BY id"))]

        # edited: the row itself no longer matches its seal
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET actor = 'someone' WHERE id = :id"), {"id": ids[3]})
        assert verdict(db).broken_at == ids[3]
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET actor = 'mona' WHERE id = :id"), {"id": ids[3]})
        assert verdict(db).intact

        # deleted: the row after the gap no longer follows its predecessor
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": ids[5]})
        assert verdict(db).broken_at == ids[6]

        # a whole chain recomputed after an edit (anyone can: no key) is caught by a seal kept elsewhere
        with db.reading() as session:
            rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
            previous = None
            resealed = []
            for row in rows:
                if row.id == ids[2]:
                    row.actor = "rewritten"
                values = {name: getattr(row, name) for name in audit.SEALED}
                previous = audit.seal(previous, values)
                resealed.append((row.id, row.actor, previous))
        with db.engine.begin() as conn:
            for row_id, actor, new_seal in resealed:
                conn.execute(
                    text("UPDATE audit_log SET actor = :a, hash = :h WHERE id = :id"),
                    {"a": actor, "h": new_seal, "id": row_id},
                )
        assert verdict(db).intact  # the chain alone is consistent again...
        assert verdict(db, kept).broken_at == kept[0]  # ...the seal printed before the rewrite is not in it
    finally:
        db.dispose()


def test_dropping_the_newest_rows_is_caught_by_a_kept_seal(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        write_rows(db, 4)
        with db.reading() as session:
            kept = audit.last_seal(session)
        assert kept is not None
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": kept[0]})
        assert verdict(db).intact  # the chain alone cannot see its own end cut off...
        assert verdict(db, kept).broken_at == kept[0]  # ...the seal printed yesterday can
    finally:
        db.dispose()


def test_writers_at_once_never_fork_the_chain(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        threads = [threading.Thread(target=write_rows, args=(db, 15, f"clerk{n}")) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result = verdict(db)
        assert result.intact and result.rows == 60
    finally:
        db.dispose()
