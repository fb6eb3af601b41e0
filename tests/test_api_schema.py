"""The API against its own OpenAPI document, by schemathesis on a real server: generated requests (valid
and invalid) never get a 5xx, and every answer matches the document (status, content type, body). Run as
a supervisor so that generated calls reach the use cases, not only the sign-in check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from queue_app.web.openapi import openapi_document
from tests.support.server import ROOT, LiveServer

schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    # the sample config.yaml: its centre `salam` and counter 5 are the document's examples, so generated
    # calls reach real counters and queues instead of stopping at "unknown centre"
    server = LiveServer(instance=tmp_path_factory.mktemp("schema") / "instance", config=ROOT / "config.yaml").start()
    try:
        yield server, server.staff("schema-sup", "supervisor", "salam")
    finally:
        server.stop()


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,  # a busy machine makes answers slow, never wrong
    derandomize=True,  # the same requests every run
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_contract(case: Any, api_server: tuple[LiveServer, dict[str, str]]) -> None:
    server, supervisor = api_server
    case.call_and_validate(
        base_url=f"{server.url}/api/v1",
        headers=supervisor,
        timeout=30,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
