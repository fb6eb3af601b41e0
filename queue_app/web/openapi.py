"""The OpenAPI document of /api/v1, kept as YAML beside this module and served as JSON. The states it
lists (ticket status, counter state, priority, call reasons) come from the domain's enums, not the YAML."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..domain.counters import CounterStatus
from ..domain.tickets import CALL_REASONS, PriorityClass, Status


@cache
def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "openapi.yaml").read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    schemas["Ticket"]["properties"]["status"]["enum"] = [s.value for s in Status]
    schemas["Ticket"]["properties"]["priority"]["enum"] = [p.value for p in PriorityClass]
    schemas["Hall"]["properties"]["counters"]["items"]["properties"]["state"]["enum"] = [s.value for s in CounterStatus]
    schemas["CounterState"]["properties"]["counter"]["properties"]["state"]["enum"] = [s.value for s in CounterStatus]
    schemas["CallReason"]["enum"] = list(CALL_REASONS)
    return document
