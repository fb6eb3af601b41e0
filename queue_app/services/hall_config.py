"""The hall's configuration kept in the database: every centre's zones, bodies, services, counters, screens,
kiosks, shifts and holidays, one `hall_versions` row per version; the newest is in force.

config.yaml seeds it and stays the home of the deployment's own settings (server, security, notifications).
The rule between the file and the administrators' changes is "the newest change wins": at a start, the
file's centres become a new version only when the file changed since it was last adopted; otherwise the
administrators' changes stay in force. `flask --app queue_app config export` writes the version in force
back as YAML (docs/configuration.md)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.counters import CounterStatus
from ..domain.errors import Conflict
from ..settings import HallConfig, parse_config
from ..store import counters as counters_store
from ..store import queues
from ..store.database import CONFIG_SYNC_LOCK, serialise
from ..store.models import HallVersion
from . import audit
from .catalog import CentreCatalog
from .users import Admin

FILE, ADMIN = "file", "admin"

Centres = list[dict[str, Any]]
# an administrator's change: edits the centres (plain data, as config.yaml holds them) in place and says
# what it changed for the audit trail: (centre code, target such as "service/traffic", before, after)
Edit = Callable[[Centres], tuple[str, str, Any, Any]]


@dataclass(frozen=True)
class InForce:
    """A validated hall and the version it came from."""

    config: HallConfig
    version: int


def centres_of(config: HallConfig) -> Centres:
    """The centres as plain data, only what was written (defaults stay defaults)."""
    return [c.model_dump(mode="json", by_alias=True, exclude_unset=True) for c in config.centres]


def _digest(centres: Centres) -> str:
    text = json.dumps(centres, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def with_centres(deployment: HallConfig, centres: Centres) -> HallConfig:
    """The deployment's settings with these centres, checked by the same rules as config.yaml (a
    ConfigError names the path, e.g. centres[0].counters[3].services[1])."""
    checked = parse_config({"centres": centres})
    return deployment.model_copy(update={"centres": checked.centres})


def _newest(session: Session) -> HallVersion | None:
    return session.scalars(select(HallVersion).order_by(HallVersion.id.desc()).limit(1)).first()


def newest_version(session: Session) -> int:
    """The id of the version in force (0 before the first start)."""
    return session.scalar(select(HallVersion.id).order_by(HallVersion.id.desc()).limit(1)) or 0


def in_force(session: Session, deployment: HallConfig) -> InForce:
    """The newest version, validated; a version no longer valid names its path under hall_versions."""
    row = _newest(session)
    if row is None:
        return InForce(deployment, 0)
    return InForce(with_centres(deployment, row.centres), row.id)


def adopt_file(session: Session, file_config: HallConfig, now: datetime) -> InForce:
    """At a start: config.yaml's centres become the newest version when there is none or the file changed
    since it was last adopted; otherwise the newest version (an administrator's change) stays in force.
    Processes starting together take turns."""
    serialise(session, CONFIG_SYNC_LOCK)
    centres = centres_of(file_config)
    digest = _digest(centres)
    newest = _newest(session)
    if newest is not None and newest.file_digest == digest:
        return InForce(with_centres(file_config, newest.centres), newest.id)
    row = HallVersion(at=now, source=FILE, file_digest=digest, author=None, centres=centres)
    session.add(row)
    session.flush()
    if newest is not None:
        audit.record(session, "hall_from_file", "config.yaml", now, target="config.yaml", detail={"version": row.id})
    return InForce(file_config, row.id)


def change(session: Session, deployment: HallConfig, edit: Edit, admin: Admin, now: datetime) -> InForce:
    """An administrator's change, applied to the newest version under the configuration lock (two
    administrators changing different things both keep theirs), validated as config.yaml is, written as a
    new version and audited with what it was and what it became. Nothing changed: no new version."""
    serialise(session, CONFIG_SYNC_LOCK)
    newest = _newest(session)
    if newest is None:
        raise LookupError("no hall configuration yet: the server seeds it at its first start")
    centres = json.loads(json.dumps(newest.centres))  # a deep copy the edit may change
    centre_code, target, before, after = edit(centres)
    config = with_centres(deployment, centres)
    stored = centres_of(config)
    if _digest(stored) == _digest(newest.centres):
        return InForce(config, newest.id)
    row = HallVersion(at=now, source=ADMIN, file_digest=newest.file_digest, author=admin.username, centres=stored)
    session.add(row)
    session.flush()
    audit.record(
        session,
        "hall_changed",
        admin.username,
        now,
        user_id=admin.user_id,
        target=f"{centre_code}/{target}",
        detail={"version": row.id, "before": before, "after": after},
        ip=admin.ip,
    )
    return InForce(config, row.id)


def check_removable(session: Session, centre: CentreCatalog, kind: str, code: str) -> None:
    """A service (or a body's) with visitors waiting, or a counter with a clerk at it, stays until they are
    done: the administrator closes its intake, or the clerk signs out, first."""
    services = [code] if kind == "service" else []
    if kind == "body":
        services = [s.code for b in centre.config.bodies if b.code == code for s in b.services]
    for service in services:
        if service in centre.service_ids and queues.tally(session, centre.service_ids[service])[0]:
            raise Conflict("service_has_waiting", service=service)
    if kind == "counter" and code in centre.counter_ids:
        counter = counters_store.counter(session, centre.counter_ids[code], lock=False)
        if counter.state != CounterStatus.CLOSED.value:
            raise Conflict("counter_in_use", counter=code)


def export(config: HallConfig, deployment_data: dict[str, Any]) -> dict[str, Any]:
    """config.yaml's content with the centres in force: the file's own deployment sections as written."""
    return {**{k: v for k, v in deployment_data.items() if k != "centres"}, "centres": centres_of(config)}
