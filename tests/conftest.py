"""Shared fixtures: settings on a real SQLite file, real servers on loopback ports, real engines."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from queue_app.services.catalog import Catalog, sync_catalog
from queue_app.settings import Settings, load_config
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from tests.support.clock import daytime_zone
from tests.support.databases import fresh_postgres_database, require_env
from tests.support.server import SMALL_CONFIG, LiveServer

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def hall_config():
    return load_config(SMALL_CONFIG)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tabour.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    return require_env("TABOUR_TEST_REDIS_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs on a real SQLite file and on a real PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tabour.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    upgrade(sqlite_url)
    db = Database(sqlite_url)
    yield db
    db.dispose()


@pytest.fixture
def catalog(database: Database, hall_config) -> Catalog:
    with database.transaction() as session:
        return sync_catalog(session, hall_config)


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str, hall_config) -> Settings:
    return Settings(
        hall=hall_config, database_url=sqlite_url, secret_key="test-secret", instance_path=str(tmp_path), testing=True
    )


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server (gevent, SQLite file) on a free loopback port, with the small test config."""
    server = LiveServer(instance=tmp_path / "instance").start()
    yield server
    server.stop()


@pytest.fixture
def booking_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server whose traffic service takes bookings (15-minute slots, check-in 30 minutes ahead)."""
    data = copy.deepcopy(yaml.safe_load(SMALL_CONFIG.read_text(encoding="utf-8")))
    centre = data["centres"][0]
    centre["timezone"] = daytime_zone()  # the afternoon ahead, whenever the suite runs (tests/support/clock.py)
    centre["appointments"] = {"slot_minutes": 15, "days_ahead": 3, "check_in_before": 30, "check_in_after": 10}
    centre["bodies"][0]["services"][0]["appointments"] = {"enabled": True}
    config = tmp_path / "booking.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    server = LiveServer(instance=tmp_path / "instance", config=config).start()
    yield server
    server.stop()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright cannot download its own browser here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield ScriptableBrowser(chromium)
        chromium.close()


class ScriptableBrowser:
    """The browser, with contexts that let Playwright's own polling scripts run under the pages'
    Content-Security-Policy (`wait_for_function` evaluates strings, which the policy forbids the page).
    A test of the policy itself asks for `bypass_csp=False` (tests/test_pages_browser.py)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **options: Any) -> Any:
        options.setdefault("bypass_csp", True)
        return self._browser.new_context(**options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)
