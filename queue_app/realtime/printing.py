"""Namespace `/print`: kiosk print agents (`python -m printers.agent --server URL --token TOKEN`).

The agent connects with `auth={"token": <its kiosk's device token>}`; a kiosk whose printer config is
`{backend: agent}` then has its jobs delivered as `print_job` {id, data: base64} with a Socket.IO
acknowledgement `{id, status: printed|failed, error?}` (see printers/agent.py). The server's spooler
treats the agent like any printer: a job is stored first, sent, retried with backoff until acked
`printed`. On (re)connect every pending job of that kiosk is made due at once, so an unacknowledged
job is sent again; the agent prints a job id only once.
"""

from __future__ import annotations

import base64
import logging
import threading
from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, Namespace, SocketIO

from printers import PrinterStatus, PrinterUnavailable

from ..extensions import runtime
from ..services.printing import printer_key
from .auth import answers_when_unavailable, device_from_auth

log = logging.getLogger(__name__)

NAMESPACE = "/print"
ACK_TIMEOUT = 15.0  # seconds an agent may take to print one ticket and acknowledge it


class AgentLinks:
    """Which Socket.IO session serves which kiosk printer; builds the spooler's backend per printer."""

    def __init__(self, socketio: SocketIO, ack_timeout: float = ACK_TIMEOUT) -> None:
        self.socketio = socketio
        self.ack_timeout = ack_timeout
        self._sids: dict[str, str] = {}
        self._lock = threading.Lock()

    def connected(self, key: str, sid: str) -> None:
        with self._lock:
            self._sids[key] = sid

    def disconnected(self, sid: str) -> str | None:
        with self._lock:
            for key, known in list(self._sids.items()):
                if known == sid:
                    del self._sids[key]
                    return key
        return None

    def sid_for(self, key: str) -> str | None:
        with self._lock:
            return self._sids.get(key)

    def backend(self, key: str) -> AgentBackend:
        return AgentBackend(self, key)


class AgentBackend:
    """A printer reached through the kiosk's agent: `send_job` waits for the agent's acknowledgement."""

    name = "agent"

    def __init__(self, links: AgentLinks, key: str) -> None:
        self.links = links
        self.key = key

    def send(self, data: bytes) -> None:  # pragma: no cover - the spooler uses send_job
        raise PrinterUnavailable("the agent needs the job id: use send_job")

    def send_job(self, job_id: str, data: bytes) -> None:
        sid = self.links.sid_for(self.key)
        if sid is None:
            raise PrinterUnavailable(f"no print agent connected for kiosk {self.key}")
        payload = {"id": job_id, "data": base64.b64encode(data).decode("ascii")}
        try:
            ack = self.links.socketio.call(
                "print_job", payload, to=sid, namespace=NAMESPACE, timeout=self.links.ack_timeout
            )
        except Exception as exc:  # socketio.exceptions.TimeoutError, or the agent went away
            raise PrinterUnavailable(f"print agent did not acknowledge job {job_id}: {exc!r}") from exc
        if not isinstance(ack, dict) or ack.get("id") != job_id:
            raise PrinterUnavailable(f"print agent sent a malformed acknowledgement: {ack!r}")
        if ack.get("status") != "printed":
            raise PrinterUnavailable(f"print agent: {ack.get('error') or 'failed'}")

    def status(self) -> PrinterStatus:
        return PrinterStatus.ONLINE if self.links.sid_for(self.key) else PrinterStatus.OFFLINE


class PrintNamespace(Namespace):
    """Agents authenticate with their kiosk's device token; only kiosks configured `backend: agent`."""

    @answers_when_unavailable
    def on_connect(self, auth: dict[str, Any] | None = None) -> None:
        rt = runtime()
        device, centre = device_from_auth(auth, "kiosk")
        kiosk = centre.config.kiosk(device.code)
        worker = rt.workers.get("print")
        if kiosk is None or kiosk.printer is None or kiosk.printer.backend != "agent" or worker is None:
            raise ConnectionRefusedError("no_agent_printer")
        key = printer_key(centre.code, device.code)
        worker.agents.connected(key, request.sid)  # type: ignore[attr-defined]
        log.info("print agent connected for %s", key)
        worker.set_status(key, PrinterStatus.ONLINE.value)
        # Re-send what was never acknowledged; outside the connect handler, once the session is up.
        self.socketio.start_background_task(worker.printer_came_back, key)

    def on_disconnect(self, *args: Any) -> None:
        worker = runtime().workers.get("print")
        if worker is None:
            return
        key = worker.agents.disconnected(request.sid)  # type: ignore[attr-defined]
        if key is not None:
            log.info("print agent disconnected for %s", key)
            worker.set_status(key, PrinterStatus.OFFLINE.value)
