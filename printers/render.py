"""Lay a TicketPrintout out as ESC/POS bytes: pure, no I/O, so it is asserted on bytes in tests.

Arabic (and any right-to-left) lines become small raster images (``GS v 0``) shaped by libraqm;
Latin text and digits stay native printer text, the ticket number is native text at a large size,
and the QR code is the printer's own ``GS ( k`` unless the printer lacks it. python-escpos's Dummy
printer assembles the commands, so we inherit its tested encodings instead of hand-writing bytes.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from printers.arabic import has_rtl, rasterise_tight
from printers.profile import PrinterProfile, escpos_profile_class, profile_for
from printers.ticket import TicketPrintout

NATIVE_ENCODING = "cp1252"  # what a line must fit in to be printed as native text


@dataclass(frozen=True, slots=True)
class Layout:
    """Sizes that depend on the paper width."""

    title_px: int
    body_px: int
    small_px: int
    number_scale: int  # GS ! multiplier for the ticket number, 1..8
    qr_module: int  # QR dot size, 1..16
    rule_chars: int  # font A columns, for the separator rule


LAYOUTS: dict[int, Layout] = {
    80: Layout(title_px=28, body_px=24, small_px=22, number_scale=6, qr_module=6, rule_chars=48),
    58: Layout(title_px=24, body_px=22, small_px=20, number_scale=4, qr_module=5, rule_chars=32),
}


class _TicketWriter:
    """Helpers over one Dummy printer: route each line to raster or native text."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        self.layout = LAYOUTS[profile.paper_mm]
        self.printer = Dummy()
        # Dummy(profile=...) only accepts names; assign our width-aware profile instance directly.
        self.printer.profile = escpos_profile_class(profile)()

    def raster(self, text: str, size: int, language: str = "ar", weight: int = 500) -> None:
        """Print ``text`` as a shaped image, trimmed to its ink and centred by the printer."""
        if text:
            dots = self.profile.dots
            image = rasterise_tight(text, width=dots, size=size, language=language, weight=weight)
            self.printer.image(image, impl="bitImageRaster", center=False)

    def line(self, text: str, *, bold: bool = False, size: int | None = None, language: str = "en") -> None:
        """Print ``text`` natively when the printer's code page can hold it (wrapped at whole words to the
        paper's width), else as a raster."""
        if not text:
            return
        if has_rtl(text) or not _native_ok(text):
            self.raster(text, size or self.layout.body_px, language=language)
            return
        if bold:
            self.printer.set(bold=True)
        for part in textwrap.wrap(text, self.layout.rule_chars) or [text]:  # whole words on narrow paper
            self.printer.textln(part)
        if bold:
            self.printer.set(bold=False)

    def rule(self) -> None:
        self.printer.textln("-" * self.layout.rule_chars)


def _native_ok(text: str) -> bool:
    try:
        text.encode(NATIVE_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def render_ticket(
    printout: TicketPrintout,
    paper: int = 80,
    native_qr: bool = True,
    *,
    profile: PrinterProfile | None = None,
) -> bytes:
    """Render ``printout`` for a ``paper`` mm printer (58 or 80) and return the ESC/POS bytes.

    ``native_qr=False`` prints the QR code as a raster for printers without ``GS ( k``. A ``profile``,
    when given, overrides ``paper`` and ``native_qr``.
    """
    profile = profile or profile_for(paper, native_qr=native_qr)
    out = _TicketWriter(profile)
    p, layout = out.printer, out.layout

    p.hw("INIT")
    p.set(align="center")
    out.raster(printout.centre_name_ar, layout.title_px, weight=600)
    out.line(printout.centre_name_en, bold=True)
    out.raster(printout.body_name_ar, layout.body_px)
    out.line(printout.body_name_en)
    out.rule()
    out.raster(printout.service_name_ar, layout.title_px, weight=600)
    out.line(printout.service_name_en, bold=True)
    out.raster(printout.priority_label_ar, layout.body_px, weight=600)
    out.line(printout.priority_label_en, bold=True)

    p.set(custom_size=True, width=layout.number_scale, height=layout.number_scale, bold=True)
    p.textln(printout.number)
    p.set(normal_textsize=True, bold=False)

    out.raster(f"{printout.people_ahead_label_ar}: {printout.people_ahead}", layout.small_px)
    out.line(f"{printout.people_ahead_label_en}: {printout.people_ahead}", bold=True)
    out.raster(f"{printout.eta_label_ar}: {printout.eta_text_ar}", layout.small_px)
    out.line(f"{printout.eta_label_en}: {printout.eta_text_en}")
    if printout.transactions is not None:
        out.raster(f"{printout.transactions_label_ar}: {printout.transactions}", layout.small_px)
        out.line(f"{printout.transactions_label_en}: {printout.transactions}")
    if printout.legs_ar or printout.legs_en:
        out.rule()
        out.raster(printout.legs_label_ar, layout.small_px, weight=600)
        out.line(printout.legs_label_en, bold=True)
        for leg_ar, leg_en in zip(printout.legs_ar, printout.legs_en, strict=True):
            out.raster(leg_ar, layout.small_px)
            out.line(leg_en)
        out.rule()
    for extra in printout.extra_lines:
        out.raster(extra, layout.small_px, language=printout.extra_language)

    if printout.qr_url:
        p.qr(printout.qr_url, ec=QR_ECLEVEL_M, size=layout.qr_module, native=profile.native_qr)
        if profile.native_qr:
            p.ln()
    out.line(printout.issued_at)
    out.rule()
    out.raster(printout.footer_ar, layout.small_px)
    out.line(printout.footer_en)
    p.cut()
    return bytes(p.output)
