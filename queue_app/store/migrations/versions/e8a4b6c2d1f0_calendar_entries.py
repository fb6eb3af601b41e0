"""calendar: holidays, closures and dated hours per centre

The weekly shifts stay in config.yaml; the dated entries live here so that staff can close a centre for
the day while the server runs (every process reads them within seconds). Entries from config.yaml are
marked `source = config` and follow the file at every start.

Revision ID: e8a4b6c2d1f0
Revises: d1e5a7c3b902
Create Date: 2026-12-04 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e8a4b6c2d1f0"
down_revision = "d1e5a7c3b902"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("shifts", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name=op.f("fk_calendar_entries_centre_id_centres")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_calendar_entries_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_entries")),
    )
    op.create_index("ix_calendar_entries_centre_last", "calendar_entries", ["centre_id", "last_day"])


def downgrade() -> None:
    op.drop_index("ix_calendar_entries_centre_last", table_name="calendar_entries")
    op.drop_table("calendar_entries")
