"""tickets: an index of each queue by priority class, covering what "people ahead" counts

Call-next's priority candidates and the count of people ahead of a ticket read waiting tickets of one
service and one priority class in queue order; with only (service_id, status, queued_at) both walked
every waiting ticket of the service, so their cost grew with the queue (docs/benchmarks.md).

Revision ID: 8b1f4c2e6a90
Revises: 3c5e0a9d41b7
Create Date: 2026-11-22 23:10:00
"""

from alembic import op

revision = "8b1f4c2e6a90"
down_revision = "3c5e0a9d41b7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_tickets_queue_priority", "tickets", ["service_id", "status", "priority", "queued_at", "id", "transactions"]
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_queue_priority", table_name="tickets")
