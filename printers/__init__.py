"""Tabour's ESC/POS printing: ticket -> bytes (render), bytes -> device (backends), spooler, kiosk agent.

Stands alone: never imports flask or queue_app, so the server, the kiosk agent and the tests share it.
"""

from printers import _escpos_env  # noqa: F401  (first: configures escpos before it is imported)
from printers.backends import BACKENDS, Backend, PrinterStatus, make_backend
from printers.errors import DriverMissing, PrinterConfigError, PrinterError, PrinterUnavailable
from printers.jobs import InMemoryJobStore, JobStatus, JobStore, PrintJob
from printers.profile import PAPER_DOTS, PrinterProfile, profile_for, profile_from_escpos
from printers.render import render_ticket
from printers.spooler import RetryPolicy, Spooler
from printers.ticket import TicketPrintout

__all__ = [
    "BACKENDS",
    "PAPER_DOTS",
    "Backend",
    "DriverMissing",
    "InMemoryJobStore",
    "JobStatus",
    "JobStore",
    "PrintJob",
    "PrinterConfigError",
    "PrinterError",
    "PrinterProfile",
    "PrinterStatus",
    "PrinterUnavailable",
    "RetryPolicy",
    "Spooler",
    "TicketPrintout",
    "make_backend",
    "profile_for",
    "profile_from_escpos",
    "render_ticket",
]
