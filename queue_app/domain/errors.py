"""Typed errors of the queue core; each carries a stable code that the API returns as-is."""

from __future__ import annotations

from typing import Any


class QueueError(Exception):
    """A rule of the hall refused the action. `code` is stable; `params` fill the translated message."""

    code = "queue_error"
    status = 400

    def __init__(self, code: str | None = None, **params: Any) -> None:
        super().__init__(code or self.code)
        if code:
            self.code = code
        self.params = params


class NotFound(QueueError):
    code = "not_found"
    status = 404


class Conflict(QueueError):
    """The action does not fit the current state (complete with no current ticket, ...)."""

    code = "conflict"
    status = 409


class IntakeClosed(QueueError):
    """No ticket can be issued now; the code says why (outside_shift, last_ticket_passed, daily_cap...)."""

    code = "intake_closed"
    status = 409


class InvalidInput(QueueError):
    code = "invalid_input"
    status = 400


class Forbidden(QueueError):
    code = "forbidden"
    status = 403


class LimitReached(QueueError):
    code = "limit_reached"
    status = 429
