"""report_days: each centre's finished days and months as the reports add them up (the roll-up)

Revision ID: c7e1f3a5b9d2
Revises: a9c2e4f6b8d1
Create Date: 2026-12-04 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c7e1f3a5b9d2"
down_revision = "a9c2e4f6b8d1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("rolled_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name=op.f("fk_report_days_centre_id_centres")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_days")),
        sa.UniqueConstraint("centre_id", "period", "day", name=op.f("uq_report_days_centre_id")),
    )


def downgrade() -> None:
    op.drop_table("report_days")
