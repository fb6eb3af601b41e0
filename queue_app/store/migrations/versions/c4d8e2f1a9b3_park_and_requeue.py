"""tickets: parked tickets and requeued no-shows

A clerk may park the visitor at the counter (to fetch a document) and call them back later: the
ticket keeps `counter_id` and gets `parked_at`; the console lists a counter's parked tickets through
the new index (counter_id, status). A no-show put back in line counts in `requeues` (a daily limit).

Revision ID: c4d8e2f1a9b3
Revises: a7e3c9d2b4f1
Create Date: 2026-12-03 17:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c4d8e2f1a9b3"
down_revision = "a7e3c9d2b4f1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN on both engines: a batch copy of `tickets` on SQLite would drop its tally triggers
    op.add_column("tickets", sa.Column("parked_at", sa.DateTime(), nullable=True))
    op.add_column("tickets", sa.Column("requeues", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_tickets_counter_status", "tickets", ["counter_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_tickets_counter_status", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("requeues")
        batch.drop_column("parked_at")
