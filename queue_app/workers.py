"""Background workers of a serving process (print spooler, notifier), started by run.py only."""

from __future__ import annotations

from flask import Flask


def start(app: Flask) -> None:
    """Start every background worker registered on the runtime (none is started at import time)."""
    for worker in app.extensions["tabour"].workers.values():
        start_fn = getattr(worker, "start", None)
        if start_fn is not None:
            start_fn()


def stop(app: Flask) -> None:
    for worker in app.extensions["tabour"].workers.values():
        stop_fn = getattr(worker, "stop", None)
        if stop_fn is not None:
            stop_fn()
