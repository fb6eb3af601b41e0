"""The summary report on a small history built by the test with the clock moved, every figure computed by
hand: issued, served, missed, cancelled, transferred (counted where the ticket left), closed at closing;
waits, service times and the share within target; and the promises kept (the range each visitor was
shown, stored with the `issued` event). Then the same through the API, for a supervisor only."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from queue_app.domain.errors import QueueError
from queue_app.services import closing, counters, reports
from queue_app.services.tickets import cancel_ticket
from queue_app.store.database import Database
from queue_app.store.models import ReportDay, TicketEvent
from tests.support.server import LiveServer
from tests.test_centre_day import call, hall, issue, local, open_day

SUNDAY = date(2026, 11, 22)


def act(database: Database, action: Any, *args: Any) -> None:
    with database.transaction() as session:
        action(session, *args)


def test_a_small_day_adds_up_by_hand(tmp_path: Path) -> None:
    database, centre, clerk = open_day(f"sqlite:///{tmp_path / 'report.db'}", hall("carry"))
    try:
        a1, a2, a3, a4, a5 = (issue(database, centre, local(8, i)) for i in range(5))
        assert call(database, centre, clerk, local(8, 10)).number == "A001"  # waited 10 minutes
        act(database, counters.start, centre, "1", clerk, local(8, 12))
        act(database, counters.complete, centre, "1", clerk, local(8, 20))  # served 8 minutes from the start
        act(database, cancel_ticket, centre, a3, local(8, 25))  # A003 leaves
        assert call(database, centre, clerk, local(8, 31)).number == "A002"  # waited 30
        act(database, counters.no_show, centre, "1", clerk, local(8, 33))
        assert call(database, centre, clerk, local(8, 40), "2").number == "A004"  # waited 37
        act(database, counters.transfer, centre, "2", "residency", None, clerk, local(8, 45))
        assert call(database, centre, clerk, local(8, 50), "3").number == "A004"  # in residency now
        act(database, counters.complete, centre, "3", clerk, local(9, 0))  # served 10 minutes, for residency
        b1 = issue(database, centre, local(9, 0), "residency")
        assert call(database, centre, clerk, local(9, 5), "3").number == b1.number  # waited 5
        act(database, counters.complete, centre, "3", clerk, local(9, 11))  # served 6
        act(database, closing.close_centre, centre, local(21, 1))  # A005 still waits at closing
        assert (a2.number, a5.number) == ("A002", "A005")

        with database.reading() as session:
            promised = {
                ticket_id: detail["eta"]
                for ticket_id, detail in session.execute(
                    select(TicketEvent.ticket_id, TicketEvent.detail).where(TicketEvent.kind == "issued")
                )
            }
            report = reports.summary(session, centre, SUNDAY, SUNDAY)
        by_service = {s["service"]: s for s in report["services"]}
        traffic, residency = by_service["traffic"], by_service["residency"]
        assert {k: traffic[k] for k in ("issued", "served", "no_show", "cancelled", "transferred", "closed")} == {
            "issued": 5, "served": 1, "no_show": 1, "cancelled": 1, "transferred": 1, "closed": 1,
        }  # fmt: skip
        assert traffic["wait_minutes"] == {"mean": 25.7, "median": 30.0, "p90": 37.0}  # 10, 30, 37
        assert traffic["service_minutes"] == {"mean": 8.0, "median": 8.0, "p90": 8.0}
        assert traffic["within_target"] == 0.333  # 1 of 3 within the 20-minute target
        waits = {a1.id: 10, a2.id: 30, a4.id: 37}
        kept = [low <= waits[t] <= high + 0.5 for t, (low, high) in promised.items() if t in waits]
        assert traffic["estimate_kept"] == round(sum(kept) / 3, 3)
        assert (residency["issued"], residency["served"], residency["transferred"]) == (1, 2, 0)
        assert residency["wait_minutes"]["mean"] == 5.0  # A004's wait belongs to traffic, where it waited
        assert residency["service_minutes"] == {"mean": 8.0, "median": 8.0, "p90": 10.0}  # 6 and 10
        assert residency["within_target"] == 1.0
        assert by_service["medical"]["issued"] == 0 and by_service["medical"]["wait_minutes"]["mean"] is None

        # kept in report_days once the day is over, and the month once it is: the same figures
        november = (date(2026, 11, 1), date(2026, 11, 30))
        with database.reading() as session:
            month = reports.summary(session, centre, *november)  # thirty days read from their events
        with database.transaction() as session:
            assert reports.rollup(session, centre, SUNDAY, local(23, 0)) == 2  # traffic and residency
            reports.rollup_month(session, centre, november[0], local(23, 0))
        with database.reading() as session:
            assert session.scalar(select(func.count()).select_from(ReportDay)) == 2  # the day, the month
            assert reports.summary(session, centre, SUNDAY, SUNDAY) == report
            assert reports.summary(session, centre, *november) == month
            assert len(reports.parts(session, centre, *november)) == 1  # the month, in one piece
            assert len(reports.parts(session, centre, date(2026, 11, 20), date(2026, 12, 2))) == 13
        assert {k: month["services"][0][k] for k in ("issued", "served")} == {"issued": 5, "served": 1}
        assert report["arrivals_by_hour"][8] == 5 and report["arrivals_by_hour"][9] == 1  # the centre's hours
        assert report["arrivals_by_weekday_hour"][SUNDAY.weekday()][8] == 5
        assert [(c["counter"], c["served"]) for c in report["counters"]] == [("3", 2), ("1", 1)]
        assert sum(c["served"] for c in report["clerks"]) == 3
        # what staffing advice fits: the hours each counter called, the tickets that went on elsewhere
        with database.reading() as session:
            (day,) = reports.days_of(session, centre, [SUNDAY])
        traffic_day, residency_day = (day[centre.service_ids[s]] for s in ("traffic", "residency"))
        ids = centre.counter_ids
        assert traffic_day.desks == {str(ids["1"]): 1 << 8, str(ids["2"]): 1 << 8}  # the 8 o'clock calls
        assert residency_day.desks == {str(ids["3"]): 1 << 8 | 1 << 9}
        assert traffic_day.onward == {str(centre.service_ids["residency"]): 1} and residency_day.onward == {}

        with database.reading() as session:
            monday = reports.summary(session, centre, date(2026, 11, 23), date(2026, 11, 23))
            assert all(s["issued"] == 0 for s in monday["services"])  # dates in the centre's time
            with pytest.raises(QueueError) as backwards:
                reports.summary(session, centre, SUNDAY, date(2026, 11, 21))
        assert backwards.value.code == "invalid_date_span"
    finally:
        database.dispose()


def test_the_summary_over_the_api_is_for_supervisors(live_server: LiveServer, tmp_path: Path) -> None:
    url = f"{live_server.url}/api/v1/centres/test/reports/summary"
    clerk = live_server.staff("desk", "clerk")
    supervisor = live_server.staff("lead", "supervisor")
    kiosk = live_server.device("kiosk", "k2")
    assert requests.post(f"{live_server.url}/api/v1/centres/test/tickets", json={"service": "traffic"},
                         headers=kiosk, timeout=10).status_code == 201  # fmt: skip
    today = requests.get(f"{live_server.url}/api/v1/centres/test/calendar?days=1", timeout=10).json()["days"][0]
    params = {"from": today["date"], "to": today["date"]}
    assert requests.get(url, params=params, headers=clerk, timeout=10).status_code == 403
    assert requests.get(url, params=params, timeout=10).status_code == 401
    answer = requests.get(url, params=params, headers=supervisor, timeout=10)
    assert answer.status_code == 200, answer.text
    traffic = next(s for s in answer.json()["services"] if s["service"] == "traffic")
    assert traffic["issued"] == 1 and traffic["wait_minutes"]["mean"] is None
    missing = requests.get(url, params={"from": today["date"]}, headers=supervisor, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "missing_field"

    # the same day as files, for a scheduled job
    out = live_server.flask("reports", "daily", "--date", today["date"], "--centre", "test", "--out", str(tmp_path))
    stem = tmp_path / f"test-{today['date']}"
    assert out.strip() == f"{stem}.json, {stem}.csv"
    assert json.loads(stem.with_suffix(".json").read_text(encoding="utf-8")) == answer.json()
    rows = list(csv.DictReader(stem.with_suffix(".csv").open(encoding="utf-8")))
    assert [r["service"] for r in rows] == [s["service"] for s in answer.json()["services"]]
    assert rows[0]["issued"] == "1" and rows[0]["wait_mean"] == ""
