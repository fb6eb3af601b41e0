"""The expected-wait model (domain/eta.py), pure: no database."""

from __future__ import annotations

from queue_app.domain.eta import Sample, ServiceRate, estimate, observed_minutes, wait_minutes


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
