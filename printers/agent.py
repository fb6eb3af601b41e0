"""Kiosk print agent: receives print jobs from the server over Socket.IO and prints them locally.

For kiosks whose printer hangs on local USB/serial, run ``python -m printers.agent --server URL --token
TOKEN [--printer-config JSON-or-path] [--state PATH]``.

Wire protocol (namespace ``/print``, websocket transport):

* connect with ``auth={"token": TOKEN}``; the server refuses the connection for a bad token and picks
  the kiosk (hence the printer) from the token.
* server -> agent event ``print_job`` with payload ``{"id": "<job uuid>", "data": "<base64 ESC/POS>"}``,
  emitted with an acknowledgement callback.
* the agent answers through the Socket.IO ack (the handler's return value), never a separate event:
  ``{"id": "<job uuid>", "status": "printed"}`` or ``{"id": ..., "status": "failed", "error": "..."}``.
* exactly once: the agent records printed ids in a JSON file (``--state``) before acking, so a job the
  server re-sends after a lost ack or a reconnect is acked ``printed`` again without printing twice.
  The server should retry a job whose ack never came and treat ``failed`` like a failed attempt.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from printers.backends import Backend, make_backend
from printers.errors import PrinterConfigError

log = logging.getLogger("printers.agent")

NAMESPACE = "/print"
EVENT = "print_job"
DEFAULT_PRINTER = {"backend": "file", "path": "/dev/usb/lp0"}


class PrintedLog:
    """The ids of the last ``keep`` printed jobs, persisted to a JSON file with an atomic replace."""

    def __init__(self, path: Path | None, keep: int = 2000) -> None:
        self.path = path
        self.keep = keep
        self._ids: OrderedDict[str, None] = OrderedDict()
        if path is not None and path.exists():
            for job_id in json.loads(path.read_text(encoding="utf-8")).get("printed", []):
                self._ids[str(job_id)] = None

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._ids

    def add(self, job_id: str) -> None:
        self._ids[job_id] = None
        while len(self._ids) > self.keep:
            self._ids.popitem(last=False)
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(self.path.suffix + ".tmp")
            tmp.write_text(json.dumps({"printed": list(self._ids)}), encoding="utf-8")
            os.replace(tmp, self.path)


class PrintAgent:
    """Dedupe, print, build the ack: the agent's whole logic, testable without a server."""

    def __init__(self, backend: Backend, printed: PrintedLog) -> None:
        self.backend = backend
        self.printed = printed
        self._lock = threading.Lock()  # one job at a time: a printer prints one ticket at a time

    def handle(self, payload: Any) -> dict[str, str]:
        """Handle one ``print_job`` payload and return the ack dict."""
        job_id = payload.get("id") if isinstance(payload, Mapping) else None
        if not isinstance(job_id, str) or not job_id:
            return {"id": "", "status": "failed", "error": "payload has no job id"}
        try:
            data = base64.b64decode(str(payload.get("data", "")), validate=True)
        except (binascii.Error, ValueError) as exc:
            return {"id": job_id, "status": "failed", "error": f"data is not base64: {exc}"}
        with self._lock:
            if job_id in self.printed:
                log.info("job %s already printed; acknowledging again", job_id)
                return {"id": job_id, "status": "printed"}
            try:
                self.backend.send(data)
            except Exception as exc:
                log.warning("job %s failed: %s", job_id, exc)
                return {"id": job_id, "status": "failed", "error": str(exc)}
            self.printed.add(job_id)
        return {"id": job_id, "status": "printed"}


def load_printer_config(value: str | None) -> dict[str, Any]:
    """``--printer-config``: inline JSON, or a path to a JSON file; default is ``/dev/usb/lp0``."""
    if not value:
        return dict(DEFAULT_PRINTER)
    text = value if value.lstrip().startswith("{") else Path(value).read_text(encoding="utf-8")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PrinterConfigError(f"--printer-config is not valid JSON: {exc}") from exc
    if not isinstance(config, dict):
        raise PrinterConfigError('--printer-config must be a JSON object like {"backend": "usb", ...}')
    return config


def run(server: str, token: str, agent: PrintAgent) -> None:  # pragma: no cover - needs a live server
    """Connect to ``server`` and serve print jobs until interrupted; reconnects on its own."""
    import socketio

    client = socketio.Client(reconnection=True, reconnection_delay=1, reconnection_delay_max=30)

    def on_print_job(payload: Any) -> dict[str, str]:
        return agent.handle(payload)

    client.on(EVENT, on_print_job, namespace=NAMESPACE)
    client.on("connect", lambda: log.info("connected to %s%s", server, NAMESPACE), namespace=NAMESPACE)
    client.on("disconnect", lambda *args: log.warning("disconnected from %s", server), namespace=NAMESPACE)
    client.connect(
        server,
        namespaces=[NAMESPACE],
        transports=["websocket"],
        auth={"token": token},
        retry=True,
    )
    client.wait()


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - thin wrapper
    parser = argparse.ArgumentParser(prog="python -m printers.agent", description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="server URL, e.g. https://tabour.local")
    parser.add_argument("--token", required=True, help="this kiosk's print token")
    parser.add_argument("--printer-config", help="JSON object or path to a JSON file (default /dev/usb/lp0)")
    parser.add_argument("--state", default=str(Path.home() / ".local/state/tabour/printed.json"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    agent = PrintAgent(make_backend(load_printer_config(args.printer_config)), PrintedLog(Path(args.state)))
    run(args.server, args.token, agent)


if __name__ == "__main__":  # pragma: no cover
    main()
