"""Benchmark: a month's reports over a million tickets, from the events and from the kept days.

    .venv/bin/python bench/reports.py [--tickets 1000000] [--days 30] [--centres 52] [--repeats 5]
                                      [--postgres URL]   (an empty database on a PostgreSQL server)

Writes a month of history: `--centres` centres with the sample config's services (config.yaml, 26 of
them in 8 bodies), two shifts a day (7:30-13:30 and 16:00-20:00, centre time), busier in the morning
rush, `--tickets` tickets in all, each issued (with the range it was shown), called, started and done at
a counter by a clerk, one in twenty a no-show; ticket rows and their events written in bulk. Then times:
one centre's month read from the events (no roll-up), the roll-up of every finished day (and of the
month, after its last day), one centre's month and every centre's month from the kept month, the
reports page's whole view of one centre's month, and a span of 30 days that is not a whole month (from
the kept days). Medians of `--repeats`, in seconds.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from queue_app.services import reports  # noqa: E402
from queue_app.services.catalog import Catalog, CentreCatalog, sync_catalog  # noqa: E402
from queue_app.settings import parse_config  # noqa: E402
from queue_app.store.database import Database  # noqa: E402
from queue_app.store.migrate import upgrade  # noqa: E402
from queue_app.views.report import report_view  # noqa: E402
from tests.support.history_rows import insert_rows, one_clerk  # noqa: E402

FIRST_DAY = date(2026, 10, 1)
OFFSET = timedelta(hours=3)  # Asia/Kuwait
SHIFTS = ((7.5, 13.5, 0.7), (16.0, 20.0, 0.3))  # (opens, closes, share of the day's tickets)


def config(centres: int) -> dict[str, Any]:
    """The sample config with `centres` copies of its centre, codes c01, c02, ..."""
    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    template = data["centres"][0]
    data["centres"] = []
    for n in range(1, centres + 1):
        centre = copy.deepcopy(template)
        centre["code"] = f"c{n:02d}"
        centre["kiosks"], centre["displays"] = [], []
        data["centres"].append(centre)
    return data


def moment(rng: random.Random, day: date) -> datetime:
    """A time of arrival on `day` (naive UTC): a shift by its share, a rush in the morning's first hours."""
    opens, closes, _share = SHIFTS[0] if rng.random() < SHIFTS[0][2] else SHIFTS[1]
    hour = opens + (closes - opens) * (rng.betavariate(2, 3) if opens < 12 else rng.random())
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hour) - OFFSET


def history(db: Database, catalog: Catalog, tickets: int, days: int, postgres: bool) -> None:
    """Write the month in bulk: ticket rows, then their events."""
    rng = random.Random(1)
    centres = list(catalog.centres.values())
    per_day = tickets // (len(centres) * days)
    ticket_rows, event_rows = [], []
    ticket_id = 0
    for centre in centres:
        services = [(centre.service_ids[s.code], s.minutes) for _b, s in centre.config.services()]
        counters = list(centre.counter_ids.values())
        for offset in range(days):
            day = FIRST_DAY + timedelta(days=offset)
            for _ in range(per_day):
                ticket_id += 1
                service_id, minutes = rng.choice(services)
                issued = moment(rng, day)
                waited = rng.expovariate(1 / 18)
                called = issued + timedelta(minutes=waited)
                started = called + timedelta(minutes=1)
                done = started + timedelta(minutes=rng.expovariate(1 / minutes))
                counter = rng.choice(counters)
                low = max(0, int(waited * rng.uniform(0.6, 1.1)))
                status = "no_show" if rng.random() < 0.05 else "done"
                ticket_rows.append(
                    (ticket_id, centre.id, service_id, service_id, str(day), ticket_id, f"A{ticket_id % 1000:03d}",
                     f"bench-{ticket_id}", status, str(issued), str(issued), str(called), str(done), counter, "none")
                )  # fmt: skip
                eta = json.dumps({"source": "kiosk", "eta": [low, low + 10]})
                event_rows.append((ticket_id, centre.id, service_id, "issued", str(issued), None, None, eta))
                event_rows.append((ticket_id, centre.id, service_id, "called", str(called), counter, 1, None))
                if status == "done":
                    event_rows.append((ticket_id, centre.id, service_id, "started", str(started), counter, 1, None))
                event_rows.append((ticket_id, centre.id, service_id, status, str(done), counter, 1, None))
    insert_rows(db, ticket_rows, event_rows, postgres)
    print(f"history: {len(ticket_rows):,} tickets, {len(event_rows):,} events", flush=True)


def median_seconds(action: Any, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=31)  # October
    parser.add_argument("--centres", type=int, default=52)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--postgres", help="an empty PostgreSQL database (default: a SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tabour-bench-reports-") as tmp:
        url = args.postgres or f"sqlite:///{Path(tmp) / 'tabour.db'}"
        upgrade(url)
        db = Database(url)
        with db.transaction() as session:
            catalog = sync_catalog(session, parse_config(config(args.centres)))
        one_clerk(db)
        started = time.perf_counter()
        history(db, catalog, args.tickets, args.days, bool(args.postgres))
        print(f"  written in {time.perf_counter() - started:.1f} s", flush=True)
        first, last = FIRST_DAY, FIRST_DAY + timedelta(days=args.days - 1)
        one: CentreCatalog = catalog.centre("c01")

        def month(centre: CentreCatalog) -> object:
            with db.reading() as session:
                return reports.summary(session, centre, first, last)

        def page() -> object:
            with db.reading() as session:
                return report_view(session, one, first, last, datetime(2026, 12, 1))

        live = median_seconds(lambda: month(one), min(3, args.repeats))
        started = time.perf_counter()
        now = datetime.combine(last + timedelta(days=2), datetime.min.time())
        for centre in catalog.centres.values():
            day = first
            while day <= last:
                with db.transaction() as session:
                    reports.rollup(session, centre, day, now)
                day += timedelta(days=1)
        rolled = time.perf_counter() - started
        kept_one = median_seconds(lambda: month(one), args.repeats)
        kept_all = median_seconds(lambda: [month(c) for c in catalog.centres.values()], args.repeats)
        kept_page = median_seconds(page, args.repeats)

        def days(centre: CentreCatalog) -> object:  # not a whole month: thirty kept days
            with db.reading() as session:
                return reports.summary(session, centre, first + timedelta(days=1), last)

        days_one = median_seconds(lambda: days(one), args.repeats)
        days_all = median_seconds(lambda: [days(c) for c in catalog.centres.values()], min(3, args.repeats))
        db.dispose()
    engine = "PostgreSQL" if args.postgres else "SQLite"
    per_centre = args.tickets // args.centres
    print(
        f"{engine}: {args.tickets:,} tickets over {args.days} days in {args.centres} centres (~{per_centre:,} a centre)"
    )
    print(f"  one centre's month, from the events (no roll-up): {live:.3f} s")
    print(f"  roll-up of every day of every centre, once:       {rolled:.1f} s")
    print(f"  one centre's month, kept as a month:              {kept_one:.3f} s")
    print(f"  every centre's month, kept as months:             {kept_all:.3f} s")
    print(f"  the reports page's view of one centre's month:    {kept_page:.3f} s")
    print(f"  one centre's 30 days, not a whole month (days):   {days_one:.3f} s")
    print(f"  every centre's 30 days, from the kept days:       {days_all:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
