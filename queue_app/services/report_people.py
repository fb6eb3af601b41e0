"""The people side of a centre's report over a span of days: visitors' ratings (per service and per
clerk, their spread and the latest comments), each clerk's timesheet at the counters (signed in, paused
by reason), booked visits by outcome, and family visits. Read live: a month of a centre is a few thousand
rows at most (services/reports.py keeps the ticket figures, which are millions)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.appointments import AppointmentStatus
from ..domain.calendar import local_time
from ..domain.tickets import Status
from ..store.models import Appointment, Rating, StaffEvent, Ticket, User
from .catalog import CentreCatalog
from .reports import span_of

LATEST_COMMENTS = 20


def _scores(values: list[int]) -> dict[str, Any]:
    """Count, average and the spread of 1..5 scores."""
    return {
        "count": len(values),
        "average": round(sum(values) / len(values), 2) if values else None,
        "spread": [values.count(score) for score in range(1, 6)],
    }


def ratings(
    session: Session, centre: CentreCatalog, first: date, last: date, services: Iterable[str] | None = None
) -> dict[str, Any]:
    """Ratings given in the span: per service, per clerk, and the latest comments."""
    start, end = span_of(centre, first, last)
    wanted = {centre.service_ids[s] for s in services} if services is not None else None
    rows = session.execute(
        select(Rating.service_id, Rating.user_id, Rating.score, Rating.comment, Rating.created_at)
        .where(Rating.centre_id == centre.id, Rating.created_at >= start, Rating.created_at < end)
        .order_by(Rating.created_at.desc())
    ).all()
    by_service: dict[int, list[int]] = defaultdict(list)
    by_clerk: dict[int, list[int]] = defaultdict(list)
    comments: list[dict[str, Any]] = []
    for service_id, user_id, score, comment, at in rows:
        if wanted is not None and service_id not in wanted:
            continue
        by_service[service_id].append(score)
        if user_id is not None:
            by_clerk[user_id].append(score)
        if comment and len(comments) < LATEST_COMMENTS:
            comments.append(
                {
                    "service": centre.service_code(service_id),
                    "score": score,
                    "comment": comment,
                    "at": local_time(at, centre.config.tz).strftime("%Y-%m-%d %H:%M"),
                }
            )
    return {
        "services": [
            {"service": config.code, **_scores(by_service.get(centre.service_ids[config.code], []))}
            for _body, config in centre.config.services()
            if wanted is None or centre.service_ids[config.code] in wanted
        ],
        "clerks": {user_id: _scores(scores) for user_id, scores in by_clerk.items()},
        "comments": comments,
    }


def timesheets(session: Session, centre: CentreCatalog, first: date, last: date, now: datetime) -> dict[int, Any]:
    """Per clerk: minutes signed in at a counter and minutes paused, by reason, within the span (a shift
    still open counts up to now)."""
    start, end = span_of(centre, first, last)
    rows = session.execute(
        select(StaffEvent.user_id, StaffEvent.kind, StaffEvent.reason, StaffEvent.at)
        .where(StaffEvent.centre_id == centre.id, StaffEvent.at >= start, StaffEvent.at < end)
        .order_by(StaffEvent.user_id, StaffEvent.at, StaffEvent.id)
    ).all()
    sheets: dict[int, dict[str, Any]] = {}
    state: dict[int, tuple[bool, str | None, datetime]] = {}  # user -> (on a pause, its reason, since)

    def close(user_id: int, until: datetime) -> None:
        if user_id not in state:
            return
        on_pause, reason, since = state.pop(user_id)
        minutes = max(0.0, (until - since).total_seconds() / 60)
        sheet = sheets.setdefault(user_id, {"signed_in_minutes": 0.0, "paused_minutes": {}})
        sheet["signed_in_minutes"] = round(sheet["signed_in_minutes"] + minutes, 1)
        if on_pause:
            key = reason or "other"
            sheet["paused_minutes"][key] = round(sheet["paused_minutes"].get(key, 0.0) + minutes, 1)

    for user_id, kind, reason, at in rows:
        close(user_id, at)
        if kind in ("sign_in", "resume", "pause"):
            state[user_id] = (kind == "pause", reason, at)
        sheets.setdefault(user_id, {"signed_in_minutes": 0.0, "paused_minutes": {}})
    for user_id in list(state):
        close(user_id, min(end, now))
    return sheets


def usernames(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())


def appointments(
    session: Session, centre: CentreCatalog, first: date, last: date, services: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Per service, the visits booked for the span by what became of them: still booked, checked in on
    time, late (served as walk-ins), no-show, cancelled."""
    start, end = span_of(centre, first, last)
    rows = session.execute(
        select(Appointment.service_id, Appointment.status).where(
            Appointment.centre_id == centre.id, Appointment.visit_at >= start, Appointment.visit_at < end
        )
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys([s.value for s in AppointmentStatus], 0))
    for service_id, status in rows:
        counts[service_id][status] += 1
    wanted = set(services) if services is not None else None
    return [
        {"service": config.code, **counts[centre.service_ids[config.code]]}
        for _body, config in centre.config.services()
        if config.appointments.enabled and (wanted is None or config.code in wanted)
    ]


def family_visits(session: Session, centre: CentreCatalog, first: date, last: date) -> dict[str, Any]:
    """Family visits issued in the span: how many, their services in all, and the minutes in the centre
    (issue to the end of the last service) of those served to the end."""
    start, end = span_of(centre, first, last)
    rows = session.execute(
        select(Ticket.legs, Ticket.status, Ticket.issued_at, Ticket.finished_at).where(
            Ticket.centre_id == centre.id, Ticket.legs > 1, Ticket.issued_at >= start, Ticket.issued_at < end
        )
    ).all()
    done = [
        (finished - issued).total_seconds() / 60
        for _legs, status, issued, finished in rows
        if status == Status.DONE and finished
    ]
    return {
        "visits": len(rows),
        "services": sum(legs for legs, *_rest in rows),
        "completed": len(done),
        "minutes_in_centre": round(sum(done) / len(done), 1) if done else None,
    }
