"""The hall's structure: config.yaml synced into rows on start-up, then looked up by code in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.counters import CounterStatus
from ..domain.errors import NotFound
from ..settings import Centre as CentreConfig
from ..settings import HallConfig, Notifications
from ..settings import Service as ServiceConfig
from ..store import models
from ..store.database import CONFIG_SYNC_LOCK, serialise


@dataclass
class CentreCatalog:
    """One centre's config plus the database ids of its centre, services and counters."""

    config: CentreConfig
    id: int
    service_ids: dict[str, int] = field(default_factory=dict)
    counter_ids: dict[str, int] = field(default_factory=dict)
    eta_inputs: Any = None  # queue_state's short-lived cache of what the ETA is made from
    usernames: dict[int, str] = field(default_factory=dict)  # staff names never change: read each once
    calendar_cache: Any = None  # services/calendar.py: the calendar, re-read every few seconds
    public_kept: Any = None  # services/reports.estimates_kept: the public figure, an hour old at most
    staffing_cache: Any = None  # web/staffing_page.py: the day's plans and the board's advice, minutes old at most
    central_today: Any = None  # views/central.py: today's share within target and rating, a minute old at most
    public_url: str = ""  # the deployment's, for links in messages queued by use cases
    notifications: Notifications | None = None  # the deployment's messages to visitors

    @property
    def code(self) -> str:
        return self.config.code

    def service_code(self, service_id: int) -> str:
        return self._service_codes[service_id]

    def counter_code(self, counter_id: int) -> str:
        return self._counter_codes[counter_id]

    def service(self, code: str) -> ServiceConfig:
        service = self.config.service(code)
        if service is None or code not in self.service_ids:
            raise NotFound("unknown_service", service=code)
        return service

    def counter_id(self, code: str) -> int:
        if code not in self.counter_ids:
            raise NotFound("unknown_counter", counter=code)
        return self.counter_ids[code]

    def finish(self) -> None:
        self._service_codes = {v: k for k, v in self.service_ids.items()}
        self._counter_codes = {v: k for k, v in self.counter_ids.items()}


class Catalog:
    """Every centre of the deployment, by code."""

    def __init__(self, config: HallConfig, centres: dict[str, CentreCatalog]) -> None:
        self.config = config
        self.centres = centres

    def adopt(self, newer: Catalog) -> None:
        """Take a newer configuration's lookups in place: everything holding this catalog sees them at
        once (a request under way keeps the centre entry it already read)."""
        self.centres = newer.centres
        self.config = newer.config

    def centre(self, code: str) -> CentreCatalog:
        if code not in self.centres:
            raise NotFound("unknown_centre", centre=code)
        return self.centres[code]

    def by_id(self, centre_id: int) -> CentreCatalog:
        return next(c for c in self.centres.values() if c.id == centre_id)


def _get_or_create(session: Session, model: type, defaults: dict[str, object] | None = None, **keys: object) -> object:
    row = session.scalars(select(model).filter_by(**keys)).first()
    if row is None:
        row = model(**keys, **(defaults or {}))
        session.add(row)
        session.flush()
    return row


def sync_catalog(session: Session, config: HallConfig) -> Catalog:
    """Make sure every centre, service and counter of the config has a row; return the lookups.
    Rows that left the config are kept (old tickets point at them) but are no longer looked up. Processes
    starting together take turns (else two would insert the same centre)."""
    serialise(session, CONFIG_SYNC_LOCK)
    centres: dict[str, CentreCatalog] = {}
    for centre_config in config.centres:
        centre = _get_or_create(session, models.Centre, code=centre_config.code)
        assert isinstance(centre, models.Centre)
        entry = CentreCatalog(
            config=centre_config,
            id=centre.id,
            public_url=config.server.public_url.rstrip("/"),
            notifications=config.notifications,
        )
        for _body, service_config in centre_config.services():
            service = _get_or_create(
                session,
                models.Service,
                {"prefix": service_config.prefix, "intake_open": True},
                centre_id=centre.id,
                code=service_config.code,
            )
            assert isinstance(service, models.Service)
            service.prefix = service_config.prefix
            if service.intake_open is None:
                service.intake_open = True
            entry.service_ids[service.code] = service.id
        for counter_config in centre_config.counters:
            counter = _get_or_create(
                session,
                models.Counter,
                {"state": CounterStatus.CLOSED.value, "priority_streak": 0},
                centre_id=centre.id,
                code=counter_config.code,
            )
            assert isinstance(counter, models.Counter)
            if counter.state is None:
                counter.state = CounterStatus.CLOSED.value
            if counter.priority_streak is None:
                counter.priority_streak = 0
            entry.counter_ids[counter.code] = counter.id
        entry.finish()
        centres[centre_config.code] = entry
    session.flush()
    return Catalog(config, centres)
