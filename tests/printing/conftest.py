"""Fixtures for the printing tests: a sample ticket and a fake network printer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from printers import TicketPrintout

from .fake_printer import FakePrinter


def make_printout(**changes: object) -> TicketPrintout:
    """A realistic ticket; override any field by keyword."""
    values: dict[str, object] = dict(
        centre_name_ar="مركز خدمات الجمهور – الرياض",
        centre_name_en="Public Services Centre – Riyadh",
        body_name_ar="وزارة الداخلية",
        body_name_en="Ministry of Interior",
        service_name_ar="تجديد جواز السفر",
        service_name_en="Passport renewal",
        number="A012",
        people_ahead=7,
        eta_text_ar="١٠–١٥ دقيقة",
        eta_text_en="10–15 min",
        issued_at="2025-03-14 09:41",
        qr_url="https://tabour.example.gov/t/7f3a9c2e-A012",
        footer_ar="نتمنى لكم يوماً سعيداً",
        footer_en="Please keep this ticket until you are called",
        transactions=2,
        extra_lines=("براہ کرم اپنی باری کا انتظار کریں",),
    )
    values.update(changes)
    return TicketPrintout(**values)  # type: ignore[arg-type]


@pytest.fixture
def printout() -> TicketPrintout:
    return make_printout()


@pytest.fixture
def fake_printer() -> Iterator[FakePrinter]:
    printer = FakePrinter().start()
    yield printer
    printer.stop()
