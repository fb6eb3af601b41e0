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
    _errors_every_door_can_answer(document)
    return document


def _errors_every_door_can_answer(document: dict[str, Any]) -> None:
    """The error answers that follow from an operation's shape, written once here instead of in each
    operation: a path with parameters can name what does not exist (404), a request body can be
    malformed (400), a protected operation can meet a missing or wrong token (401, 403). Each uses the
    shared Error body with its stable code (schemathesis found them undocumented)."""
    error = {"$ref": "#/components/responses/Error"}
    default_security = document.get("security")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            if "{" in path:
                responses.setdefault("404", error)
            if "requestBody" in operation:
                responses.setdefault("400", error)
            if operation.get("security", default_security):
                responses.setdefault("401", error)
                responses.setdefault("403", error)
