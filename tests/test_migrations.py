"""Alembic migrations: one head; an empty database migrates to exactly the models' schema (SQLite and
PostgreSQL); upgrading a database that already holds tickets keeps them."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from queue_app.store.migrate import alembic_config, upgrade
from queue_app.store.models import Base


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def schema_differences(url: str) -> list[Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "render_as_batch": connection.dialect.name == "sqlite"},
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_exactly_one_head() -> None:
    heads = script().get_heads()
    assert len(heads) == 1, f"several alembic heads: {heads} (set down_revision of the newest to the old head)"
    bases = script().get_bases()
    assert len(bases) == 1, f"several base revisions: {bases}"


def test_every_revision_has_a_downgrade_path() -> None:
    revisions = list(script().walk_revisions())
    assert revisions, "no migration"
    # walk_revisions goes head -> base through down_revision: every revision is reachable from the head
    assert revisions[-1].down_revision is None
    assert len({r.revision for r in revisions}) == len(revisions)


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    upgrade(database_url)
    differences = schema_differences(database_url)
    assert differences == [], "models and migrations disagree (add a revision):\n" + "\n".join(map(str, differences))
    upgrade(database_url)  # a second upgrade is a no-op


def test_upgrading_keeps_existing_tickets(database_url: str) -> None:
    first = list(script().walk_revisions())[-1].revision
    upgrade(database_url, first)
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO centres (id, code) VALUES (1, 'test')"))
            connection.execute(
                text(
                    "INSERT INTO services (id, centre_id, code, prefix, intake_open) VALUES (1, 1, 'traffic', 'A', :t)"
                ),
                {"t": True},
            )
            connection.execute(
                text(
                    "INSERT INTO tickets (id, centre_id, service_id, issued_service_id, period, sequence, number,"
                    " tracking_code, priority, transactions, lang, source, status, issued_at, queued_at, recalls,"
                    " needs_check_in) VALUES (1, 1, 1, 1, '2026-11-22', 7, 'A007', 'kept-ticket-code', 'elderly', 2,"
                    " 'ar', 'kiosk', 'waiting', :at, :at, 0, :f)"
                ),
                {"at": "2026-11-22 06:00:00", "f": False},
            )
        upgrade(database_url)
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT number, tracking_code, priority, transactions, status FROM tickets WHERE id = 1")
            ).one()
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert tuple(row) == ("A007", "kept-ticket-code", "elderly", 2, "waiting")
    assert version == script().get_current_head()
    assert {table.name for table in Base.metadata.sorted_tables} <= tables
