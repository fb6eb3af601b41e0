"""Fixtures of the use-case tests: each test gets a copy of one migrated SQLite file (a real database,
without migrating it per test), the small config's `test` centre, and a supervisor who may work every
counter."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from queue_app.services import accounts, presence
from queue_app.services.catalog import Catalog, CentreCatalog
from queue_app.services.counters import Actor
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.store.models import User
from tests.support.use_cases import NOW


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated empty SQLite file per module; each test gets a copy (migrating takes ~0.5 s)."""
    template = tmp_path_factory.mktemp("template") / "tabour.db"
    upgrade(f"sqlite:///{template}")
    return template


@pytest.fixture
def database(migrated_template: Path, tmp_path: Path) -> Iterator[Database]:
    """Overrides conftest's `database`: the same real SQLite file, copied from the migrated template."""
    path = tmp_path / "tabour.db"
    shutil.copyfile(migrated_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def centre(catalog: Catalog) -> CentreCatalog:
    return catalog.centre("test")


@pytest.fixture
def clerk(database: Database, centre: CentreCatalog) -> Actor:
    """The one acting in these use-case tests: a supervisor of the centre, who may work every counter. Each
    counter is signed in by a clerk of its own first (the ownership rule has tests of its own)."""
    with database.transaction() as session:
        for code in centre.counter_ids:
            desk = User(username=f"desk-{code}", password_hash="-", role="clerk", centre_id=centre.id, created_at=NOW)
            session.add(desk)
            session.flush()
            presence.sign_in(session, centre, code, Actor(desk.id, "clerk", centre.id), NOW)
        user = accounts.create_user(session, "clerk", "secret-pass-1", "supervisor", centre.id, NOW)
        return Actor(user.id, "supervisor", centre.id, "clerk")
