"""Real database engines for tests: a fresh PostgreSQL database per use, and the Redis URL.

`make test` exports TABOUR_TEST_POSTGRES_URL / TABOUR_TEST_REDIS_URL when the servers answer. With
CI=true a missing server fails the test; elsewhere the test is skipped with the reason."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def require_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        message = f"{name} is not set (the server is not running?)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + ": required in CI")
        pytest.skip(message)
    return value


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty database on the test server, yield its URL, drop it afterwards."""
    admin_url = make_url(require_env("TABOUR_TEST_POSTGRES_URL"))
    name = f"tabour_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
