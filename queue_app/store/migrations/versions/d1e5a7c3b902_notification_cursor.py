"""notifications: the outbox reads the ticket events after a cursor

Messages to visitors are no longer written inside each ticket transition: the ticket events, stored in
that very transaction, are the outbox, and the notification worker turns the events after
`notification_cursor.last_event_id` into messages. The cursor starts at the newest event, so an
upgrade never sends messages about the past.

Revision ID: d1e5a7c3b902
Revises: c4d8e2f1a9b3
Create Date: 2026-12-04 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d1e5a7c3b902"
down_revision = "c4d8e2f1a9b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    cursor = op.create_table(
        "notification_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_cursor")),
    )
    newest = op.get_bind().scalar(sa.text("SELECT coalesce(max(id), 0) FROM ticket_events"))
    op.bulk_insert(cursor, [{"id": 1, "last_event_id": int(newest or 0)}])


def downgrade() -> None:
    op.drop_table("notification_cursor")
