"""counters.current_ticket_id: the foreign key to tickets on servers that create it apart

The initial schema declares it with use_alter (counters and tickets refer to each other). CREATE TABLE
leaves such a key out and expects a later ALTER, which the initial revision never ran: on PostgreSQL
the key was missing. SQLite writes it inline in CREATE TABLE (it has no ALTER ADD CONSTRAINT), so only
databases that lack it get it here.

Revision ID: 3c5e0a9d41b7
Revises: f2213d37bba5
Create Date: 2026-11-22 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3c5e0a9d41b7"
down_revision = "f2213d37bba5"
branch_labels = None
depends_on = None

NAME = "fk_counters_current_ticket_id_tickets"


def _has_key() -> bool:
    keys = sa.inspect(op.get_bind()).get_foreign_keys("counters")
    return any(key["name"] == NAME or key["constrained_columns"] == ["current_ticket_id"] for key in keys)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite" and not _has_key():
        op.create_foreign_key(NAME, "counters", "tickets", ["current_ticket_id"], ["id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite" and _has_key():
        op.drop_constraint(NAME, "counters", type_="foreignkey")
