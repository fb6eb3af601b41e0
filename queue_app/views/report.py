"""A centre's report as the page, the CSV and the spreadsheet show it: the service figures, the clerks and
counters, the ratings and the arrivals by weekday and hour, as plain rows. Built once here, so the three
say the same."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..services import report_people, reports
from ..services.catalog import CentreCatalog

WEEK_FROM_SUNDAY = (6, 0, 1, 2, 3, 4, 5)  # date.weekday() numbers, Sunday first (the centres' week)


def _mean(total: float, count: float) -> float | None:
    return round(total / count, 1) if count else None


def report_view(
    session: Session,
    centre: CentreCatalog,
    first: date,
    last: date,
    now: datetime,
    services: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Everything the report shows for the span (`services`: a supervisor of some bodies sees theirs)."""
    wanted = list(services) if services is not None else None
    summary = reports.summary(session, centre, first, last, wanted)
    rated = report_people.ratings(session, centre, first, last, wanted)
    sheets = report_people.timesheets(session, centre, first, last, now)
    served = {row["user_id"]: row for row in summary["clerks"]}
    names = report_people.usernames(session, [*served, *rated["clerks"], *sheets])
    clerks = []
    for user_id in sorted(
        set(served) | set(sheets), key=lambda u: (-served.get(u, {}).get("served", 0), names.get(u, ""))
    ):
        work = served.get(user_id, {"served": 0, "service_minutes": 0.0, "out_of_turn": 0})
        sheet = sheets.get(user_id, {"signed_in_minutes": 0.0, "paused_minutes": {}})
        score = rated["clerks"].get(user_id, {"count": 0, "average": None})
        clerks.append(
            {
                "username": names.get(user_id, str(user_id)),
                "served": work["served"],
                "service_mean": _mean(work["service_minutes"], work["served"]),
                "serving_hours": round(work["service_minutes"] / 60, 1),
                "signed_in_hours": round(sheet["signed_in_minutes"] / 60, 1),
                "paused_hours": round(sum(sheet["paused_minutes"].values()) / 60, 1),
                "paused_by_reason": {k: round(v / 60, 1) for k, v in sheet["paused_minutes"].items()},
                "out_of_turn": work["out_of_turn"],
                "rating": score["average"],
                "ratings": score["count"],
            }
        )
    ratings_by_service = {row["service"]: row for row in rated["services"]}
    rows = []
    for row in summary["services"]:
        config = centre.service(row["service"])
        body = centre.config.body_of(row["service"])
        rows.append(
            {
                **row,
                "names": config.names.as_dict(),
                "body_names": body.names.as_dict() if body else {},
                "target_wait": config.target_wait,
                "rating": ratings_by_service[row["service"]]["average"],
                "ratings": ratings_by_service[row["service"]]["count"],
                "spread": ratings_by_service[row["service"]]["spread"],
            }
        )
    heat = summary["arrivals_by_weekday_hour"]
    return {
        "centre": centre.code,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "services": rows,
        "clerks": clerks,
        "counters": summary["counters"],
        "comments": rated["comments"],
        "arrivals_by_hour": summary["arrivals_by_hour"],
        "heat": [{"weekday": day, "hours": heat[day]} for day in WEEK_FROM_SUNDAY],
        "heat_max": max((n for day in heat for n in day), default=0),
        "appointments": [
            {**row, "names": centre.service(row["service"]).names.as_dict()}
            for row in report_people.appointments(session, centre, first, last, wanted)
        ],
        "family": report_people.family_visits(session, centre, first, last),
    }


SERVICE_COLUMNS = (
    "body", "service", "issued", "served", "no_show", "cancelled", "transferred", "closed", "wait_mean",
    "wait_median", "wait_p90", "target", "within_target", "service_mean", "service_p90", "estimate_kept",
    "rating", "ratings",
)  # fmt: skip
CLERK_COLUMNS = (
    "clerk", "served", "service_mean", "serving_hours", "signed_in_hours", "paused_hours", "out_of_turn",
    "rating", "ratings",
)  # fmt: skip


def percent(share: float | None) -> str:
    return f"{round(100 * share)} %" if share is not None else ""


def tables(view: dict[str, Any], lang: str, words: dict[str, str]) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report as (title, header, rows) tables: the spreadsheet's sheets, in the reader's language
    (`words`: the translated column titles and sheet names, by key)."""

    def name(names: dict[str, str]) -> str:
        return names.get(lang) or names.get("ar") or ""

    services = [
        [
            name(row["body_names"]),
            name(row["names"]),
            row["issued"],
            row["served"],
            row["no_show"],
            row["cancelled"],
            row["transferred"],
            row["closed"],
            row["wait_minutes"]["mean"],
            row["wait_minutes"]["median"],
            row["wait_minutes"]["p90"],
            row["target_wait"],
            row["within_target"],
            row["service_minutes"]["mean"],
            row["service_minutes"]["p90"],
            row["estimate_kept"],
            row["rating"],
            row["ratings"],
        ]
        for row in view["services"]
    ]
    clerks = [
        [
            c["username"],
            c["served"],
            c["service_mean"],
            c["serving_hours"],
            c["signed_in_hours"],
            c["paused_hours"],
            c["out_of_turn"],
            c["rating"],
            c["ratings"],
        ]
        for c in view["clerks"]
    ]
    counters = [[c["counter"], c["served"], _mean(c["service_minutes"], c["served"])] for c in view["counters"]]
    heat = [[words[f"day{row['weekday']}"], *row["hours"]] for row in view["heat"]]
    comments = [[c["at"], c["service"], c["score"], c["comment"]] for c in view["comments"]]

    def header(*keys: str) -> list[str]:
        return [words[key] for key in keys]

    return [
        (words["services"], header(*SERVICE_COLUMNS), services),
        (words["clerks"], header(*CLERK_COLUMNS), clerks),
        (words["counters"], header("counter", "served", "service_mean"), counters),
        (words["arrivals"], [words["weekday"], *[f"{h:02d}" for h in range(24)]], heat),
        (words["comments"], header("when", "service", "score", "comment"), comments),
    ]
