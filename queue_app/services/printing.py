"""Kiosk tickets on paper: the printout built from a ticket, and the print worker.

Render-then-send: ``PrintWorker.reserve`` stores the ticket's job, without bytes, in the transaction that
issues the ticket; ``submit_ticket`` lays the printout out with already-translated texts, and rendering
the ESC/POS bytes happens off the request; one ``printers.Spooler`` per kiosk printer then sends it with
retries. A printer that is off never blocks a request, and a process killed before rendering leaves a
reserved job that a worker renders (or, too late for its visitor, marks failed). Nothing here imports
Flask: the web layer hands in the translations and the tracking URL as callables.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from printers import (
    Backend,
    JobStatus,
    PrinterStatus,
    PrintJob,
    RetryPolicy,
    Spooler,
    TicketPrintout,
    make_backend,
    render_ticket,
)
from printers.errors import PrinterError
from printers.spooler import lease_for

from ..domain.calendar import local_time
from ..domain.eta import Estimate
from ..settings import Printer
from ..store import models
from ..store import visits as visits_store
from ..store.database import Database, utcnow
from .catalog import Catalog, CentreCatalog
from .print_store import RENDERING, SqlJobStore, reserve_job
from .queue_state import ticket_estimate

log = logging.getLogger(__name__)

#: Printer config keys that tune the spooler, not the backend.
SPOOLER_KEYS = ("paper", "native_qr")
TWO_WAY = frozenset({"network", "usb", "serial"})  # backends whose status() asks the printer


def printer_key(centre: str, kiosk: str) -> str:
    """The spooler's name for a kiosk's printer."""
    return f"{centre}/{kiosk}"


# -- the printout --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintTexts:
    """The fixed words of a ticket in one language (given by the web layer, translated by gettext)."""

    people_ahead: str
    eta: str
    eta_range: str  # "%(low)s–%(high)s min"
    transactions: str
    priority: Mapping[str, str]  # elderly / disabled -> label
    footer: str
    legs: str = "Your services, one counter at a time"
    relations: Mapping[str, str] = field(default_factory=dict)  # a leg's "for whom" -> word


def printout_for(
    session: Session,
    centre: CentreCatalog,
    ticket_id: int,
    texts: Callable[[str], PrintTexts],
    tracking_url: Callable[[str], str],
    ahead: tuple[int, Estimate] | None = None,
) -> TicketPrintout:
    """The ticket's printout: Arabic and English always, one more Urdu block when the visitor chose Urdu.
    `ahead` is the (people ahead, ETA) the visitor was shown at issue; recomputed when not given."""
    ticket = session.get(models.Ticket, ticket_id)
    if ticket is None:
        raise LookupError(f"no ticket {ticket_id}")
    position, eta = ahead if ahead is not None else ticket_estimate(session, centre, ticket, utcnow())
    service_code = centre.service_code(ticket.service_id)
    service = centre.service(service_code)
    body = centre.config.body_of(service_code)
    ar, en = texts("ar"), texts("en")
    names = centre.config.names
    extra: tuple[str, ...] = ()
    if ticket.lang == "ur":
        ur = texts("ur")
        extra = (
            service.names.get("ur"),
            f"{ur.people_ahead}: {position}",
            f"{ur.eta}: {ur.eta_range % {'low': eta.low, 'high': eta.high}}",
        )
    plan = visit_lines(session, centre, ticket_id, texts) if ticket.legs > 1 else {}
    if ticket.lang == "ur" and plan:
        extra += (ur.legs, *plan["ur"])
    priority = ticket.priority if ticket.priority in ar.priority else None
    issued = local_time(ticket.issued_at, centre.config.tz)
    return TicketPrintout(
        centre_name_ar=names.get("ar"),
        centre_name_en=names.get("en"),
        body_name_ar=body.names.get("ar") if body else "",
        body_name_en=body.names.get("en") if body else "",
        service_name_ar=service.names.get("ar"),
        service_name_en=service.names.get("en"),
        number=ticket.number,
        people_ahead=position,
        eta_text_ar=ar.eta_range % {"low": eta.low, "high": eta.high},
        eta_text_en=en.eta_range % {"low": eta.low, "high": eta.high},
        issued_at=issued.strftime("%Y-%m-%d %H:%M"),
        qr_url=tracking_url(ticket.tracking_code),
        footer_ar=ar.footer,
        footer_en=en.footer,
        priority_label_ar=ar.priority[priority] if priority else "",
        priority_label_en=en.priority[priority] if priority else "",
        transactions=ticket.transactions if ticket.transactions > 1 else None,
        extra_lines=extra,
        extra_language="ur",
        people_ahead_label_ar=ar.people_ahead,
        people_ahead_label_en=en.people_ahead,
        eta_label_ar=ar.eta,
        eta_label_en=en.eta,
        transactions_label_ar=ar.transactions,
        transactions_label_en=en.transactions,
        legs_ar=tuple(plan.get("ar", ())),
        legs_en=tuple(plan.get("en", ())),
        legs_label_ar=ar.legs,
        legs_label_en=en.legs,
    )


def visit_lines(
    session: Session, centre: CentreCatalog, ticket_id: int, texts: Callable[[str], PrintTexts]
) -> dict[str, list[str]]:
    """Per language, one line per leg of a family visit: "1. Interior — Residency renewal ×2 (Child)"."""
    legs = visits_store.legs_of(session, ticket_id)
    lines: dict[str, list[str]] = {}
    for lang in ("ar", "en", "ur"):
        words = texts(lang)
        lines[lang] = []
        for number, leg in enumerate(legs, start=1):
            code = centre.service_code(leg.service_id)
            body = centre.config.body_of(code)
            where = f"{body.names.get(lang)} — " if body else ""
            who = f" ({words.relations[leg.relation]})" if leg.relation and leg.relation in words.relations else ""
            service = centre.service(code).names.get(lang)
            lines[lang].append(f"{number}. {where}{service} ×{leg.transactions}{who}")
    return lines


# -- the job store -------------------------------------------------------------------------------


# -- the worker ----------------------------------------------------------------------------------


def retry_policy(base: float = 1.0, deadline: float = 180.0) -> RetryPolicy:
    """Backoff from the first delay (`base`, s), doubling up to 30 s, given up after `deadline` s.

    The deadline decides when a job is given up: a ticket printed minutes after the visitor walked
    away from the kiosk only confuses the next one, and staff can reprint a failed job.
    """
    return RetryPolicy(
        first_delay=base, factor=2.0, max_delay=max(base, min(30.0, base * 16)), max_attempts=10_000, deadline=deadline
    )


@dataclass
class PrinterState:
    """What staff see of one kiosk printer."""

    centre: str
    kiosk: str
    backend: str
    status: str = PrinterStatus.UNKNOWN.value
    checked_at: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"kiosk": self.kiosk, "backend": self.backend, "status": self.status}


@dataclass
class _Printer:
    config: Printer
    store: SqlJobStore
    spooler: Spooler
    state: PrinterState
    backend: Backend | None = None


@dataclass
class PrintWorker:
    """Every kiosk printer of the deployment: a spooler each, their status, and the submit side.

    ``agent_backend(key)`` builds the link to a kiosk's print agent (for ``backend: agent``);
    ``on_change(centre, job_dict, printer_dict)`` tells staff (the publisher emits ``print_status``).
    """

    db: Database
    catalog: Catalog
    texts: Callable[[str], PrintTexts]
    tracking_url: Callable[[str], str]
    agent_backend: Callable[[str], Backend] | None = None
    on_change: Callable[[str, dict[str, Any] | None, dict[str, Any]], None] | None = None
    retry: RetryPolicy = field(default_factory=retry_policy)
    status_interval: float = 20.0
    agents: Any = None  # realtime.printing.AgentLinks: which agent session serves which kiosk
    printers: dict[str, _Printer] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._check = threading.Event()
        self._status_thread: threading.Thread | None = None
        self._started = False
        self.refresh()

    def refresh(self) -> None:
        """A spooler for each kiosk printer of the catalog in force: new printers get one, a printer whose
        settings changed gets a new one (its stored jobs wait for it), a printer no longer there stops."""
        wanted = {
            printer_key(centre.code, kiosk.code): (centre, kiosk.code, kiosk.printer)
            for centre in self.catalog.centres.values()
            for kiosk in centre.config.kiosks
            if kiosk.printer is not None
        }
        for key, printer in list(self.printers.items()):
            if key not in wanted or wanted[key][2] != printer.config:
                self.printers.pop(key).spooler.stop(timeout=2)
        for key, (centre, kiosk, config) in wanted.items():
            if key not in self.printers:
                self.printers[key] = self._printer(key, centre, kiosk, config)
                if self._started:
                    self.printers[key].spooler.start()

    def _printer(self, key: str, centre: CentreCatalog, kiosk: str, config: Printer) -> _Printer:
        store = SqlJobStore(self.db, key, centre.id, lease_for(self.retry))
        spooler = Spooler(store, self._backend_for, retry=self.retry, on_change=self._job_changed, idle_poll=5.0)
        state = PrinterState(centre.code, kiosk, config.backend)
        if config.backend == "agent":
            state.status = PrinterStatus.OFFLINE.value  # until its agent connects
        return _Printer(config, store, spooler, state)

    # -- backends -------------------------------------------------------------------------------
    def _backend_for(self, key: str) -> Backend:
        printer = self.printers[key]
        if printer.backend is None:
            if printer.config.backend == "agent":
                if self.agent_backend is None:
                    raise PrinterError("no print agent link configured")
                printer.backend = self.agent_backend(key)
            else:
                options = {k: v for k, v in printer.config.backend_options().items() if k not in SPOOLER_KEYS}
                printer.backend = make_backend(options)
        return printer.backend

    # -- submit side (request handlers) ---------------------------------------------------------
    def reserve(self, session: Session, centre: CentreCatalog, kiosk_code: str, ticket_id: int) -> str | None:
        """Store the ticket's print job (no bytes yet) in the issuing transaction; its id, or None when
        the kiosk has no printer. The ticket and its job are committed together or not at all."""
        key = printer_key(centre.code, kiosk_code)
        if key not in self.printers:
            return None
        job_id = str(uuid.uuid4())
        reserve_job(session, job_id, key, centre.id, ticket_id, time.time())
        return job_id

    def submit_ticket(
        self,
        centre: CentreCatalog,
        kiosk_code: str,
        job_id: str | None,
        ticket_id: int,
        ahead: tuple[int, Estimate] | None = None,
    ) -> dict[str, Any]:
        """Gather the printout of a committed ticket's reserved job and return at once: rendering (a few
        ms of CPU) and sending happen in the background, so the kiosk's request never waits on the printer."""
        if job_id is None:
            return {"job": None, "status": "no_printer"}
        with self.db.reading() as session:
            printout = printout_for(session, centre, ticket_id, self.texts, self.tracking_url, ahead)
        printer = self.printers[printer_key(centre.code, kiosk_code)]
        threading.Thread(target=self._render, args=(printer, job_id, printout), daemon=True).start()
        return {"job": job_id, "status": "queued"}

    def _render(self, printer: _Printer, job_id: str, printout: TicketPrintout) -> None:
        """Render the bytes (the costly part) into the reserved job and wake the spooler."""
        try:
            data = render_ticket(printout, paper=printer.config.paper, native_qr=printer.config.native_qr)
            if printer.store.fill(job_id, data, time.time()):
                printer.spooler.wake()
                job = printer.store.get(job_id)
                if job is not None:
                    self._job_changed(job)
        except Exception:  # the job stays reserved: render_orphans() takes it up
            log.exception("could not render print job %s", job_id)

    def render_orphans(self, now: float, grace: float = 10.0) -> None:
        """Render the reserved jobs whose process stopped before rendering them (older than ``grace``
        seconds); a job older than the retry deadline is marked failed instead: its visitor has left
        the kiosk, and a ticket printed for the next one is a stranger's ticket."""
        for printer in self.printers.values():
            for job_id, ticket_id, created in printer.store.unrendered(now - grace):
                centre = self.catalog.by_id(printer.store.centre_id)
                if ticket_id is None or now - created >= self.retry.deadline:
                    printer.store.abandon(job_id, "not printed: the server stopped before rendering it")
                    continue
                with self.db.reading() as session:
                    printout = printout_for(session, centre, ticket_id, self.texts, self.tracking_url)
                self._render(printer, job_id, printout)

    def reprint(self, centre: CentreCatalog, job_id: str) -> dict[str, Any]:
        """A new job with the bytes of ``job_id`` (failed, or torn at the kiosk)."""
        with self.db.reading() as session:
            row = session.get(models.PrintJob, job_id)
            if row is None or row.centre_id != centre.id or row.status == RENDERING:
                raise LookupError(job_id)
            key, data, ticket_id = row.printer_key, bytes(row.data), row.ticket_id
        printer = self.printers.get(key)
        if printer is None:
            raise LookupError(job_id)
        job = PrintJob.new(key, data, time.time(), reprint_of=job_id)
        if ticket_id is not None:
            printer.store.ticket_ids[job.id] = ticket_id
        printer.spooler.submit(job)
        return {"job": job.id, "status": "queued", "reprint_of": job_id}

    def printer_came_back(self, key: str) -> None:
        """An agent connected (or a printer answered again): send its pending jobs now."""
        printer = self.printers.get(key)
        if printer is None:
            return
        printer.store.due_now(time.time())
        printer.spooler.wake()

    def set_status(self, key: str, status: str) -> None:
        """Record a printer's status; tell staff when it changed."""
        printer = self.printers.get(key)
        if printer is None:
            return
        changed = printer.state.status != status
        printer.state = replace(printer.state, status=status, checked_at=time.time())
        if changed and self.on_change is not None:
            try:
                self.on_change(printer.state.centre, None, printer.state.as_dict())
            except Exception:
                log.exception("print status listener failed")

    def printer_states(self, centre: str) -> list[dict[str, Any]]:
        return [p.state.as_dict() for p in self.printers.values() if p.state.centre == centre]

    def job_json(self, row: models.PrintJob, number: str | None) -> dict[str, Any]:
        """A job as the API and the ``print_status`` event show it (no bytes)."""
        printer = self.printers.get(row.printer_key)
        kiosk = row.printer_key.split("/", 1)[-1]
        return {
            "id": row.id,
            "kiosk": kiosk,
            "ticket": number,
            "status": JobStatus.PENDING.value if row.status == RENDERING else row.status,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "problem": row.status == "failed" or (row.status == "pending" and row.attempts > 0),
            "printer_status": printer.state.status if printer else PrinterStatus.UNKNOWN.value,
            "created_at": row.created_at.isoformat() + "Z",
            "printed_at": row.printed_at.isoformat() + "Z" if row.printed_at else None,
        }

    def describe(self, session: Session, job_id: str) -> tuple[str, int, dict[str, Any]] | None:
        """(printer key, centre id, job as JSON) of ``job_id``, or None."""
        row = session.get(models.PrintJob, job_id)
        if row is None:
            return None
        number = session.scalar(select(models.Ticket.number).where(models.Ticket.id == row.ticket_id))
        return row.printer_key, row.centre_id, self.job_json(row, number)

    def _job_changed(self, job: PrintJob) -> None:
        if job.last_error and job.status is not JobStatus.PRINTED:
            self._check.set()  # ask the printer why (paper out? cover open?)
        elif job.status is JobStatus.PRINTED:
            self.set_status(job.printer_key, PrinterStatus.ONLINE.value)
        if self.on_change is None:
            return
        with self.db.reading() as session:
            described = self.describe(session, job.id)
        if described is not None:
            key, _centre_id, payload = described
            printer = self.printers.get(key)
            self.on_change(printer.state.centre if printer else "", payload, printer.state.as_dict() if printer else {})

    # -- lifecycle (run.py's workers.start) -------------------------------------------------------
    def start(self) -> None:
        self._started = True
        for printer in self.printers.values():
            printer.spooler.start()
        self._stopping.clear()
        self._status_thread = threading.Thread(target=self._status_loop, name="tabour-printer-status", daemon=True)
        self._status_thread.start()

    def stop(self) -> None:
        self._started = False
        self._stopping.set()
        self._check.set()
        for printer in self.printers.values():
            printer.spooler.stop(timeout=2)

    def check_status_now(self) -> None:
        """Query each two-way printer (DLE EOT) once; memory printers report themselves."""
        for key, printer in list(self.printers.items()):
            if printer.config.backend == "agent":
                continue  # the /print namespace reports agents
            try:
                status = self._backend_for(key).status()
            except Exception as exc:  # a broken driver must not stop the loop
                log.warning("status of printer %s failed: %s", key, exc)
                status = PrinterStatus.UNKNOWN
            came_back = status is PrinterStatus.ONLINE and printer.state.status != PrinterStatus.ONLINE.value
            self.set_status(key, status.value)
            if came_back:
                self.printer_came_back(key)

    def _status_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.render_orphans(time.time())
                self.check_status_now()
            except Exception:
                log.exception("printer status check failed")
            self._check.wait(self.status_interval)
            self._check.clear()
