"""A live server whose kiosk k1 prints to a fake network printer on a free port, k2 through an agent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.support.server import ROOT, LiveServer, free_port

KIOSK_CONFIG = ROOT / "tests" / "fixtures" / "kiosk_config.yaml"


def kiosk_config(tmp_path: Path, printer_port: int) -> Path:
    """tests/fixtures/kiosk_config.yaml with k1's network printer on ``printer_port``."""
    data = yaml.safe_load(KIOSK_CONFIG.read_text(encoding="utf-8"))
    centre = next(c for c in data["centres"] if c["code"] == "test")
    kiosk = next(k for k in centre["kiosks"] if k["code"] == "k1")
    kiosk["printer"]["port"] = printer_port
    kiosk["printer"]["timeout"] = 1.0
    path = tmp_path / "kiosk_config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class PrintServer(LiveServer):
    """LiveServer plus environment for the print worker (short retry backoff)."""

    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(self.extra_env)
        return env


def start_print_server(tmp_path: Path, printer_port: int | None = None, **env: str) -> PrintServer:
    port = printer_port or free_port()
    server = PrintServer(
        instance=tmp_path / "instance",
        config=kiosk_config(tmp_path, port),
        extra_env={
            "TABOUR_PRINT_RETRY_BASE": "0.1",
            "TABOUR_PRINT_RETRY_DEADLINE": "60",
            "TABOUR_PRINT_STATUS_INTERVAL": "0.5",
            **env,
        },
    )
    return server.start()


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def job_status(server: LiveServer, job_id: str, kiosk: str = "k1") -> dict[str, Any]:
    response = requests.get(f"{server.url}/api/v1/print-jobs/{job_id}", headers=server.device("kiosk", kiosk))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]
