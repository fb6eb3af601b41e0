"""Every request answers within a deadline (TABOUR_REQUEST_DEADLINE, 20 s): a database or bus that stops
answering without closing the connection (a frozen server) would otherwise hold every request, and every
kiosk and counter behind it, for ever. Under gevent the request's greenlet gets `Interrupted` where it
waits; the connection it was using is dropped (store/database.py) and the caller gets 503
`temporarily_unavailable`. Socket.IO's long-lived connections are not requests and are left alone."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..offload import gevent_patched
from ..store.database import Interrupted

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_deadline(app: WSGIApp, seconds: float) -> WSGIApp:
    """`app` with every request cut at `seconds` (only under gevent: scripts and tests of use cases have
    no event loop to cut with)."""
    if not gevent_patched() or seconds <= 0:
        return app
    import gevent

    def deadline_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith("/socket.io"):
            return app(environ, start_response)
        with gevent.Timeout(seconds, Interrupted):
            return app(environ, start_response)

    return deadline_app
