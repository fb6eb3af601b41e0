"""queue_tallies: waiting tickets and transactions per service, kept by triggers on tickets

Issuing a ticket answers how many people are ahead. Counting the waiting tickets costs time in
proportion to the queue; a tally row per service, changed by triggers whenever a ticket enters or leaves
a queue (insert, status, service or transactions change, delete), answers in one read, and no writer
(ORM, Core, a supervisor's move, a migration) can forget to keep it. The tally starts from the tickets
already waiting.

Revision ID: 5d0c7e9a1f36
Revises: 8b1f4c2e6a90
Create Date: 2026-11-22 23:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5d0c7e9a1f36"
down_revision = "8b1f4c2e6a90"
branch_labels = None
depends_on = None

ENTER = """INSERT INTO queue_tallies (service_id, waiting, transactions)
    VALUES (NEW.service_id, 1, NEW.transactions)
    ON CONFLICT (service_id) DO UPDATE
    SET waiting = queue_tallies.waiting + 1, transactions = queue_tallies.transactions + excluded.transactions"""
LEAVE = """UPDATE queue_tallies SET waiting = waiting - 1, transactions = transactions - OLD.transactions
    WHERE service_id = OLD.service_id"""
CHANGES = "UPDATE OF status, service_id, transactions"

SQLITE_TRIGGERS = {
    "queue_tally_insert": f"AFTER INSERT ON tickets WHEN NEW.status = 'waiting' BEGIN {ENTER}; END",
    "queue_tally_leave": f"AFTER {CHANGES} ON tickets WHEN OLD.status = 'waiting' BEGIN {LEAVE}; END",
    "queue_tally_enter": f"AFTER {CHANGES} ON tickets WHEN NEW.status = 'waiting' BEGIN {ENTER}; END",
    "queue_tally_delete": f"AFTER DELETE ON tickets WHEN OLD.status = 'waiting' BEGIN {LEAVE}; END",
}

POSTGRES_FUNCTION = f"""CREATE FUNCTION queue_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.service_id <> NEW.service_id THEN
        -- a move between two queues locks both tallies in one order, so two moves crossing between
        -- the same two services wait for each other instead of deadlocking
        PERFORM 1 FROM queue_tallies WHERE service_id IN (OLD.service_id, NEW.service_id)
            ORDER BY service_id FOR UPDATE;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF OLD.status = 'waiting' THEN {LEAVE}; END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.status = 'waiting' THEN {ENTER}; END IF;
    END IF;
    RETURN NULL;
END $$"""
POSTGRES_TRIGGER = (
    f"CREATE TRIGGER queue_tally AFTER INSERT OR DELETE OR {CHANGES} ON tickets "
    "FOR EACH ROW EXECUTE FUNCTION queue_tally()"
)


def upgrade() -> None:
    op.create_table(
        "queue_tallies",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_queue_tallies_service_id_services")),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_queue_tallies")),
    )
    op.execute(
        "INSERT INTO queue_tallies (service_id, waiting, transactions) "
        "SELECT service_id, count(*), coalesce(sum(transactions), 0) FROM tickets "
        "WHERE status = 'waiting' GROUP BY service_id"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER queue_tally ON tickets")
        op.execute("DROP FUNCTION queue_tally()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("queue_tallies")
