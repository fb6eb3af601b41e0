"""The ticket as plain, already-translated values: what render_ticket() lays out, nothing more."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TicketPrintout:
    """Everything printed on one ticket; strings are final text, the printer package translates nothing.

    Arabic fields are printed as raster images (shaped by libraqm), English fields and digits as native
    printer text. ``extra_lines`` are further right-to-left lines (e.g. Urdu) printed as rasters in
    ``extra_language``. The ``*_label_*`` fields have Arabic/English defaults the server may override.
    """

    centre_name_ar: str
    centre_name_en: str
    body_name_ar: str
    body_name_en: str
    service_name_ar: str
    service_name_en: str
    number: str
    people_ahead: int
    eta_text_ar: str
    eta_text_en: str
    issued_at: str
    qr_url: str
    footer_ar: str = ""
    footer_en: str = ""
    priority_label_ar: str = ""
    priority_label_en: str = ""
    transactions: int | None = None
    extra_lines: tuple[str, ...] = ()
    extra_language: str = "ur"
    people_ahead_label_ar: str = "عدد المنتظرين قبلك"
    people_ahead_label_en: str = "People ahead"
    eta_label_ar: str = "وقت الانتظار المتوقع"
    eta_label_en: str = "Estimated wait"
    transactions_label_ar: str = "عدد المعاملات"
    transactions_label_en: str = "Transactions"
    # a family visit: every service of it, one line per service in each language (final text)
    legs_ar: tuple[str, ...] = ()
    legs_en: tuple[str, ...] = ()
    legs_label_ar: str = "خدماتك، عند كاونتر واحد في كل مرة"
    legs_label_en: str = "Your services, one counter at a time"
