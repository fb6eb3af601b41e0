"""Staffing advice on weeks with a known truth (tests/support/staffing_days.py): eight Sundays of the small
hall, drawn from a stated demand and served by a short-handed roster (one Interior counter), written as
events and rolled up. The fit finds the demand again from those rows; the plan of the next Sunday finds
the Interior short in the rush and advises counters that keep the truth's wait near the target; the
board's live advice, on the live queues, says which counter to open and when the wait will pass."""

from __future__ import annotations

import random
import statistics
from datetime import date, timedelta
from pathlib import Path

import pytest

from queue_app.domain.simulation import simulate
from queue_app.domain.staffing import Hours, desks_of, draw_visits
from queue_app.services import presence, reports, staffing, staffing_advice
from queue_app.services.catalog import CentreCatalog
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.store.database import Database
from tests.support.staffing_days import PRIORITIES, same_weekdays, truth, write_days
from tests.test_centre_day import hall, issue, local, open_day

PLANNED = date(2026, 11, 29)  # a Sunday; the history is the eight Sundays before it
MINUTES = {"traffic": 6.0, "residency": 8.0, "civil-id": 5.0, "medical": 10.0}
RATES = {"traffic": 7.0, "residency": 4.0, "civil-id": 8.0, "medical": 3.0}  # an hour, at the shape's 1.0
SHAPE = {7: 0.5, 8: 1.2, 9: 1.5, 10: 1.5, 11: 1.2, 12: 0.8, 13: 0.5, 16: 0.6, 17: 1.0, 18: 1.0, 19: 0.8, 20: 0.5}
SHORT_HANDED = {"1", "4", "6"}  # one counter for the Interior's two services, one each for civil ID and health
TARGET = 20


@pytest.fixture(scope="module")
def history_day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Database, CentreCatalog]:
    """The hall with eight Sundays of history, each served by the short-handed roster."""
    database, centre, _lead = open_day(f"sqlite:///{tmp_path_factory.mktemp('staffing') / 'hall.db'}", hall())
    now = local(10, day=6)
    with database.reading() as session:
        days = [staffing.hours_of(session, centre, day, now) for day in same_weekdays(PLANNED - timedelta(7), 8)]
    roster = {hour: frozenset(SHORT_HANDED) for hour in days[0].hours}
    counters = staffing.counter_plans(centre)
    write_days(database, centre, truth(MINUTES, RATES, SHAPE), counters, roster, days, staffing.rules_of(centre), 1)
    yield database, centre
    database.dispose()


def test_the_fit_finds_the_demand_and_the_usual_roster_again(history_day: tuple[Database, CentreCatalog]) -> None:
    database, centre = history_day
    with database.reading() as session:
        seen = staffing.history(session, centre, PLANNED, local(10, day=6))
    assert len(seen.days_seen) == 8 and seen.days_seen[0] == PLANNED - timedelta(7)
    for service, rate in RATES.items():
        fitted = seen.demands[service]
        expected = rate * sum(SHAPE.values())
        assert abs(sum(fitted.arrivals) - expected) <= 0.2 * expected, service  # a day's visitors
        assert sum(fitted.arrivals[h] for h in range(24) if h not in SHAPE) == 0  # nobody outside the hours
        assert abs(fitted.mean_minutes - MINUTES[service]) <= 0.15 * MINUTES[service], service
        for priority, share in PRIORITIES.items():
            assert abs(fitted.priorities[priority] - share) <= 0.04
    # the counters that called in an hour on most days are the usual roster: here, the short-handed one
    assert seen.usual[9] == frozenset(SHORT_HANDED) and seen.usual[15] == frozenset()


def test_the_plan_finds_the_interior_short_and_its_advice_holds_in_the_truth(
    history_day: tuple[Database, CentreCatalog],
) -> None:
    database, centre = history_day
    with database.reading() as session:
        plan = staffing.plan(session, centre, PLANNED, TARGET, local(10, day=6))
        hours = staffing.hours_of(session, centre, PLANNED, local(10, day=6))
    assert plan["days_seen"] == 8 and not plan["closed"]
    interior = next(b for b in plan["bodies"] if b["body"] == "interior")
    rush = next(row for row in interior["hours"] if row["hour"] == 10)
    assert rush["usual"] == 1 and rush["usual_wait"]["minutes"] > TARGET  # one counter falls behind ...
    assert len(rush["advised"]) >= 2 and rush["advised_wait"]["minutes"] <= TARGET  # ... the advice catches up
    assert [row["hour"] for row in interior["hours"]] == [*range(7, 14), *range(16, 21)]  # the shifts' hours

    # The advised roster on twenty days drawn from the truth itself (not from the fit): the wait of each
    # body's visitors over the day stays near the target; the usual roster's does not.
    roster = {
        row["hour"]: frozenset(code for b in plan["bodies"] for code in b["hours"][i]["advised"])
        for i, row in enumerate(interior["hours"])
    }
    usual = {hour: frozenset(SHORT_HANDED) for hour in hours.hours}
    advised_waits, usual_waits = waits_in_truth(centre, hours, roster), waits_in_truth(centre, hours, usual)
    assert all(wait <= 1.25 * TARGET for wait in advised_waits.values()), advised_waits
    assert usual_waits["residency"] > 3 * TARGET  # one counter calls traffic first: residency starves


def waits_in_truth(centre: CentreCatalog, hours: Hours, roster: dict[int, frozenset[str]]) -> dict[str, float]:
    """Per service, the mean wait over twenty days drawn from the truth and served by `roster`."""
    rng = random.Random(99)
    rules = staffing.rules_of(centre)
    desks = desks_of(roster, staffing.counter_plans(centre), hours)
    waits: dict[str, list[float]] = {s: [] for s in MINUTES}
    for _ in range(20):
        visits = draw_visits(truth(MINUTES, RATES, SHAPE), hours, rng)
        day = simulate(visits, desks, rules.boosts, rules.max_consecutive)
        for visit in visits:
            wait = day.wait_minutes(visit)
            waits[visit.service].append(wait if wait is not None else 600.0)
    return {s: statistics.mean(w) for s, w in waits.items()}


def test_the_board_is_told_which_counter_to_open_before_the_wait_passes(tmp_path: Path) -> None:
    """A live Sunday morning after the same history: at 09:00 five visitors have waited over 20 minutes for
    traffic services, counter 2 is signed out and counter 1 calls traffic alone (counter 3 takes residency):
    the advice names counter 2 (traffic first in its order) and says opening it keeps the wait under the
    target."""
    database, centre, lead = open_day(f"sqlite:///{tmp_path / 'live.db'}", hall())
    with database.reading() as session:
        days = [staffing.hours_of(session, centre, d, local(8)) for d in same_weekdays(PLANNED - timedelta(7), 8)]
    roster = {hour: frozenset(SHORT_HANDED) for hour in days[0].hours}
    rules = staffing.rules_of(centre)
    write_days(database, centre, truth(MINUTES, RATES, SHAPE), staffing.counter_plans(centre), roster, days, rules, 2)
    now = local(9, day=7)
    with database.transaction() as session:
        presence.sign_out(session, centre, "2", lead, now - timedelta(hours=1))
    for minute in range(5):
        issue(database, centre, now - timedelta(minutes=30 - minute))
    with database.reading() as session:
        found = staffing_advice.advice(session, centre, now)
    interior = next(a for a in found if a["body"] == "interior")
    assert interior["service"] == "traffic" and interior["counter"] == "2" and interior["helps"]
    assert interior["now"] and interior["at"] == "09:00"
    assert [a["body"] for a in found] == ["interior"]  # civil ID and health have their three counters open


def test_an_elderly_visitors_ticket_counts_in_the_classes_history(tmp_path: Path) -> None:
    """The `issued` event keeps the priority class (the fit's shares come from there), none for the rest."""
    database, centre, _lead = open_day(f"sqlite:///{tmp_path / 'classes.db'}", hall())
    with database.transaction() as session:
        issue_ticket(session, centre, TicketRequest(service="traffic", priority="elderly"), local(9))
        issue_ticket(session, centre, TicketRequest(service="traffic"), local(9, 5))
    with database.reading() as session:
        (day,) = reports.days_of(session, centre, [local(9).date()])
    traffic = day[centre.service_ids["traffic"]]
    assert traffic.issued == 2 and traffic.priorities == {"elderly": 1}
