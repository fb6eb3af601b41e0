"""The OpenAPI document of /api/v1, kept as YAML beside this module and served as JSON."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml


@cache
def openapi_document() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).parent / "openapi.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
