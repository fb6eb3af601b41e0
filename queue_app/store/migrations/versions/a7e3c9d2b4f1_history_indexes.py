"""indexes so that what a hall reads all day does not walk its whole history

Each of these reads ran over every row the hall had ever written, so it grew by the day (timed with
200,000 finished tickets, a few months of a busy hall; docs/benchmarks.md, "History"):
- the recent pace of every service (ETA), read by the hall summary four times a second while tickets
  are issued and inside the issuing transaction: (centre_id, status) walked every finished ticket,
  40 ms; (centre_id, status, finished_at) reads the last two hours only, 0.6 ms. It replaces its prefix.
- the expiry of remote holds, every 15 s inside a write transaction: a scan of all tickets;
  (status, hold_until) reads the waiting tickets that have a hold.
- a kiosk printer's pending jobs, and the notification outbox's pending messages: scans of every job
  and message ever made; now one short range each.

Revision ID: a7e3c9d2b4f1
Revises: 5d0c7e9a1f36
Create Date: 2026-11-30 18:20:00
"""

from alembic import op

revision = "a7e3c9d2b4f1"
down_revision = "5d0c7e9a1f36"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_centre_finished", "tickets", ["centre_id", "status", "finished_at"])
    op.drop_index("ix_tickets_centre_status", table_name="tickets")
    op.create_index("ix_tickets_holds", "tickets", ["status", "hold_until"])
    op.create_index("ix_print_jobs_pending", "print_jobs", ["printer_key", "status", "next_try_at"])
    op.create_index("ix_notifications_pending", "notifications", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_notifications_pending", table_name="notifications")
    op.drop_index("ix_print_jobs_pending", table_name="print_jobs")
    op.drop_index("ix_tickets_holds", table_name="tickets")
    op.create_index("ix_tickets_centre_status", "tickets", ["centre_id", "status"])
    op.drop_index("ix_tickets_centre_finished", table_name="tickets")
