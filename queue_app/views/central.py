"""The central board's row of one centre, as the page and the `/central` Socket.IO feed show it: open or
not, people waiting, the longest wait against its target, counters working, today's share served within
target and today's rating, and alerts; and the order of trouble the board sorts by."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..domain.calendar import local_time
from ..domain.counters import ACTIVE_STATES
from ..services import report_people, reports
from ..services.catalog import CentreCatalog
from .hall import counters_summary, services_summary

TODAY_SECONDS = 60  # today's figures (a read of today's events) are kept this long per centre


def _today(session: Session, centre: CentreCatalog, now: datetime) -> tuple[float | None, float | None]:
    """(share within target, average rating) of the centre today, read at most once a minute."""
    cached = centre.central_today
    if cached is not None and timedelta(0) <= now - cached[0] < timedelta(seconds=TODAY_SECONDS):
        return cached[1]
    today = local_time(now, centre.config.tz).date()
    summary = reports.summary(session, centre, today, today)
    waited = [(row["within_target"], row["served"] + row["no_show"]) for row in summary["services"]]
    weighted = [(share, n) for share, n in waited if share is not None and n]
    within = round(sum(s * n for s, n in weighted) / sum(n for _s, n in weighted), 3) if weighted else None
    scores = report_people.ratings(session, centre, today, today)["services"]
    rated = [(row["average"], row["count"]) for row in scores if row["count"]]
    rating = round(sum(a * n for a, n in rated) / sum(n for _a, n in rated), 2) if rated else None
    centre.central_today = (now, (within, rating))
    return within, rating


def centre_row(session: Session, centre: CentreCatalog, now: datetime) -> dict[str, Any]:
    services = services_summary(session, centre, now)
    counters = counters_summary(session, centre, now)
    waiting = sum(s["waiting"] for s in services)
    worst = max(services, key=lambda s: s["longest_wait_minutes"] / s["target_wait"], default=None)
    alerts = []
    for service in services:
        if service["waiting"] and not service["counters"]:
            alerts.append({"kind": "no_counter", "service": service["code"], "names": service["names"]})
        elif service["longest_wait_minutes"] > service["target_wait"]:
            alerts.append({"kind": "over_target", "service": service["code"], "names": service["names"]})
    opened = any(s["open"] for s in services)
    within, rating = _today(session, centre, now)
    longest = worst["longest_wait_minutes"] if worst else 0
    target = worst["target_wait"] if worst else 0
    return {
        "centre": centre.code,
        "names": centre.config.names.as_dict(),
        "open": opened,
        "waiting": waiting,
        "longest_wait_minutes": longest,
        "longest_target": target,
        "longest_service": worst["names"] if worst and longest else None,
        "counters_working": sum(1 for c in counters if c["state"] in ACTIVE_STATES),
        "counters": len(counters),
        "within_target_today": within,
        "rating_today": rating,
        "alerts": alerts,
        "trouble": trouble(alerts, longest, target, waiting),
    }


def trouble(alerts: list[dict[str, Any]], longest: int, target: int, waiting: int) -> float:
    """The board's order, worst first: people waiting with no counter for them, then waits past their
    target (by how far), then the longest wait against its target, then the queue's length."""
    no_counter = sum(1 for alert in alerts if alert["kind"] == "no_counter")
    over = longest / target if target else 0.0
    return round(1000 * no_counter + 100 * (over > 1) + 10 * over + waiting / 1000, 3)


def board(session: Session, centres: list[CentreCatalog], now: datetime) -> list[dict[str, Any]]:
    rows = [centre_row(session, centre, now) for centre in centres]
    return sorted(rows, key=lambda row: -row["trouble"])
