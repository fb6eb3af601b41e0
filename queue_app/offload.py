"""Long work beside gevent's event loop, so that a password hash or a long report never holds up the
hall's requests (kiosks, counters, screens): work that releases the GIL (scrypt) goes to gevent's thread
pool, one job at a time per lane; a long Python loop lets the others run every so often. Where gevent
has not patched the process (scripts, the CLI, tests of use cases) both run directly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_lanes: dict[str, threading.BoundedSemaphore] = {}


def gevent_patched() -> bool:
    """run.py patches the process with gevent before anything else; scripts and the CLI do not."""
    return type(threading.Lock()).__module__.startswith("gevent")


def off_the_loop(lane: str, function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in gevent's thread pool, after the lane's previous job (one at a time per lane)."""
    if not gevent_patched():
        return function(*args)
    import gevent

    if lane not in _lanes:
        _lanes[lane] = threading.BoundedSemaphore(1)
    with _lanes[lane]:
        return gevent.get_hub().threadpool.apply(function, args)  # type: ignore[no-any-return]


def let_others_run() -> None:
    """A long loop on the event loop (a report reading a month of events) lets the other requests in
    here: under gevent a zero sleep switches to every greenlet that is ready; elsewhere it does nothing."""
    if gevent_patched():
        import gevent

        gevent.sleep(0)
