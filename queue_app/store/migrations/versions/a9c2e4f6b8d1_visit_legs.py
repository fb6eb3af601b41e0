"""visit_legs: a family visit's legs (one ticket, several services, one counter at a time)

`tickets.legs` counts them (1 for a single-service ticket, which has no rows in `visit_legs`).

Revision ID: a9c2e4f6b8d1
Revises: b6f1d3a8c5e2
Create Date: 2026-12-04 13:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a9c2e4f6b8d1"
down_revision = "b6f1d3a8c5e2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN on both engines: a batch copy of `tickets` on SQLite would drop its tally triggers
    op.add_column("tickets", sa.Column("legs", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "visit_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=True),
        sa.Column("called_at", sa.DateTime(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["counter_id"], ["counters.id"], name=op.f("fk_visit_legs_counter_id_counters")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_visit_legs_service_id_services")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_visit_legs_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_legs")),
        sa.UniqueConstraint("ticket_id", "position", name=op.f("uq_visit_legs_ticket_id")),
    )
    op.create_index("ix_visit_legs_status", "visit_legs", ["status", "ticket_id"])  # the visits still planned


def downgrade() -> None:
    op.drop_table("visit_legs")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("legs")
