"""The expected-wait model (domain/eta.py), pure; and the estimate a hall shows while its shift opens."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from queue_app.domain.eta import OPENING_MINUTES, Sample, ServiceRate, estimate, observed_minutes, wait_minutes
from queue_app.services import calendar, presence
from queue_app.services.catalog import sync_catalog
from queue_app.services.counters import Actor
from queue_app.settings import parse_config
from queue_app.store.database import Database
from queue_app.store.migrate import upgrade
from queue_app.store.models import User
from queue_app.views.hall import services_summary
from tests.test_centre_day import hall, issue, local


def test_observed_minutes_shrinks_towards_recent_services_weighted_by_transactions() -> None:
    assert observed_minutes([], 6.0) == 6.0
    slow = [Sample(minutes=20.0, transactions=2)] * 10  # 10 minutes per transaction
    assert 9.0 < observed_minutes(slow, 6.0) < 10.0
    assert observed_minutes([Sample(1.0, 1)], 6.0) > 4.5  # one quick visit barely moves it


def test_paused_counters_help_only_long_waits_and_range_is_honest() -> None:
    open_only = ServiceRate(minutes_per_transaction=6, counters=2, busy=2)
    with_paused = ServiceRate(minutes_per_transaction=6, counters=2, busy=2, paused=2)
    assert wait_minutes(1, with_paused) == wait_minutes(1, open_only)  # short wait: pause not over yet
    assert wait_minutes(30, with_paused) < wait_minutes(30, open_only)
    near, far = estimate(1, open_only, 1), estimate(40, open_only, 40)
    assert near.low < near.high and far.low < far.high
    assert (far.high - far.low) / far.minutes < (near.high - near.low) / max(near.minutes, 1)
    assert far.low % 5 == 0 and far.high % 5 == 0  # no false precision on long waits
    assert estimate(0, ServiceRate(6, 0)).high >= 1  # nobody serving: still a finite answer


def test_the_estimate_does_not_lurch_when_the_first_clerk_signs_in(tmp_path: Path) -> None:
    """Issue 12: at opening, with eight visitors waiting, the estimate was made with the configured
    counters until the first clerk signed in, then with that one alone: 16-32 minutes became 30-65 while
    nobody had been served yet. While a shift opens, the counters still signing in are assumed; once it
    has been open OPENING_MINUTES, the counters that came are the truth."""
    url = f"sqlite:///{tmp_path / 'opening.db'}"
    upgrade(url)
    database = Database(url)
    with database.transaction() as session:
        catalog = sync_catalog(session, parse_config(hall()))
        calendar.seed(session, catalog, local(7))
        centre = catalog.centre("test")
        clerk = User(username="desk-1", password_hash="-", role="clerk", centre_id=centre.id, created_at=local(7))
        session.add(clerk)
        session.flush()
        actor = Actor(clerk.id, "clerk", centre.id)
    for minute in range(8):
        issue(database, centre, local(7, 30 + minute // 4))

    def traffic(at: datetime) -> dict[str, Any]:
        with database.reading() as session:
            return next(s for s in services_summary(session, centre, at) if s["code"] == "traffic")

    nobody = traffic(local(7, 32))
    with database.transaction() as session:
        presence.sign_in(session, centre, "1", actor, local(7, 33))
    first = traffic(local(7, 34))
    assert first["waiting"] == 8 and first["eta_range"] == nobody["eta_range"]  # no lurch (30-65 before)
    later = traffic(local(7, 30) + timedelta(minutes=OPENING_MINUTES + 1))
    assert later["eta_minutes"] > first["eta_minutes"]  # one clerk came: the estimate says so now
    database.dispose()
