"""The people side of a report on a real SQLite file: a clerk's timesheet from the presence rows, and the
visitors' ratings per service, per clerk and their comments."""

from __future__ import annotations

from datetime import timedelta

from queue_app.services import accounts, counters, presence, ratings
from queue_app.services.catalog import CentreCatalog
from queue_app.services.counters import Actor
from queue_app.services.report_people import ratings as rating_report
from queue_app.services.report_people import timesheets
from queue_app.store import tickets as tickets_store
from queue_app.store.database import Database
from tests.support.use_cases import NOW, act, issue, minutes

DAY = NOW.date()


def test_a_clerks_day_and_the_visitors_scores(database: Database, centre: CentreCatalog) -> None:
    with database.transaction() as session:
        user = accounts.create_user(session, "huda", "Quiet-hall-2026", "clerk", centre.id, NOW)
    huda = Actor(user.id, "clerk", centre.id, "huda")
    with database.transaction() as session:
        presence.sign_in(session, centre, "1", huda, minutes(0))
    tickets = [issue(database, centre, "traffic", minutes(1)) for _ in range(2)]
    for n, _ticket in enumerate(tickets):
        act(database, counters.call_next, centre, "1", huda, minutes(10 + n * 10))
        act(database, counters.complete, centre, "1", huda, minutes(15 + n * 10))
    with database.transaction() as session:
        presence.pause(session, centre, "1", "prayer", huda, minutes(120))
        presence.resume(session, centre, "1", huda, minutes(140))
        presence.sign_out(session, centre, "1", huda, minutes(360))
        first, second = (tickets_store.ticket(session, ticket.id) for ticket in tickets)
        assert first is not None and second is not None
        ratings.rate(session, first, 5, "شكراً", minutes(30))
        ratings.rate(session, second, 2, "", minutes(31))

    with database.reading() as session:
        sheets = timesheets(session, centre, DAY, DAY, NOW + timedelta(days=1))
        scores = rating_report(session, centre, DAY, DAY)
    assert sheets[user.id] == {"signed_in_minutes": 360.0, "paused_minutes": {"prayer": 20.0}}
    traffic = next(row for row in scores["services"] if row["service"] == "traffic")
    assert (traffic["count"], traffic["average"], traffic["spread"]) == (2, 3.5, [0, 1, 0, 0, 1])
    assert scores["clerks"][user.id]["average"] == 3.5
    assert [c["comment"] for c in scores["comments"]] == ["شكراً"]
