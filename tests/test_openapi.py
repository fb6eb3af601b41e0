"""The OpenAPI document is served, is a valid OpenAPI 3.1 document, and documents every /api/v1 route.

A new route under /api/v1 fails here until its path and method are added to queue_app/web/openapi.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from queue_app import create_app
from queue_app.settings import Settings, load_config
from tests.support.server import SMALL_CONFIG

PREFIX = "/api/v1"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the module (on a real SQLite file): the document and the URL map do not change."""
    instance = tmp_path_factory.mktemp("openapi")
    settings = Settings(
        hall=load_config(SMALL_CONFIG),
        database_url=f"sqlite:///{instance / 'tabour.db'}",
        secret_key="test-secret",
        instance_path=str(instance),
        testing=True,
    )
    application = create_app(settings)
    yield application
    application.extensions["tabour"].db.dispose()


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def openapi_path(rule: str) -> str:
    """Flask's `/api/v1/centres/<centre>/x/<int:job_id>` -> OpenAPI's `/centres/{centre}/x/{job_id}`."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule[len(PREFIX) :]) or "/"


def test_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)  # raises OpenAPIValidationError with the bad path
    assert document["openapi"].startswith("3.")
    assert document["servers"][0]["url"] == PREFIX
    assert "Error" in document["components"]["schemas"]


def test_every_api_route_is_documented(app: Flask, document: dict[str, Any]) -> None:
    paths = document["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = openapi_path(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}  (Flask rule {rule.rule}, endpoint {rule.endpoint})")
    assert not missing, "routes missing from queue_app/web/openapi.yaml:\n" + "\n".join(missing)


def test_every_documented_operation_exists(app: Flask, document: dict[str, Any]) -> None:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            routes.setdefault(openapi_path(rule.rule), set()).update(m.lower() for m in rule.methods or ())
    stale = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS and method not in routes.get(path, set())
    ]
    assert not stale, "documented but not served:\n" + "\n".join(stale)


def test_path_parameters_are_declared(document: dict[str, Any]) -> None:
    """Every {name} in a path has a parameter (on the path item or on each operation)."""
    components = document.get("components", {}).get("parameters", {})

    def names(parameters: list[dict[str, Any]]) -> set[str]:
        resolved = [components[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p for p in parameters]
        return {p["name"] for p in resolved if p.get("in") == "path"}

    problems = []
    for path, item in document["paths"].items():
        wanted = set(re.findall(r"{([^}]+)}", path))
        shared = names(item.get("parameters", []))
        for method, operation in item.items():
            if method in METHODS and wanted - shared - names(operation.get("parameters", [])):
                problems.append(f"{method.upper()} {path}: {sorted(wanted - shared)}")
    assert not problems, "undeclared path parameters:\n" + "\n".join(problems)


def test_error_responses_use_the_error_schema(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert set(error["properties"]["error"]["required"]) == {"code", "message"}


def test_every_error_code_is_in_the_api_docs() -> None:
    """docs/api.md lists every stable code of web/errors.py MESSAGES with its HTTP status."""
    from queue_app.web.errors import MESSAGES

    docs = (Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", docs, re.M))
    missing = sorted(set(MESSAGES) - set(rows))
    assert not missing, "error codes missing from the table in docs/api.md: " + ", ".join(missing)
