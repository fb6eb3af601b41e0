"""Admin tasks as Flask CLI commands: `flask --app queue_app users add ...`, `devices pair ...`,
`calendar close ...`, `appointments import ...`, `reports daily|rollup ...`, `audit verify`, `config export`."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask, current_app

from .domain.errors import QueueError
from .extensions import runtime
from .services import accounts, audit
from .services import calendar as calendar_service
from .store.database import utcnow


class AdminGroup(click.Group):
    """Admin commands whose refusals (a user that exists, an unknown centre) read as one translated line
    with exit status 1, never as a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except QueueError as error:
            from .bootstrap import terminal_language
            from .i18n import LANGUAGES
            from .web.errors import message_for

            with current_app.test_request_context(query_string={"lang": terminal_language(tuple(LANGUAGES))}):
                message = message_for(error.code, error.params)
            raise click.ClickException(message) from None


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(devices)
    app.cli.add_command(calendar)
    app.cli.add_command(appointments)
    app.cli.add_command(reports)
    app.cli.add_command(audit_group)
    app.cli.add_command(privacy_group)
    app.cli.add_command(config_group)


@click.group(cls=AdminGroup)
def users() -> None:
    """Staff accounts."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--centre", "centre_code", default=None, help="Centre code (required for clerks).")
@click.option("--bodies", default="", help="A supervisor of some bodies only: their codes, comma-separated.")
def add_user(username: str, role: str, centre_code: str | None, bodies: str) -> None:
    """Add a user; the password is read from stdin, or generated and printed once."""
    rt = runtime()
    centre_id = rt.catalog.centre(centre_code).id if centre_code else None
    if role == "clerk" and centre_id is None:
        raise click.UsageError("a clerk belongs to one centre: pass --centre CODE")
    generated = sys.stdin.isatty() or not (password := sys.stdin.readline().strip())
    if generated:
        password = accounts.generate_password()
    with rt.db.transaction() as session:
        from .services.users import check_bodies

        centres = [rt.catalog.centre(centre_code)] if centre_code else list(rt.catalog.centres.values())
        known = {b.code for c in centres for b in c.config.bodies}
        scope = check_bodies(role, [b.strip() for b in bodies.split(",") if b.strip()], known)
        min_length = rt.settings.hall.security.password_min_length
        user = accounts.create_user(session, username, password, role, centre_id, utcnow(), min_length, scope)
        audit.record(
            session,
            "user_added",
            "cli",
            utcnow(),
            user_id=user.id,
            centre_id=centre_id,
            target=username,
            detail={"role": role, **({"bodies": scope} if scope else {})},
        )
    click.echo(f"user {username} ({role}) added")
    if generated:
        click.echo(f"password (shown once): {password}")


def _user(session: Any, username: str) -> Any:
    from sqlalchemy import select

    from .domain.errors import NotFound
    from .store.models import User

    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound("unknown_user", username=username)
    return user


@users.command("reset-password")
@click.argument("username")
def reset_password(username: str) -> None:
    """A new generated password, printed once; the user must choose their own at the next sign-in and
    is signed out everywhere (for an administrator locked out of the site)."""
    from .services import sessions

    rt, now = runtime(), utcnow()
    password = accounts.generate_password()
    with rt.db.transaction() as session:
        user = _user(session, username)
        accounts.set_password(user, password, now, rt.settings.hall.security.password_min_length, must_change=True)
        sessions.end_all(session, user.id, now)
        audit.record(session, "password_reset", "cli", now, user_id=user.id, target=f"user:{username}")
    click.echo(f"password of {username} (shown once; they choose their own at sign-in): {password}")


@users.command("two-step-off")
@click.argument("username")
def two_step_off(username: str) -> None:
    """Turn two-step verification off for a user who lost phone and recovery codes (they enrol again)."""
    from .services import sessions, two_step

    rt, now = runtime(), utcnow()
    with rt.db.transaction() as session:
        user = _user(session, username)
        two_step.turn_off(user)
        sessions.end_all(session, user.id, now)
        audit.record(session, "two_step_off", "cli", now, user_id=user.id, target=f"user:{username}")
    click.echo(f"two-step verification of {username} is off; they set it up again at their next sign-in")


@click.group(cls=AdminGroup)
def devices() -> None:
    """Kiosks and hall screens."""


@devices.command("pair")
@click.argument("kind", type=click.Choice(accounts.DEVICE_KINDS))
@click.argument("code")
@click.option("--centre", "centre_code", default=None, help="Centre code (default: the first centre).")
def pair(kind: str, code: str, centre_code: str | None) -> None:
    """Pair a kiosk or display: prints its token and the link to open on the device (shown once)."""
    rt = runtime()
    centre = rt.catalog.centre(centre_code) if centre_code else next(iter(rt.catalog.centres.values()))
    known = centre.config.kiosk(code) if kind == "kiosk" else centre.config.display(code)
    if known is None:
        raise click.UsageError(f"centre {centre.code} has no {kind} {code!r} in config.yaml")
    with rt.db.transaction() as session:
        token = accounts.pair_device(session, centre.id, kind, code, utcnow())
        audit.record(session, "device_paired", "cli", utcnow(), centre_id=centre.id, target=f"{kind}:{code}")
    click.echo(f"token: {token}")
    click.echo(f"pairing URL: {rt.settings.public_url}/pair/{token}")


@click.group(cls=AdminGroup)
def calendar() -> None:
    """Closed days: a closure announced today, a holiday; the running servers see it within seconds."""


@calendar.command("close")
@click.argument("centre_code")
@click.argument("first")
@click.argument("reason")
@click.option("--to", "last", default=None, help="Last closed day (default: FIRST only), YYYY-MM-DD.")
@click.option("--holiday", is_flag=True, help="A public holiday rather than a closure.")
def close_days(centre_code: str, first: str, reason: str, last: str | None, holiday: bool) -> None:
    """Close CENTRE_CODE from FIRST (YYYY-MM-DD) for REASON (shown to visitors)."""
    rt = runtime()
    centre = rt.catalog.centre(centre_code)
    kind = "holiday" if holiday else "closure"
    with rt.db.transaction() as session:
        entry = calendar_service.add_closed_days(session, centre, kind, first, last, reason, None, utcnow())
        audit.record(
            session,
            "calendar_closed",
            "cli",
            utcnow(),
            centre_id=centre.id,
            target=f"{entry.first.isoformat()}..{entry.last.isoformat()}",
            detail={"kind": kind, "names": dict(entry.names), "entry": entry.id},
        )
    click.echo(f"{centre.code} closed {entry.first}..{entry.last} ({kind} #{entry.id})")


@calendar.command("reopen")
@click.argument("centre_code")
@click.argument("entry_id", type=int)
def reopen(centre_code: str, entry_id: int) -> None:
    """Call off closure ENTRY_ID (its number is in `calendar list`)."""
    rt = runtime()
    centre = rt.catalog.centre(centre_code)
    with rt.db.transaction() as session:
        removed = calendar_service.remove_closed_days(session, centre, entry_id)
        audit.record(
            session,
            "calendar_reopened",
            "cli",
            utcnow(),
            centre_id=centre.id,
            target=f"{removed.first.isoformat()}..{removed.last.isoformat()}",
            detail={"entry": entry_id},
        )
    click.echo(f"{centre.code} reopened {removed.first}..{removed.last}")


@calendar.command("list")
@click.argument("centre_code")
@click.option("--days", default=14, show_default=True, help="How many days from today.")
def list_days(centre_code: str, days: int) -> None:
    """The days ahead: shifts, or why the centre is closed."""
    from .domain.calendar import local_time

    rt = runtime()
    centre = rt.catalog.centre(centre_code)
    now = utcnow()
    with rt.db.reading() as session:
        listed = calendar_service.days(session, centre, local_time(now, centre.config.tz).date(), days, now)
    for day in listed:
        if day["open"]:
            hours = ", ".join(f"{s['code']} {s['open']}-{s['close']}" for s in day["shifts"])
            click.echo(f"{day['date']}  {hours}")
        else:
            name = (day["names"] or {}).get("en") or ""
            entry = f" #{day['entry_id']}" if day["entry_id"] else ""
            click.echo(f"{day['date']}  closed: {day['closed_reason']}{entry} {name}".rstrip())


@click.group(cls=AdminGroup)
def appointments() -> None:
    """Booked visits: import a national platform's bookings."""


@appointments.command("import")
@click.argument("centre_code")
@click.argument("file", type=click.File("r", encoding="utf-8"))
def import_appointments(centre_code: str, file: Any) -> None:
    """Import FILE (a JSON list, or CSV with a header ref,service,start,phone,civil_id,lang) into
    CENTRE_CODE; a booking whose ref is known is skipped, so the same file twice adds nothing."""
    import csv
    import json

    from .services import appointments as appointment_service

    rt = runtime()
    centre = rt.catalog.centre(centre_code)
    text = file.read()
    if text.lstrip().startswith("["):
        rows = json.loads(text)
    else:
        rows = [{k: (v or None) for k, v in row.items()} for row in csv.DictReader(text.splitlines())]
    with rt.db.transaction() as session:
        summary = appointment_service.import_bookings(session, centre, rows, utcnow())
        audit.record(
            session,
            "appointments_imported",
            "cli",
            utcnow(),
            centre_id=centre.id,
            detail={"added": summary["added"], "skipped": summary["skipped"], "errors": len(summary["errors"])},
        )
    click.echo(f"added {summary['added']}, skipped {summary['skipped']} (already imported)")
    for error in summary["errors"]:
        click.echo(f"row {error['row']} ({error['ref'] or 'no ref'}): {error['code']}", err=True)


@click.group(cls=AdminGroup)
def reports() -> None:
    """Reports for scheduled jobs."""


@reports.command("daily")
@click.option("--date", "day", default=None, help="The day, YYYY-MM-DD (default: yesterday, centre time).")
@click.option("--centre", "centre_code", default=None, help="One centre (default: every centre).")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), default=None, help="Folder (default: <instance>/reports)."
)
def daily(day: str | None, centre_code: str | None, out_dir: str | None) -> None:
    """Write each centre's summary of DAY as <centre>-<day>.json and .csv (one row per service)."""
    import csv
    import json
    from datetime import timedelta
    from pathlib import Path

    from .domain.calendar import local_time
    from .services import reports as report_service
    from .services.calendar import parse_day

    rt = runtime()
    centres = [rt.catalog.centre(centre_code)] if centre_code else list(rt.catalog.centres.values())
    folder = Path(out_dir or Path(current_app.instance_path) / "reports")
    folder.mkdir(parents=True, exist_ok=True)
    for centre in centres:
        wanted = parse_day(day) if day else local_time(utcnow(), centre.config.tz).date() - timedelta(days=1)
        with rt.db.reading() as session:
            summary = report_service.summary(session, centre, wanted, wanted)
        stem = folder / f"{centre.code}-{wanted.isoformat()}"
        stem.with_suffix(".json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
        with stem.with_suffix(".csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(report_service.CSV_COLUMNS)
            for row in summary["services"]:
                writer.writerow(report_service.csv_row(row))
        click.echo(f"{stem}.json, {stem}.csv")


@reports.command("rollup")
@click.option("--since", default=None, help="The first day, YYYY-MM-DD (default: the last week).")
@click.option("--centre", "centre_code", default=None, help="One centre (default: every centre).")
def rollup(since: str | None, centre_code: str | None) -> None:
    """Keep every finished day from SINCE to yesterday in report_days (again where kept before): the
    reports worker does the last week each hour; this fills in older history, or redoes it."""
    from datetime import timedelta

    from .domain.calendar import local_time
    from .services import reports as report_service
    from .services.calendar import parse_day

    rt = runtime()
    centres = [rt.catalog.centre(centre_code)] if centre_code else list(rt.catalog.centres.values())
    now = utcnow()
    for centre in centres:
        yesterday = local_time(now, centre.config.tz).date() - timedelta(days=1)
        day = parse_day(since) if since else yesterday - timedelta(days=report_service.ROLLUP_DAYS_BACK - 1)
        count = 0
        while day <= yesterday:
            with rt.db.transaction() as session:
                report_service.rollup(session, centre, day, now)
            day, count = day + timedelta(days=1), count + 1
        click.echo(f"{centre.code}: {count} days kept")


@click.group("audit", cls=AdminGroup)
def audit_group() -> None:
    """The sealed audit trail."""


@audit_group.command("verify")
@click.option("--expect", default=None, help="A seal kept elsewhere, ID:HASH (from `audit seal`).")
def audit_verify(expect: str | None) -> None:
    """Check every row's seal in order; exit 1 and name the first row that was edited, inserted or follows
    a deleted row."""
    expected = None
    if expect:
        row_id, _, seal = expect.partition(":")
        if not row_id.isdigit() or len(seal) != 64:
            raise click.BadParameter("ID:HASH, as printed by `audit seal`", param_hint="--expect")
        expected = (int(row_id), seal)
    with runtime().db.reading() as session:
        verdict = audit.verify(session, expected)
    if verdict.unsealed:
        click.echo(f"{verdict.unsealed} rows from before the trail was sealed (not checked)")
    if not verdict.intact:
        click.echo(
            f"BROKEN at row {verdict.broken_at}: it was edited or inserted, or a row before it was deleted "
            f"({verdict.rows} rows read)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"intact: {verdict.rows} rows; last row {verdict.last_id}, seal {verdict.last_hash}")


@audit_group.command("seal")
@click.option("--date", "day", default=None, help="The day, YYYY-MM-DD (default: today so far, UTC).")
def audit_seal(day: str | None) -> None:
    """Print the last seal of a day (ID:HASH) to keep outside the database: `audit verify --expect` later
    proves that nothing up to it was dropped or rewritten."""
    from datetime import datetime, timedelta

    from .services.calendar import parse_day

    before = datetime.combine(parse_day(day), datetime.min.time()) + timedelta(days=1) if day else None
    with runtime().db.reading() as session:
        found = audit.last_seal(session, before)
    if found is None:
        raise click.ClickException("no sealed row yet")
    click.echo(f"{found[0]}:{found[1]}")


@click.group("privacy", cls=AdminGroup)
def privacy_group() -> None:
    """Personal data of visitors."""


@privacy_group.command("erase")
def privacy_erase() -> None:
    """Erase now the civil IDs, phone numbers and addresses older than `security.personal_data_days`
    (the server also does it every hour)."""
    from .workers import erase_personal_data

    rt = runtime()
    rows = erase_personal_data(rt)
    with rt.db.transaction() as session:
        audit.record(session, "personal_data_erased", "cli", utcnow(), detail={"rows": rows})
    click.echo(
        f"erased personal data from {rows} rows (older than {rt.settings.hall.security.personal_data_days} days)"
    )


@click.group("config", cls=AdminGroup)
def config_group() -> None:
    """The hall's configuration: config.yaml seeds it, the database keeps it."""


@config_group.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="A file (default: the terminal).")
def config_export(output: str | None) -> None:
    """Write the hall in force as config.yaml: the deployment's sections as the file has them, the centres
    as the database holds them, with every change administrators made (the file's comments are not kept)."""
    from pathlib import Path

    import yaml

    from .services import hall_config

    rt = runtime()
    with rt.db.reading() as session:
        hall = hall_config.in_force(session, rt.settings.hall)
    file = rt.settings.config_file
    deployment = yaml.safe_load(Path(file).read_text(encoding="utf-8")) if file else {}
    data = hall_config.export(hall.config, deployment or {})
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    header = f"# Tabour hall configuration, version {hall.version} (flask --app queue_app config export)\n"
    if output:
        Path(output).write_text(header + text, encoding="utf-8")
        click.echo(f"version {hall.version} written to {output}")
    else:
        click.echo(header + text, nl=False)
