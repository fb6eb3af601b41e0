"""Tabour's ESC/POS printing: ticket -> bytes (render), bytes -> device (backends), spooler, kiosk agent.

Stands alone: never imports flask or queue_app, so the server, the kiosk agent and the tests share it.
"""

from printers.errors import DriverMissing, PrinterConfigError, PrinterError, PrinterUnavailable
from printers.profile import PAPER_DOTS, PrinterProfile, profile_for, profile_from_escpos
from printers.render import render_ticket
from printers.ticket import TicketPrintout

__all__ = [
    "PAPER_DOTS",
    "DriverMissing",
    "PrinterConfigError",
    "PrinterError",
    "PrinterProfile",
    "PrinterUnavailable",
    "TicketPrintout",
    "profile_for",
    "profile_from_escpos",
    "render_ticket",
]
