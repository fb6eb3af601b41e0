"""The centre's calendar as the server lives it: seeded from config.yaml, changed by staff while the server
runs (a closure announced this morning), read by every process within `CACHE_SECONDS`; and intake per
service, with the reason a service is closed and when it opens next (kiosk, join page, API)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ..domain.calendar import Calendar, DatedEntry, EntryKind, ShiftHours, local_time, numbering_period
from ..domain.errors import Conflict, IntakeClosed, InvalidInput, NotFound
from ..settings import LANGUAGES
from ..settings import Centre as CentreConfig
from ..settings.calendar import Shift
from ..store import calendar as store
from ..store import tickets as tickets_store

if TYPE_CHECKING:
    from .catalog import Catalog, CentreCatalog

CACHE_SECONDS = 10.0  # a change made in another process is seen by this one within this time
MAX_SPAN_DAYS = 366  # a closure or holiday longer than a year is a typing mistake
STAFF_KINDS = (EntryKind.CLOSURE, EntryKind.HOLIDAY)


def shift_hours(shift: Shift) -> ShiftHours:
    return ShiftHours(shift.code, tuple(shift.days), shift.open, shift.close, shift.last_ticket)


def config_entries(config: CentreConfig) -> list[DatedEntry]:
    """The dated entries config.yaml gives a centre."""
    calendar = config.calendar
    entries = [
        DatedEntry(kind, days.first, days.last, days.names.as_dict())
        for kind, listed in ((EntryKind.HOLIDAY, calendar.holidays), (EntryKind.CLOSURE, calendar.closures))
        for days in listed
    ]
    entries += [
        DatedEntry(
            EntryKind.HOURS, hours.from_, hours.to, hours.names.as_dict(), tuple(shift_hours(s) for s in hours.shifts)
        )
        for hours in calendar.hours
    ]
    return entries


def seed(session: Session, catalog: Catalog, now: datetime) -> None:
    """Every centre's entries from config.yaml, as the file says now (staff entries are kept). Run in the
    transaction of `sync_catalog`, whose lock makes processes starting together take turns."""
    for centre in catalog.centres.values():
        store.replace_config_entries(session, centre.id, config_entries(centre.config), now)


@dataclass
class _Cached:
    calendar: Calendar
    loaded: float


def calendar_of(session: Session, centre: CentreCatalog, now: datetime, clock: Any = time.monotonic) -> Calendar:
    """The centre's calendar: weekly shifts from the config, dated entries from the database (cached for
    `CACHE_SECONDS`; a change in this process drops the cache at once)."""
    cached: _Cached | None = centre.calendar_cache
    if cached is not None and clock() - cached.loaded < CACHE_SECONDS:
        return cached.calendar
    since = local_time(now, centre.config.tz).date() - timedelta(days=7)
    weekly = tuple(shift_hours(s) for s in centre.config.shifts)
    calendar = Calendar(weekly, tuple(store.entries(session, centre.id, since)))
    centre.calendar_cache = _Cached(calendar, clock())
    return calendar


def _names(value: object) -> dict[str, str]:
    """A reason in the centre's languages: a plain text is used for all three."""
    if isinstance(value, str) and value.strip():
        return dict.fromkeys(LANGUAGES, value.strip()[:200])
    if isinstance(value, dict) and any(isinstance(v, str) and v.strip() for v in value.values()):
        given = {k: str(v).strip()[:200] for k, v in value.items() if k in LANGUAGES and str(v).strip()}
        if given:
            fallback = given.get("ar") or next(iter(given.values()))
            return {lang: given.get(lang, fallback) for lang in LANGUAGES}
    raise InvalidInput("calendar_reason_required")


def parse_day(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("invalid_date", value=str(value)) from None


def add_closed_days(
    session: Session,
    centre: CentreCatalog,
    kind: object,
    first: object,
    last: object,
    reason: object,
    user_id: int | None,
    now: datetime,
) -> DatedEntry:
    """Close the centre from `first` to `last` (a closure or a holiday): intake stops on those days in every
    process within seconds; tickets already waiting follow the closing policy."""
    try:
        entry_kind = EntryKind(str(kind or EntryKind.CLOSURE.value))
    except ValueError:
        raise InvalidInput("invalid_calendar_kind") from None
    if entry_kind not in STAFF_KINDS:
        raise InvalidInput("invalid_calendar_kind")
    first_day = parse_day(first)
    last_day = parse_day(last) if last not in (None, "") else first_day
    today = local_time(now, centre.config.tz).date()
    if last_day < first_day or last_day < today or (last_day - first_day).days >= MAX_SPAN_DAYS:
        raise InvalidInput("invalid_date_span", first=first_day.isoformat(), last=last_day.isoformat())
    entry = store.add_entry(
        session, centre.id, DatedEntry(entry_kind, first_day, last_day, _names(reason)), now, user_id
    )
    centre.calendar_cache = None
    return entry


def remove_closed_days(session: Session, centre: CentreCatalog, entry_id: int) -> DatedEntry:
    """Withdraw a staff entry (the closure was called off). config.yaml's entries change in the file."""
    removed = store.remove_entry(session, centre.id, entry_id)
    if removed is None:
        if store.source_of(session, centre.id, entry_id) == "config":
            raise Conflict("calendar_entry_from_config")
        raise NotFound("unknown_calendar_entry")
    centre.calendar_cache = None
    return removed


def entry_json(entry: DatedEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "kind": entry.kind.value,
        "from": entry.first.isoformat(),
        "to": entry.last.isoformat(),
        "names": dict(entry.names),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def closed_info(closed: IntakeClosed | None) -> dict[str, Any]:
    """What the wire says of a service that does not issue now: why, its name, and when it opens next."""
    if closed is None:
        return {"open": True, "closed_reason": None, "closed_names": None, "opens_at": None}
    return {
        "open": False,
        "closed_reason": closed.code,
        "closed_names": closed.params.get("names"),
        "opens_at": _iso(closed.params.get("opens_at")),
    }


def intake_by_service(session: Session, centre: CentreCatalog, now: datetime) -> dict[str, IntakeClosed | None]:
    """Per service: None when it issues tickets now, else why not (the hall is closed, the supervisor closed
    it, or today's cap is used up), with the next opening where one is known."""
    local = local_time(now, centre.config.tz)
    calendar = calendar_of(session, centre, now)
    try:
        calendar.check_intake(local)
    except IntakeClosed as closed:
        return dict.fromkeys(centre.service_ids, closed)
    opened = tickets_store.intake_open_by_service(session, centre.id)
    period = numbering_period(calendar, local, centre.config.numbering)
    issued = tickets_store.sequences_in_period(session, list(centre.service_ids.values()), period)
    reset = calendar.next_day_opening(local) if centre.config.numbering == "day" else calendar.next_opening(local)
    result: dict[str, IntakeClosed | None] = {}
    for code, service_id in centre.service_ids.items():
        cap = centre.config.service(code).daily_cap  # type: ignore[union-attr]  # every synced code is configured
        if not opened.get(code, True):
            result[code] = IntakeClosed("service_closed")
        elif issued.get(service_id, 0) >= cap:
            result[code] = IntakeClosed("daily_cap_reached", cap=cap, opens_at=reset)
        else:
            result[code] = None
    return result


def days(session: Session, centre: CentreCatalog, first: date, count: int, now: datetime) -> list[dict[str, Any]]:
    """The calendar as people read it, one entry per day: open or why not, and the shifts of that day."""
    calendar = calendar_of(session, centre, now)
    result = []
    for offset in range(count):
        day = first + timedelta(days=offset)
        closed = calendar.closed_by(day)
        dated = calendar.hours_on(day)
        result.append(
            {
                "date": day.isoformat(),
                "open": bool(calendar.shifts_on(day)),
                "closed_reason": closed.kind.value if closed else (None if calendar.shifts_on(day) else "no_shift"),
                "names": dict(closed.names) if closed else (dict(dated.names) if dated else None),
                "entry_id": closed.id if closed else None,
                "shifts": [store.shift_to_dict(s) for s in calendar.shifts_on(day)],
            }
        )
    return result
