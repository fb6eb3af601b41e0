"""Render a ticket, send it to a fake network printer, decode the captured bytes and check them."""

from __future__ import annotations

import pytest
import qrcode
from PIL import Image, ImageChops

from printers import TicketPrintout, render_ticket
from printers.arabic import rasterise_line, rasterise_tight
from printers.backends import NetworkBackend
from printers.profile import PAPER_DOTS
from printers.render import LAYOUTS

from .conftest import make_printout
from .escpos_decode import decode
from .fake_printer import FakePrinter

MAX_TICKET_BYTES = 12 * 1024


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    return ImageChops.invert(image.convert("L")).getbbox()


def expected_arabic_lines(t: TicketPrintout, paper: int) -> list[tuple[str, int, str, int]]:
    """(text, size, language, weight) of every raster line, in print order."""
    layout = LAYOUTS[paper]
    lines = [
        (t.centre_name_ar, layout.title_px, "ar", 600),
        (t.body_name_ar, layout.body_px, "ar", 500),
        (t.service_name_ar, layout.title_px, "ar", 600),
        (f"{t.people_ahead_label_ar}: {t.people_ahead}", layout.small_px, "ar", 500),  # the number in Arabic too
        (f"{t.eta_label_ar}: {t.eta_text_ar}", layout.small_px, "ar", 500),
        (f"{t.transactions_label_ar}: {t.transactions}", layout.small_px, "ar", 500),
    ]
    if t.legs_ar:
        lines.append((t.legs_label_ar, layout.small_px, "ar", 600))
        lines += [(leg, layout.small_px, "ar", 500) for leg in t.legs_ar]
    lines += [(extra, layout.small_px, t.extra_language, 500) for extra in t.extra_lines]
    lines.append((t.footer_ar, layout.small_px, "ar", 500))
    return lines


@pytest.mark.parametrize("paper", [80, 58])
def test_ticket_over_network_decodes_back(paper: int, printout: TicketPrintout, fake_printer: FakePrinter):
    data = render_ticket(printout, paper=paper)
    NetworkBackend("127.0.0.1", fake_printer.port, timeout=2).send(data)
    (received,) = fake_printer.wait_for_jobs(1)
    assert received == data
    assert len(received) <= MAX_TICKET_BYTES

    ticket = decode(received)
    assert ticket.inits == 1
    assert ticket.unknown == []
    (qr,) = ticket.qrcodes
    assert qr.payload == printout.qr_url and qr.printed
    number = next(run for run in ticket.texts if run.text == "A012")
    assert number.style.width == number.style.height == LAYOUTS[paper].number_scale >= 4
    assert "People ahead: 7" in ticket.text
    assert "Estimated wait: 10–15 min" in ticket.text
    assert "Public Services Centre – Riyadh" in ticket.text
    assert len(ticket.cuts) == 1 and ticket.items[-1] == ticket.cuts[0]

    expected = expected_arabic_lines(printout, paper)
    assert len(ticket.rasters) == len(expected)
    for raster, (text, size, language, weight) in zip(ticket.rasters, expected, strict=True):
        want = rasterise_tight(text, width=PAPER_DOTS[paper], size=size, language=language, weight=weight)
        assert same_pixels(raster.image, want), text
        assert raster.style.align == 1  # centred by the printer
        assert raster.image.width <= PAPER_DOTS[paper]


def test_a_family_visit_prints_every_service_in_both_languages_whole_words_on_narrow_paper():
    printout = make_printout(
        legs_ar=(
            "1. وزارة الداخلية — تجديد الإقامة ×2 (ابن)",
            "2. الهيئة العامة للمعلومات المدنية — البطاقة المدنية ×4",
        ),
        legs_en=("1. Ministry of Interior — Residency renewal ×2 (Child)", "2. PACI — Civil ID ×4"),
    )
    for paper in (80, 58):
        ticket = decode(render_ticket(printout, paper=paper))
        expected = expected_arabic_lines(printout, paper)
        assert len(ticket.rasters) == len(expected)
        for raster, (text, size, language, weight) in zip(ticket.rasters, expected, strict=True):
            want = rasterise_tight(text, width=PAPER_DOTS[paper], size=size, language=language, weight=weight)
            assert same_pixels(raster.image, want), text
        lines = [run.text.strip() for run in ticket.texts]
        assert "2. PACI — Civil ID ×4" in lines
        words = ticket.text.split()
        for word in ("Residency", "renewal", "Interior", "(Child)", "services,"):
            assert word in words  # never cut in two
        width = LAYOUTS[paper].rule_chars
        assert all(len(line) <= width for line in lines if line != printout.number)


def test_no_arabic_goes_out_as_native_text(printout: TicketPrintout):
    ticket = decode(render_ticket(printout))
    arabic_codepages = {32, 37}  # CP720, CP864: would print unjoined, reversed letters
    assert not {run.style.codepage for run in ticket.texts} & arabic_codepages
    assert all(not any("\u0600" <= ch <= "\u06ff" for ch in run.text) for run in ticket.texts)


def test_arabic_in_an_english_field_is_rasterised_not_sent_as_text():
    ticket = decode(render_ticket(make_printout(footer_en="شكراً")))
    assert "شكراً" not in ticket.text
    assert same_pixels(ticket.rasters[-1].image, rasterise_tight("شكراً", width=576, size=LAYOUTS[80].body_px))


def test_shaping_joins_letters():
    joined = rasterise_tight("مرحبا", width=576)
    # The same letters kept apart: a zero-width non-joiner between each blocks joining.
    isolated = rasterise_tight("\u200c".join("مرحبا"), width=576)
    assert not same_pixels(joined, isolated)
    # Isolated forms are wider than the connected word.
    assert ink_box(joined)[2] - ink_box(joined)[0] < ink_box(isolated)[2] - ink_box(isolated)[0]
    # Each letter rendered alone and laid side by side does not give the word either.
    letters = [rasterise_tight(ch, width=576) for ch in "مرحبا"]
    letters_ink = sum(ink_box(im)[2] - ink_box(im)[0] for im in letters)
    assert letters_ink > ink_box(joined)[2] - ink_box(joined)[0]


def test_rtl_ink_is_right_aligned():
    image = rasterise_line("مرحبا", width=576)
    assert image.width == 576 and image.mode == "1"
    left, _, right, _ = ink_box(image)
    assert right >= 576 - 8
    assert left > 576 // 2


def test_latin_line_can_be_left_aligned():
    latin = rasterise_line("Hello", width=576, language="en", align="left")
    assert ink_box(latin)[0] <= 8


@pytest.mark.parametrize("paper", [80, 58])
def test_image_qr_mode_prints_the_qr_as_raster(paper: int, printout: TicketPrintout):
    data = render_ticket(printout, paper=paper, native_qr=False)
    assert len(data) <= MAX_TICKET_BYTES
    ticket = decode(data)
    assert ticket.qrcodes == []
    # The QR raster equals the qrcode library's own symbol at the same module size.
    ec_m = qrcode.constants.ERROR_CORRECT_M
    code = qrcode.QRCode(box_size=LAYOUTS[paper].qr_module, border=1, error_correction=ec_m)
    code.add_data(printout.qr_url)
    code.make(fit=True)
    want = code.make_image()._img.convert("1")
    matches = [r for r in ticket.rasters if same_pixels(r.image.crop((0, 0, *want.size)), want)]
    assert len(matches) == 1
    assert len(ticket.rasters) == len(expected_arabic_lines(printout, paper)) + 1


def test_optional_parts_are_left_out():
    bare = make_printout(transactions=None, extra_lines=(), footer_ar="", footer_en="")
    ticket = decode(render_ticket(bare))
    assert "Transactions" not in ticket.text
    assert len(ticket.rasters) == 5


def test_render_rejects_unknown_paper(printout: TicketPrintout):
    with pytest.raises(ValueError, match="58, 80"):
        render_ticket(printout, paper=76)
