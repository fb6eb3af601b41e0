"""Alembic migrations: one head; an empty database migrates to exactly the models' schema (SQLite and
PostgreSQL); upgrading a database that already holds tickets keeps them; processes starting together sync
the configuration once."""

from __future__ import annotations

import threading
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import String, create_engine, inspect, select, text
from sqlalchemy.pool import NullPool

from queue_app.services.catalog import sync_catalog
from queue_app.settings import load_config
from queue_app.store.database import Database
from queue_app.store.migrate import alembic_config, upgrade
from queue_app.store.models import Base, Centre
from tests.support.databases import fresh_postgres_database
from tests.support.server import ROOT


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def schema_differences(url: str) -> list[Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": _sqlite_type_differs if sqlite else True, "render_as_batch": sqlite},
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _sqlite_type_differs(_context: Any, _inspected: Any, _metadata: Any, old: Any, new: Any) -> bool | None:
    """SQLite ignores a VARCHAR's length (and widening one would mean copying `tickets` without its tally
    triggers): a length alone is no difference there. Anything else: Alembic's own comparison."""
    if isinstance(old, String) and isinstance(new, String) and type(old).__name__ in ("VARCHAR", "String"):
        return False if old.length != new.length else None
    return None


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


def test_processes_starting_together_sync_the_configuration_once() -> None:
    """Several server processes started at once on a fresh PostgreSQL database each write the centres,
    services and counters of config.yaml: without a lock the second died on a unique violation."""
    with fresh_postgres_database() as url:
        upgrade(url)
        config = load_config(ROOT / "config.yaml")
        databases = [Database(url) for _ in range(4)]
        start = threading.Barrier(len(databases))
        failures: list[BaseException] = []

        def start_process(db: Database) -> None:
            try:
                start.wait(timeout=30)
                with db.transaction() as session:
                    sync_catalog(session, config)
            except BaseException as error:
                failures.append(error)

        threads = [threading.Thread(target=start_process, args=(db,)) for db in databases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        try:
            assert not failures, failures
            with databases[0].reading() as session:
                centres = session.scalars(select(Centre.code)).all()
            assert sorted(centres) == sorted(centre.code for centre in config.centres)
        finally:
            for db in databases:
                db.dispose()
