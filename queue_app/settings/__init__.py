"""config.yaml -> validated, frozen settings; every error names the path of the offending entry.

Pydantic does the type checking (unknown keys are refused); the cross-references pydantic cannot see
(duplicate prefixes, a counter naming a missing service, ...) are checked in hall.py with the same paths.
The models live in common.py (building blocks), calendar.py (shifts, holidays, dated hours) and hall.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .calendar import Shift
from .common import DAYS, LANGUAGES, RTL_LANGUAGES, ConfigError, Language, Names
from .hall import (
    Body,
    Centre,
    Counter,
    CounterRules,
    Display,
    HallConfig,
    Kiosk,
    Notifications,
    Printer,
    Remote,
    Server,
    Service,
    SmsGateway,
    Webhook,
    Zone,
    check_references,
)

__all__ = [
    "DAYS",
    "LANGUAGES",
    "RTL_LANGUAGES",
    "Body",
    "Centre",
    "ConfigError",
    "Counter",
    "CounterRules",
    "Display",
    "HallConfig",
    "Kiosk",
    "Language",
    "Names",
    "Notifications",
    "Printer",
    "Remote",
    "Server",
    "Service",
    "Settings",
    "Shift",
    "SmsGateway",
    "Webhook",
    "Zone",
    "load_config",
    "parse_config",
]


def _format_location(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def parse_config(data: Any) -> HallConfig:
    """Validate plain data (as read from YAML); raise ConfigError naming the first bad path."""
    if not isinstance(data, dict):
        raise ConfigError("", "the configuration must be a mapping with a 'centres' list")
    try:
        config = HallConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = f"unknown key {location[-1]!r}"
        raise ConfigError(_format_location(location), message, first["type"], first.get("ctx")) from None
    check_references(config)
    return config


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML that refuses a key written twice in one mapping (plain YAML keeps the last one, silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | os.PathLike[str]) -> HallConfig:
    """Read and validate config.yaml."""
    file = Path(path)
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except FileNotFoundError:
        raise ConfigError("", f"configuration file not found: {file}") from None
    except yaml.YAMLError as error:
        raise ConfigError("", f"{file} is not valid YAML: {error}") from None
    return parse_config(data)


@dataclass(frozen=True)
class Settings:
    """Everything create_app() needs: the hall plus where its data and messages live."""

    hall: HallConfig
    database_url: str
    secret_key: str
    redis_url: str | None = None
    bus_channel: str | None = None  # the Redis channel; default: named after the database (one deployment)
    instance_path: str = "instance"
    testing: bool = False
    start_workers: bool = True  # the print spooler and notifier greenlets
    print_retry_base: float = 1.0  # first delay (s) before a failed print job is retried, doubled up to 30 s
    print_retry_deadline: float = 180.0  # a job not printed by then is given up (staff can reprint)
    print_status_interval: float = 20.0  # seconds between printer status polls
    voice_dir: str | None = None  # a centre's own recorded clips; default <instance>/voice
    metrics_token: str | None = None  # when set, /metrics asks for it as a bearer token
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-* headers are believed (nginx: 1)
    request_deadline: float = 20.0  # seconds a request may take before it is cut (web/deadline.py); 0: never
    database_pool: int = 10  # connections kept per process (as many again under load): TABOUR_DB_POOL
    config_file: str | None = None  # config.yaml as read at the start (`config export` keeps its deployment part)
    old_secret_keys: tuple[str, ...] = ()  # earlier secret keys, still opening what they sealed (a rotation)

    @property
    def public_url(self) -> str:
        return self.hall.server.public_url.rstrip("/")
