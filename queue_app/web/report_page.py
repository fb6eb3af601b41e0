"""The reports page of a centre (`/reports/<centre>`, supervisors and administrators): a span of days, the
service figures against their targets, clerks and counters, ratings and arrivals by weekday and hour.
Charts are drawn in the browser by Chart.js, from Debian's libjs-chart.js and served from here (no CDN);
every table is also a CSV file and a sheet of one spreadsheet (XlsxWriter); the page prints cleanly."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter
from babel.dates import get_day_names
from flask import Blueprint, Response, abort, render_template, request, send_file
from flask_babel import get_locale, gettext

from ..domain.calendar import local_time
from ..domain.errors import QueueError
from ..extensions import runtime
from ..services import reports
from ..services.accounts import StaffIdentity
from ..services.calendar import parse_day
from ..services.catalog import CentreCatalog
from ..store.database import utcnow
from ..views.report import percent, report_view, tables
from .staff_pages import refuse_on_page, staff_for_page

bp = Blueprint("report_page", __name__)
bp.register_error_handler(QueueError, refuse_on_page)

ROLES = ("supervisor", "admin", "central")
CHART_JS = Path("/usr/share/javascript/chart.js/chart.min.js")  # Debian's libjs-chart.js (make run installs it)
PRESETS = ("today", "yesterday", "week", "month", "last_month")


def span(centre: CentreCatalog, args: dict[str, str]) -> tuple[date, date, str | None]:
    """The span asked for: `from` and `to` (the centre's dates), else a preset (default: the last 7 days)."""
    today = local_time(utcnow(), centre.config.tz).date()
    if args.get("from") and args.get("to"):
        return parse_day(args["from"]), parse_day(args["to"]), None
    preset = args.get("preset") if args.get("preset") in PRESETS else "week"
    if preset == "today":
        return today, today, preset
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1), preset
    if preset == "month":
        return today.replace(day=1), today, preset
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end, preset
    return today - timedelta(days=6), today, preset


def _view(centre: str) -> tuple[CentreCatalog, Any, dict[str, Any], str | None]:
    rt = runtime()
    entry = rt.catalog.centre(centre)
    who = staff_for_page(entry, ROLES)
    if not isinstance(who, StaffIdentity):
        return entry, who, {}, None  # the sign-in redirect
    first, last, preset = span(entry, dict(request.args))
    mine = None
    if who.bodies is not None:  # a supervisor of some bodies reads their services only
        mine = [s.code for body, s in entry.config.services() if who.may_manage(body.code)]
    with rt.db.reading() as session:
        view = report_view(session, entry, first, last, utcnow(), mine)
    return entry, who, view, preset


def words() -> dict[str, str]:
    """Column titles and sheet names, in the reader's language."""
    lang = str(get_locale() or "ar")
    days = get_day_names("wide", locale=lang)
    return {
        **{f"day{number}": str(days[number]) for number in range(7)},
        "services": gettext("Services"),
        "clerks": gettext("Clerks"),
        "counters": gettext("Counters"),
        "arrivals": gettext("Arrivals"),
        "comments": gettext("Comments"),
        "body": gettext("Authority"),
        "service": gettext("Service"),
        "issued": gettext("Issued"),
        "served": gettext("Served"),
        "no_show": gettext("No-show"),
        "cancelled": gettext("Cancelled"),
        "transferred": gettext("Transferred"),
        "closed": gettext("Closed at closing"),
        "wait_mean": gettext("Mean wait (min)"),
        "wait_median": gettext("Median wait (min)"),
        "wait_p90": gettext("9 in 10 waited under (min)"),
        "target": gettext("Target wait (min)"),
        "within_target": gettext("Within target"),
        "service_mean": gettext("Mean service (min)"),
        "service_p90": gettext("9 in 10 served under (min)"),
        "estimate_kept": gettext("Estimates kept"),
        "rating": gettext("Rating (1-5)"),
        "ratings": gettext("Ratings"),
        "clerk": gettext("Clerk"),
        "serving_hours": gettext("Hours serving"),
        "signed_in_hours": gettext("Hours signed in"),
        "paused_hours": gettext("Hours paused"),
        "out_of_turn": gettext("Called out of turn"),
        "counter": gettext("Counter"),
        "weekday": gettext("Day"),
        "when": gettext("When"),
        "score": gettext("Score"),
        "comment": gettext("Comment"),
    }


@bp.get("/reports/<centre>")
def page(centre: str) -> Any:
    entry, who, view, preset = _view(centre)
    if not isinstance(who, StaffIdentity):
        return who
    return render_template(
        "reports/page.html",
        centre=entry,
        view=view,
        preset=preset,
        presets=PRESETS,
        words=words(),
        reasons={
            "prayer": gettext("Prayer"),
            "break": gettext("Break"),
            "meeting": gettext("Meeting"),
            "technical": gettext("Technical problem"),
            "other": gettext("Other"),
        },
        percent=percent,
        charts=CHART_JS.exists(),
    )


@bp.get("/reports/<centre>/report.csv")
def report_csv(centre: str) -> Any:
    """The services table, in the API's column names (for the ministry's own tools)."""
    entry, who, view, _preset = _view(centre)
    if not isinstance(who, StaffIdentity):
        return who
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(reports.CSV_COLUMNS)
    for row in view["services"]:
        writer.writerow(reports.csv_row(row))
    name = f"tabour-{entry.code}-{view['from']}-{view['to']}.csv"
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/reports/<centre>/report.xlsx")
def report_xlsx(centre: str) -> Any:
    """Every table of the page, one sheet each, in the reader's language (right to left in Arabic and Urdu)."""
    entry, who, view, _preset = _view(centre)
    if not isinstance(who, StaffIdentity):
        return who
    lang = str(get_locale() or "ar")
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    share = book.add_format({"num_format": "0%"})
    for title, header, rows in tables(view, lang, words()):
        sheet = book.add_worksheet(title[:31])
        if lang in ("ar", "ur"):
            sheet.right_to_left()
        sheet.write_row(0, 0, header, bold)
        sheet.set_column(0, len(header) - 1, 14)
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                shares = header[column] in (words()["within_target"], words()["estimate_kept"])
                sheet.write(number, column, value, share if shares and value is not None else None)
        sheet.freeze_panes(1, 0)
    book.close()
    name = f"tabour-{entry.code}-{view['from']}-{view['to']}.xlsx"
    return send_file(
        io.BytesIO(buffer.getvalue()),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=name,
    )


@bp.get("/reports/assets/chart.js")
def chart_js() -> Any:
    """Chart.js as Debian packages it; 404 when the package is not installed (the page keeps its tables)."""
    if not CHART_JS.exists():
        abort(404)
    return send_file(CHART_JS, mimetype="text/javascript", max_age=86400)
