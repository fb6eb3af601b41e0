"""The estimates kept, in public: per body, last week's share of visitors called within the wait they were
shown, the same share as the reports give, left out where too few were shown a wait."""

from __future__ import annotations

from datetime import timedelta

from queue_app.services import counters, reports
from queue_app.services.catalog import CentreCatalog
from queue_app.services.counters import Actor
from queue_app.store.database import Database
from tests.support.use_cases import NOW, act, issue, minutes


def test_last_weeks_share_per_body(database: Database, centre: CentreCatalog, clerk: Actor) -> None:
    week_ago = -3 * 24 * 60  # minutes: three days before NOW
    count = reports.PUBLIC_MINIMUM + 5
    # one every 3 minutes, each called a minute later; the last ten an hour late (past what they were shown)
    steps = [(3 * n, "issue") for n in range(count)]
    steps += [(3 * n + (1 if n < count - 10 else 60), "call") for n in range(count)]
    for at, step in sorted(steps):
        if step == "issue":
            issue(database, centre, "traffic", minutes(week_ago + at))
        else:
            act(database, counters.call_next, centre, "1", clerk, minutes(week_ago + at))
    issue(database, centre, "medical", minutes(week_ago))  # one medical check: too few to say
    with database.reading() as session:
        shares = reports.estimates_kept(session, centre, NOW)
        day = (NOW + timedelta(minutes=week_ago)).date()
        traffic = reports.summary(session, centre, day, day, ["traffic"])["services"][0]
    assert set(shares) == {"interior"}  # civil-health had one visitor shown a wait
    assert shares["interior"] == round(traffic["estimate_kept"], 2) and 0 < shares["interior"] < 1
