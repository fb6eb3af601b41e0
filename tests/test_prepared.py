"""Prepared statements give exactly what SQLAlchemy's own execution gives, on SQLite and PostgreSQL:
same stored values (times, JSON, booleans, column defaults), same rows back, same transaction."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import bindparam, func, select, update

from queue_app.services.catalog import sync_catalog
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.store.models import Ticket, TicketEvent, table
from queue_app.store.prepared import Prepared

TICKETS, EVENTS = table(Ticket), table(TicketEvent)
AT = datetime(2026, 11, 30, 6, 0, 0)  # a whole second: the case where a text format could drop ".000000"
LATER = datetime(2026, 11, 30, 6, 5, 7, 123456)


@pytest.fixture
def database(database_url: str, hall_config):
    upgrade(database_url)
    db = Database(database_url)
    with db.transaction() as session:
        centre = sync_catalog(session, hall_config).centre("test")
    yield db, centre
    db.dispose()


def ticket_values(centre, number: str, **extra) -> dict:
    service_id = centre.service_ids["traffic"]
    values = {"centre_id": centre.id, "service_id": service_id, "issued_service_id": service_id, "period": "d"}
    values.update(sequence=int(number[1:]), number=number, tracking_code=f"code-{number}", issued_at=AT, queued_at=AT)
    return {**values, **extra}


def test_insert_select_update_agree_with_sqlalchemy(database):
    db, centre = database
    insert = Prepared(TICKETS.insert().returning(TICKETS.c.id))
    with db.transaction() as session:
        # columns left out take their model defaults, as the ORM would give them
        prepared_id = insert.execute(session, ticket_values(centre, "A001")).scalar_one()
        core_id = session.execute(TICKETS.insert().returning(TICKETS.c.id), ticket_values(centre, "A002")).scalar_one()
    by_id = Prepared(select(TICKETS).where(TICKETS.c.id == bindparam("ticket_id")))
    with db.reading() as session:
        mine = by_id.execute(session, {"ticket_id": prepared_id}).one()
        theirs = session.execute(select(TICKETS).where(TICKETS.c.id == core_id)).one()
        expected = {
            **theirs._asdict(),
            "id": prepared_id,
            "number": "A001",
            "sequence": 1,
            "tracking_code": "code-A001",
        }
        assert mine._asdict() == expected
        assert (mine.status, mine.priority, mine.transactions, mine.needs_check_in) == ("waiting", "none", 1, False)
        assert mine.issued_at == AT and isinstance(mine.issued_at, datetime)
        # and SQLAlchemy reads what the prepared statement wrote, in the same stored form (ordering by time works)
        assert session.scalars(select(Ticket.id).where(Ticket.issued_at == AT).order_by(Ticket.id)).all() == [
            prepared_id,
            core_id,
        ]

    claim = Prepared(
        update(TICKETS)
        .where(TICKETS.c.id == bindparam("ticket_id"), TICKETS.c.status == "waiting")
        .values(status="called", called_at=bindparam("at"))
        .returning(TICKETS.c.id, TICKETS.c.status, TICKETS.c.called_at)
    )
    with db.transaction() as session:
        assert claim.execute(session, {"ticket_id": prepared_id, "at": LATER}).one() == (prepared_id, "called", LATER)
        assert claim.execute(session, {"ticket_id": prepared_id, "at": LATER}).first() is None  # no longer waiting
    with db.reading() as session:
        assert session.get(Ticket, prepared_id).called_at == LATER


def test_json_and_aggregates(database):
    db, centre = database
    with db.transaction() as session:
        ticket_id = session.execute(TICKETS.insert().returning(TICKETS.c.id), ticket_values(centre, "A001")).scalar()
        Prepared(EVENTS.insert()).execute(
            session,
            {
                "ticket_id": ticket_id,
                "centre_id": centre.id,
                "service_id": centre.service_ids["traffic"],
                "kind": "issued",
                "at": AT,
                "detail": {"source": "كشك"},
            },
        )
    totals = Prepared(select(func.count(TICKETS.c.id), func.coalesce(func.sum(TICKETS.c.transactions), 0)))
    with db.reading() as session:
        assert session.scalars(select(TicketEvent.detail)).one() == {"source": "كشك"}
        assert totals.execute(session).one() == (1, 1)


def test_rolled_back_with_the_session(database):
    db, centre = database
    insert = Prepared(TICKETS.insert().returning(TICKETS.c.id))
    with pytest.raises(RuntimeError), db.transaction() as session:
        insert.execute(session, ticket_values(centre, "A001"))
        raise RuntimeError("the use case failed after the insert")
    with db.reading() as session:
        assert session.scalar(select(func.count(Ticket.id))) == 0


def test_refuses_what_it_cannot_run_exactly(database):
    db, _centre = database
    with db.reading() as session:
        expanding = Prepared(select(TICKETS.c.id).where(TICKETS.c.status.in_(("called", "serving"))))
        with pytest.raises(ValueError, match="IN"):
            expanding.execute(session)
        with pytest.raises(KeyError, match="ticket_id"):
            Prepared(select(TICKETS.c.id).where(TICKETS.c.id == bindparam("ticket_id"))).execute(session, {})


def test_each_transaction_of_a_session_runs_on_its_own_connection(database):
    """The driver connection is remembered per transaction: after a commit (the connection goes back to
    the pool) the next statement runs in the session's new transaction, and a rollback undoes it."""
    db, centre = database
    insert = Prepared(TICKETS.insert().returning(TICKETS.c.id))
    count = Prepared(select(func.count(TICKETS.c.id)))
    with db.sessions() as session:
        insert.execute(session, ticket_values(centre, "A001"))
        session.commit()
        insert.execute(session, ticket_values(centre, "A002"))
        assert count.execute(session).scalar() == 2
        session.rollback()
        assert count.execute(session).scalar() == 1
    with db.reading() as session:
        assert session.scalars(select(Ticket.number)).all() == ["A001"]
