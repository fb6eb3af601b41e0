"""users.totp_secret wide enough for a sealed key (services/sealed.py: Fernet, about 150 characters)

Revision ID: e4b8d2f6a1c3
Revises: c7e1f3a5b9d2
Create Date: 2026-12-04 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e4b8d2f6a1c3"
down_revision = "c7e1f3a5b9d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=255), existing_type=sa.String(length=64))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("totp_secret", type_=sa.String(length=64), existing_type=sa.String(length=255))
