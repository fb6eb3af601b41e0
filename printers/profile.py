"""Paper widths and printer capabilities, on top of python-escpos's capability profiles.

``escpos`` is safe to import here: ``printers/__init__`` has already run ``printers._escpos_env``,
which gives python-escpos a stable capability cache directory.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from escpos.capabilities import CAPABILITIES, BaseProfile

PaperWidth = Literal[58, 80]

#: Printable dots per line at 203 dpi for the two common roll widths.
PAPER_DOTS: dict[int, int] = {58: 384, 80: 576}


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    """What the renderer needs to know about a printer: paper width in dots and native QR support."""

    paper_mm: int
    dots: int
    native_qr: bool = True
    escpos_profile: str = "default"

    @property
    def bytes_per_line(self) -> int:
        """Bytes in one full-width raster row (8 dots per byte)."""
        return (self.dots + 7) // 8


def profile_for(paper: int, native_qr: bool = True, escpos_profile: str = "default") -> PrinterProfile:
    """Return the profile of a ``paper`` mm printer (58 or 80); raise ValueError for other widths."""
    if paper not in PAPER_DOTS:
        raise ValueError(f"paper width must be one of {sorted(PAPER_DOTS)} mm, got {paper!r}")
    if escpos_profile not in CAPABILITIES["profiles"]:
        raise ValueError(f"unknown python-escpos profile {escpos_profile!r}")
    return PrinterProfile(
        paper_mm=paper,
        dots=PAPER_DOTS[paper],
        native_qr=native_qr,
        escpos_profile=escpos_profile,
    )


def profile_from_escpos(name: str) -> PrinterProfile:
    """Build a profile from a python-escpos capability profile (e.g. ``"TM-T20II"``, ``"POS-5890"``)."""
    data: dict[str, Any] = CAPABILITIES["profiles"][name]
    pixels = data.get("media", {}).get("width", {}).get("pixels")
    dots = int(pixels) if isinstance(pixels, int) else PAPER_DOTS[80]
    paper = 58 if dots <= PAPER_DOTS[58] else 80
    native_qr = bool(data.get("features", {}).get("qrCode", False))
    return PrinterProfile(
        paper_mm=paper,
        dots=min(dots, PAPER_DOTS[paper]),
        native_qr=native_qr,
        escpos_profile=name,
    )


@lru_cache(maxsize=32)
def escpos_profile_class(profile: PrinterProfile) -> type[BaseProfile]:
    """A python-escpos profile class for ``profile``: its base data with our paper width and QR flag.

    Setting the media width matters: without it python-escpos prints a warning to stdout on every image
    and cannot check that a raster fits the paper.
    """
    data = copy.deepcopy(CAPABILITIES["profiles"][profile.escpos_profile])
    data.setdefault("media", {})["width"] = {"mm": profile.paper_mm, "pixels": profile.dots}
    data.setdefault("features", {})["qrCode"] = profile.native_qr
    name = f"Tabour{profile.paper_mm}mmProfile"
    return type(name, (BaseProfile,), {"profile_data": data})
