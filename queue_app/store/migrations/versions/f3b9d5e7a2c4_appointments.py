"""appointments: booked visits and the places taken per slot

A checked-in visit is a ticket of priority class `appointment` (11 characters): `tickets.priority` grows
to 12. SQLite does not enforce a VARCHAR length, and a batch copy of `tickets` would drop its tally
triggers, so only PostgreSQL alters the column.

Revision ID: f3b9d5e7a2c4
Revises: e8a4b6c2d1f0
Create Date: 2026-12-04 08:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3b9d5e7a2c4"
down_revision = "e8a4b6c2d1f0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("tickets", "priority", type_=sa.String(length=12), existing_type=sa.String(length=10))
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", sa.DateTime(), nullable=False),
        sa.Column("visit_at", sa.DateTime(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("civil_id", sa.String(length=12), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("external_ref", sa.String(length=64), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name=op.f("fk_appointments_centre_id_centres")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_appointments_service_id_services")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_appointments_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("code", name=op.f("uq_appointments_code")),
        sa.UniqueConstraint("centre_id", "external_ref", name=op.f("uq_appointments_centre_id")),
    )
    op.create_index("ix_appointments_centre_status_visit", "appointments", ["centre_id", "status", "visit_at"])
    op.create_index("ix_appointments_civil_id", "appointments", ["civil_id"])
    op.create_index("ix_appointments_phone", "appointments", ["phone"])
    op.create_table(
        "appointment_slots",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("slot_start", sa.DateTime(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_appointment_slots_service_id_services")
        ),
        sa.PrimaryKeyConstraint("service_id", "slot_start", name=op.f("pk_appointment_slots")),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("tickets", "priority", type_=sa.String(length=10), existing_type=sa.String(length=12))
    op.drop_table("appointment_slots")
    op.drop_index("ix_appointments_phone", table_name="appointments")
    op.drop_index("ix_appointments_civil_id", table_name="appointments")
    op.drop_index("ix_appointments_centre_status_visit", table_name="appointments")
    op.drop_table("appointments")
