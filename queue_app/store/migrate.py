"""Alembic, driven from code: `upgrade(url)` brings any database to the models' schema.

Several server processes may start at once against one PostgreSQL database: the upgrade then runs
under a transaction-level advisory lock, so exactly one of them migrates and the others wait.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from .database import null_pool_engine

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x7A_B0_0001  # an arbitrary, fixed advisory lock key (others: store/database.py)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    config = alembic_config(url)
    if not url.startswith("postgresql"):
        command.upgrade(config, revision)
        return
    engine = null_pool_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the difference between the models and the database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


def main() -> int:
    """`python -m queue_app.store.migrate`: upgrade the database named by TABOUR_MIGRATE_URL (an
    environment variable, not an argument, so a password never shows in the process list). run.py runs
    this as a short-lived child so that Alembic and Mako (~30 MB) do not stay resident in the server."""
    import os

    logging.basicConfig(level=logging.WARNING)
    upgrade(os.environ["TABOUR_MIGRATE_URL"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
