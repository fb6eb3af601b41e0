"""A newer hall configuration, put in force in this process without a restart: at once in the process
where an administrator saved it, within WATCH_SECONDS in the others (a worker reads the newest version's id,
one indexed read). Then the catalog is swapped in place, kiosk printers are added or dropped, and this
process's screens, consoles and boards are told to read the hall again."""

from __future__ import annotations

import logging
from dataclasses import replace

from .extensions import Runtime
from .services import calendar, hall_config
from .services.catalog import Catalog, sync_catalog
from .store.database import utcnow

log = logging.getLogger("tabour.hall")

WATCH_SECONDS = 2.0


def put_in_force(rt: Runtime, hall: hall_config.InForce, catalog: Catalog) -> bool:
    """Use this version from now on, unless this process already uses it or a newer one."""
    if hall.version <= rt.hall_version:
        return False
    rt.catalog.adopt(catalog)
    rt.settings = replace(rt.settings, hall=hall.config)
    rt.hall_version = hall.version
    printing = rt.workers.get("print")
    if printing is not None:
        printing.refresh()
    if rt.publisher is not None:
        rt.publisher.hall_changed()
    log.info("hall configuration version %s in force", hall.version)
    return True


def adopt_newest(rt: Runtime) -> bool:
    """Put the newest version in force when it is newer than this process's (the watcher's round)."""
    with rt.db.reading() as session:
        if hall_config.newest_version(session) <= rt.hall_version:
            return False
    with rt.db.transaction() as session:
        hall = hall_config.in_force(session, rt.settings.hall)
        catalog = sync_catalog(session, hall.config)
    return put_in_force(rt, hall, catalog)


def change(rt: Runtime, edit: hall_config.Edit, admin: hall_config.Admin) -> hall_config.InForce:
    """An administrator's change: a new version with its catalog rows and calendar entries in one
    transaction, then in force here at once (the other processes follow within WATCH_SECONDS)."""
    now = utcnow()
    with rt.db.transaction() as session:
        hall = hall_config.change(session, rt.settings.hall, edit, admin, now)
        catalog = sync_catalog(session, hall.config)
        calendar.seed(session, catalog, now)
    put_in_force(rt, hall, catalog)
    return hall
