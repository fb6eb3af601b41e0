"""The one door realtime messages leave by. Handlers call `publish(events)` after their commit.

Wire protocol (docs/realtime.md carries the same). Socket.IO v5 (python-socketio 5.x server; browser
client socket.io-client 4.x at /displays/static/vendor/socket.io.min.js), websocket transport only for
screens (no sticky sessions needed behind several processes sharing TABOUR_REDIS_URL).
Namespace `/hall`: connect with `auth: {token: <display device token>}` (a paired display: joins the rooms
`zone:<centre>:<zone>` of its configured zones) or with a staff session cookie and optional
`auth: {centre}` (joins `centre:<centre>`; a supervisor of some bodies joins `body:<centre>:<body>` of each
instead, and gets a snapshot and events of those bodies' services and counters only). Anything else is
refused with `connect_error` whose message is
`bad_device_token`, `device_not_allowed`, `unknown_display`, `other_centre` or `unauthorized`. On connect
the server sends `hall_snapshot` = the body of GET /api/v1/centres/<centre>/hall ({centre, names, at,
counters, services, recent_calls}); a client that reconnects gets a fresh one. Namespace `/track`, room
`ticket:<tracking_code>`. Events, emitted only here and only after the commit:
- `ticket_called` {number, counter: {code, names}, service: {code, names}, zone, recall, called_at}
  to the counter's zone room and the centre room.
- `queue_changed` {centre, services: [{code, waiting, eta_minutes, eta_range, longest_wait_minutes}]}
  to the centre room and every zone room of the centre; coalesced (at most one per centre per
  QUEUE_DEBOUNCE seconds) because a busy kiosk changes the queue many times a second.
- `counter_changed` {centre, counter: <one entry of the hall snapshot's counters>} to the centre room
  (staff) and the room `counter:<centre>:<counter>` that a display with the `counter` layout joins
  for its counter. Hall screens do not get it: they show calls (`ticket_called`) and waiting counts,
  and every frame to every screen costs the server when a hall has many.
- `call_out_of_turn` {centre, number, counter, service, reason, clerk, at} to the centre room (staff
  only): a clerk called a number ahead of the one due, with a reason code (domain.tickets.CALL_REASONS).
- `/track` `ticket_changed` {tracking_code, status} to the ticket's room (the page then re-reads it).
- `/track` `place_changed` {tracking_code, position, eta_minutes, eta_range[, visit_minutes]} to the room
  of every ticket waiting in a queue whose places changed (a call, a cancel, a check-in, a transfer, a
  priority ticket issued; not a plain ticket joining the end), at most once per queue per PLACES_DEBOUNCE
  seconds: the fields of the ticket that changed, so the phone redraws without reading it again (20,000
  phones re-reading after every call cost more than everything else a national day does, docs/benchmarks.md).
- `print_status` {centre, job: {id, kiosk, ticket, status, attempts, last_error, problem, printer_status,
  created_at, printed_at} | null, printer: {kiosk, backend, status}} to the centre room (staff only):
  a kiosk print job changed (queued, attempt failed, printed, failed) or a printer's status changed
  (online, offline, cover_open, paper_out, unknown). Sent by the print worker (services/printing.py).
- `resync` {} to every client of `/hall` and `/track`: the bus between processes lost messages (Redis was
  away, realtime/bus.py) and is back; each screen, console, board and phone reads its state again (a
  screen asks with `snapshot`).
- `hall_changed` {} to every client of `/hall` and `/central` of one process, when that process puts a
  newer hall configuration in force (an administrator's change, queue_app/live_config.py): the page loads
  again (a screen after a short random pause, so a hall's screens do not all ask at once).
- `/central` `centre_changed` {centre: <a row of the central board, views/central.py>} to room
  `central:<centre>`, at most once per CENTRAL_DEBOUNCE seconds per centre, after any event of the centre;
  `central_snapshot` {centres: [rows]} to a watcher on connect (realtime/central.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask_socketio import SocketIO

from ..domain.tickets import Status
from ..services.catalog import Catalog
from ..services.events import CalledOutOfTurn, CounterChanged, Event, QueueChanged, TicketCalled, TicketChanged
from ..store.database import Database, utcnow
from ..views import central, hall
from ..views.tickets import places_json

log = logging.getLogger(__name__)

QUEUE_DEBOUNCE = 0.25
PLACES_DEBOUNCE = 1.0  # the phones of a queue: a place a second late is still right, and calls come in bursts
CENTRAL_DEBOUNCE = 2.0  # a centre's row on the central board: live enough for a room's wall, cheap for 52 halls
SNAPSHOT_TTL = 1.0


def centre_room(centre: str) -> str:
    return f"centre:{centre}"


def zone_room(centre: str, zone: str) -> str:
    return f"zone:{centre}:{zone}"


def ticket_room(tracking_code: str) -> str:
    return f"ticket:{tracking_code}"


def counter_room(centre: str, counter: str) -> str:
    return f"counter:{centre}:{counter}"


def body_room(centre: str, body: str) -> str:
    """Staff who oversee some bodies only (a Ministry of Health supervisor): they hear those bodies'
    services and counters, never the others' (not the centre room)."""
    return f"body:{centre}:{body}"


def central_room(centre: str) -> str:
    """The central board's watchers of a centre (namespace /central)."""
    return f"central:{centre}"


class Publisher:
    def __init__(self, socketio: SocketIO, db: Database, catalog: Catalog) -> None:
        self.socketio = socketio
        self.db = db
        self.catalog = catalog
        self._queue_pending: set[str] = set()
        self._places_pending: set[tuple[str, str]] = set()
        self._central_pending: set[str] = set()
        self._snapshots: dict[tuple[str, tuple[str, ...] | None], tuple[float, dict[str, Any]]] = {}
        self.listeners: list[Callable[[list[Event]], None]] = []  # e.g. metrics.Metrics.observe

    def snapshot(self, centre: str, zones: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The hall snapshot sent to each client on connect, shared by clients connecting within
        SNAPSHOT_TTL seconds (after a restart every screen reconnects at once) and dropped as soon as
        this process publishes an event of the centre. With several processes, a snapshot may miss an
        event published by another process during its last SNAPSHOT_TTL seconds. A screen passes its
        zones: its recent calls are those of its zones' counters."""
        key = (centre, zones)
        cached = self._snapshots.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < SNAPSHOT_TTL:
            return cached[1]
        with self.db.reading() as session:
            snapshot = hall.hall_snapshot(session, self.catalog.centre(centre), utcnow(), zones)
        self._snapshots[key] = (now, snapshot)
        return snapshot

    def publish(self, events: Iterable[Event]) -> None:
        events = list(events)
        for listener in self.listeners:
            try:
                listener(events)
            except Exception:  # a listener never stops the screens
                log.exception("event listener failed")
        for event in events:
            for key in [key for key in self._snapshots if key[0] == event.centre]:
                self._snapshots.pop(key, None)
            self._central_changed_soon(event.centre)
            if isinstance(event, TicketCalled):
                self._ticket_called(event)
            elif isinstance(event, QueueChanged):
                self._queue_changed_soon(event.centre)
                for service in event.services if event.reordered else ():
                    self._places_soon(event.centre, service)
            elif isinstance(event, CounterChanged):
                self._counter_changed(event)
            elif isinstance(event, TicketChanged):
                self.socketio.emit(
                    "ticket_changed",
                    {"tracking_code": event.tracking_code, "status": event.status},
                    to=ticket_room(event.tracking_code),
                    namespace="/track",
                )
            elif isinstance(event, CalledOutOfTurn):
                payload = hall.out_of_turn_entry(event)
                rooms = [centre_room(event.centre), *self._body_rooms(event.centre, [event.service])]
                self.socketio.emit("call_out_of_turn", payload, to=rooms, namespace="/hall")

    def print_status(self, centre: str, job: dict[str, Any] | None, printer: dict[str, Any]) -> None:
        """A kiosk print job or printer changed: staff of the centre only (never the hall screens)."""
        payload = {"centre": centre, "job": job, "printer": printer}
        rooms = [centre_room(centre), *(body_room(centre, b.code) for b in self.catalog.centre(centre).config.bodies)]
        self.socketio.emit("print_status", payload, to=rooms, namespace="/hall")  # the kiosks serve every body

    def hall_changed(self) -> None:
        """A newer hall configuration is in force in this process: its own clients only (each process tells
        its own once it has the change, so no page reads the hall again from a process still without it)."""
        self._snapshots.clear()
        for namespace in ("/hall", "/central"):
            self.socketio.emit("hall_changed", {}, namespace=namespace, ignore_queue=True)

    def resync(self) -> None:
        """Messages between processes were lost: every client reads its state again."""
        for namespace in ("/hall", "/track"):
            self.socketio.emit("resync", {}, namespace=namespace)

    def _zones_of(self, centre: str) -> list[str]:
        return [z.code for z in self.catalog.centre(centre).config.zones]

    def _bodies_of(self, centre: str, services: Iterable[str]) -> list[str]:
        """The bodies these services belong to (a counter may serve two bodies' services)."""
        config = self.catalog.centre(centre).config
        return sorted({body.code for code in services if (body := config.body_of(code)) is not None})

    def _body_rooms(self, centre: str, services: Iterable[str]) -> list[str]:
        return [body_room(centre, body) for body in self._bodies_of(centre, services)]

    def _emit_hall(self, name: str, payload: dict[str, Any], centre: str, zones: Iterable[str]) -> None:
        rooms = [centre_room(centre), *(zone_room(centre, z) for z in zones)]
        self.socketio.emit(name, payload, to=rooms, namespace="/hall")

    def _ticket_called(self, event: TicketCalled) -> None:
        payload = hall.call_entry(self.catalog.centre(event.centre), event)
        self._emit_hall("ticket_called", payload, event.centre, [payload["zone"]] if payload["zone"] else [])
        if rooms := self._body_rooms(event.centre, [event.service]):
            self.socketio.emit("ticket_called", payload, to=rooms, namespace="/hall")
        self.socketio.emit(
            "ticket_changed",
            {"tracking_code": event.tracking_code, "status": Status.CALLED.value, "counter": payload["counter"]},
            to=ticket_room(event.tracking_code),
            namespace="/track",
        )

    def _counter_changed(self, event: CounterChanged) -> None:
        centre = self.catalog.centre(event.centre)
        if event.record is not None:
            entry = hall.counter_entry(centre, event.record, event.record, event.clerk, event.ticket)
        else:
            with self.db.reading() as session:
                entry = hall.counter_changed_entry(session, centre, event, utcnow())
        payload = {"centre": event.centre, "counter": entry}
        rooms = [centre_room(event.centre), counter_room(event.centre, event.counter)]
        rooms += self._body_rooms(event.centre, entry["services"])
        self.socketio.emit("counter_changed", payload, to=rooms, namespace="/hall")

    def _queue_changed_soon(self, centre: str) -> None:
        if centre in self._queue_pending:
            return
        self._queue_pending.add(centre)
        self.socketio.start_background_task(self._queue_changed_later, centre)

    def _places_soon(self, centre: str, service: str) -> None:
        """The places of a queue's waiting tickets, at most once per PLACES_DEBOUNCE seconds per queue."""
        if (centre, service) in self._places_pending:
            return
        self._places_pending.add((centre, service))
        self.socketio.start_background_task(self._places_later, centre, service)

    def _places_later(self, centre: str, service: str) -> None:
        self.socketio.sleep(PLACES_DEBOUNCE)
        self._places_pending.discard((centre, service))
        try:
            with self.db.reading() as session:
                frames = places_json(session, self.catalog.centre(centre), service, utcnow())
        except Exception:  # the phones' safety re-read (track.js) catches up; a call never waits for them
            log.exception("places of %s/%s", centre, service)
            return
        for frame in frames:
            self.socketio.emit("place_changed", frame, to=ticket_room(frame["tracking_code"]), namespace="/track")

    def _central_changed_soon(self, centre: str) -> None:
        """The centre's row of the central board, at most once per CENTRAL_DEBOUNCE seconds per centre."""
        if centre in self._central_pending:
            return
        self._central_pending.add(centre)
        self.socketio.start_background_task(self._central_changed_later, centre)

    def _central_changed_later(self, centre: str) -> None:
        self.socketio.sleep(CENTRAL_DEBOUNCE)
        self._central_pending.discard(centre)
        try:
            with self.db.reading() as session:
                row = central.centre_row(session, self.catalog.centre(centre), utcnow())
        except Exception:  # the board waits for the next change; the halls never wait for the board
            log.exception("central board row of %s", centre)
            return
        self.socketio.emit("centre_changed", {"centre": row}, to=central_room(centre), namespace="/central")

    def _queue_changed_later(self, centre: str) -> None:
        self.socketio.sleep(QUEUE_DEBOUNCE)
        self._queue_pending.discard(centre)
        self.queue_changed_now(centre)

    def queue_changed_now(self, centre: str) -> None:
        with self.db.reading() as session:
            payload = hall.queue_entry(session, self.catalog.centre(centre), utcnow())
        self._emit_hall("queue_changed", payload, centre, self._zones_of(centre))
        for body in self.catalog.centre(centre).config.bodies:
            theirs = [s for s in payload["services"] if s["body"] == body.code]
            body_payload = {**payload, "services": theirs}
            self.socketio.emit("queue_changed", body_payload, to=body_room(centre, body.code), namespace="/hall")
