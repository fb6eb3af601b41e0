"""Namespace `/print`: kiosk print agents receive print jobs (placeholder until the agent lands)."""

from __future__ import annotations

from typing import Any

from flask_socketio import ConnectionRefusedError, Namespace


class PrintNamespace(Namespace):
    def on_connect(self, auth: dict[str, Any] | None = None) -> None:
        raise ConnectionRefusedError("not_ready")
