"""Helpers of the use-case tests (tests/use_cases): a fixed morning, and one transaction per step."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import yaml

from queue_app.domain.errors import QueueError
from queue_app.services import counters
from queue_app.services.catalog import CentreCatalog, sync_catalog
from queue_app.services.tickets import TicketRequest, issue_ticket
from queue_app.settings import parse_config
from queue_app.store.database import Database
from queue_app.store.models import Ticket
from tests.support.server import SMALL_CONFIG

# 06:00 UTC is 09:00 in Kuwait, a Sunday
NOW = datetime(2026, 11, 22, 6, 0)


def minutes(n: float) -> datetime:
    return NOW + timedelta(minutes=n)


def variant(database: Database, change: Callable[[dict[str, Any]], None]) -> CentreCatalog:
    """The small config with one change, synced into the same database: the `test` centre's lookups."""
    data = copy.deepcopy(yaml.safe_load(SMALL_CONFIG.read_text(encoding="utf-8")))
    change(data["centres"][0])
    with database.transaction() as session:
        return sync_catalog(session, parse_config(data)).centre("test")


def issue(
    database: Database, centre: CentreCatalog, service: str = "traffic", at: datetime = NOW, **extra: Any
) -> Ticket:
    with database.transaction() as session:
        return issue_ticket(session, centre, TicketRequest(service=service, **extra), at).ticket


def refused(database: Database, action: Callable[..., Any], *args: Any) -> QueueError:
    with pytest.raises(QueueError) as error, database.transaction() as session:
        action(session, *args)
    return error.value


def act(database: Database, action: Callable[..., counters.CounterResult], *args: Any) -> Ticket | None:
    with database.transaction() as session:
        return action(session, *args).ticket
