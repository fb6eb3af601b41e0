"""hall_versions: the hall's configuration kept in the database, one row per version

Revision ID: b2d4f6a8c0e1
Revises: e4b8d2f6a1c3
Create Date: 2026-12-04 19:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b2d4f6a8c0e1"
down_revision = "e4b8d2f6a1c3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hall_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("file_digest", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=True),
        sa.Column("centres", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_versions")),
    )


def downgrade() -> None:
    op.drop_table("hall_versions")
