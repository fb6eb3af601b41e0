"""The bus between server processes (Redis pub/sub through python-socketio's RedisManager), made safe for
a hall: a channel named per deployment, a bounded wait on a frozen Redis, and a resync once it is back.

A call must never wait on the bus: its ticket is already committed. Publishing uses its own client with
a socket timeout; after a failure the bus stays quiet for `pause` seconds (calls go on at full speed,
their messages to other processes are lost), and the first message that gets through afterwards is
followed by `on_recovered`, which tells every screen and phone to read its state again.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
import socketio
from sqlalchemy.engine import make_url

log = logging.getLogger("tabour.bus")


def channel_for(database_url: str) -> str:
    """Processes that share a database are one deployment: they share a channel, and two deployments on
    one Redis never hear each other (Flask-SocketIO's default channel is the same for everyone)."""
    url = make_url(database_url).render_as_string(hide_password=True)
    return "tabour-" + hashlib.sha256(url.encode()).hexdigest()[:16]


class HallBus(socketio.RedisManager):  # type: ignore[misc]
    def __init__(self, url: str, channel: str, timeout: float = 2.0, pause: float = 5.0) -> None:
        # the listener blocks on reads by design (no read timeout); keepalive notices a dead peer
        options = {"socket_connect_timeout": timeout, "socket_keepalive": True}
        super().__init__(url, channel=channel, redis_options=options)
        self.timeout = timeout
        self.pause = pause
        self.on_recovered: Callable[[], None] | None = None
        self._sender: redis.Redis | None = None
        self._quiet_until = 0.0
        self._lost = False

    def _publish(self, data: Any) -> None:
        now = time.monotonic()
        if now < self._quiet_until:
            self._lost = True
            return
        try:
            if self._sender is None:
                self._sender = redis.Redis.from_url(
                    self.redis_url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
                )
            self._sender.publish(self.channel, self.json.dumps(data))
        except Exception as error:
            log.warning("the bus is away (%s): other processes miss messages for %.0f s", error, self.pause)
            self._lost, self._quiet_until = True, now + self.pause
            return
        if self._lost:
            self._lost = False
            log.warning("the bus is back: screens and phones read their state again")
            if self.on_recovered is not None:
                self.on_recovered()

    def healthy(self) -> bool:
        """A ping within the timeout (for /healthz)."""
        try:
            client = redis.Redis.from_url(
                self.redis_url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout
            )
            try:
                return bool(client.ping())
            finally:
                client.close()
        except Exception:
            return False
