"""Rasterise Arabic/Urdu (or mixed) lines to 1-bit images: thermal printers cannot shape Arabic.

The printers' own Arabic code pages print isolated, left-to-right letters, so right-to-left text is
drawn by Pillow, which shapes and reorders it through libraqm (``direction="rtl"``), in IBM Plex Sans
Arabic taken from the ``fontpkg-ibm-plex-sans-arabic`` package. Without libraqm there is no silent
fallback: we raise DriverMissing rather than print unjoined, reversed letters.
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Literal

import fontpkg_ibm_plex_sans_arabic as plex_arabic
from PIL import Image, ImageChops, ImageDraw, ImageFont, features

from printers.errors import DriverMissing

Align = Literal["left", "center", "right"]

#: Languages whose lines are shaped right to left (passed to libraqm as the OpenType language).
RTL_LANGUAGES = frozenset({"ar", "ur", "fa"})
#: Smallest font size a too-long line is shrunk to before it is wrapped onto more lines.
MIN_SHRINK_RATIO = 0.75
_MARGIN = 4  # dots kept free at the aligned edge, so ink never touches the paper's edge
_PAD = 2  # blank rows kept above and below the ink


@lru_cache(maxsize=1)
def _require_raqm() -> None:
    """Fail loudly when Pillow lacks libraqm, instead of printing unshaped Arabic."""
    if not features.check("raqm"):
        raise DriverMissing(
            "Pillow cannot shape Arabic: libraqm is missing (Debian: apt-get install libraqm0). "
            "The alternative, arabic-reshaper + python-bidi, is not installed in Tabour."
        )


@lru_cache(maxsize=8)
def font_path(weight: int = 500) -> Path:
    """Path of the IBM Plex Sans Arabic file of ``weight`` (100..700), read from the package metadata."""
    metadata = json.loads((plex_arabic.ROOT / "metadata.json").read_text(encoding="utf-8"))
    files = {int(entry["weight"]): entry["path"] for entry in metadata["files"]}
    nearest = min(files, key=lambda w: abs(w - weight))
    return Path(plex_arabic.ROOT / files[nearest])


@lru_cache(maxsize=32)
def load_font(size: int, weight: int = 500) -> ImageFont.FreeTypeFont:
    """The font at ``size`` pixels, with the raqm layout engine; cached, fonts are costly to open."""
    _require_raqm()
    return ImageFont.truetype(str(font_path(weight)), size, layout_engine=ImageFont.Layout.RAQM)


def has_rtl(text: str) -> bool:
    """True if ``text`` holds a right-to-left letter (Arabic, Urdu, Persian, Hebrew ...)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _direction(text: str) -> str:
    return "rtl" if has_rtl(text) else "ltr"


def _fit_lines(text: str, width: int, size: int, weight: int, language: str) -> tuple[int, list[str]]:
    """Shrink the font a little, then wrap words, so that every line fits ``width`` dots."""
    usable = width - 2 * _MARGIN
    direction = _direction(text)
    trial = size
    while trial >= max(8, int(size * MIN_SHRINK_RATIO)):
        if load_font(trial, weight).getlength(text, direction=direction, language=language) <= usable:
            return trial, [text]
        trial -= 1
    font = load_font(size, weight)
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and font.getlength(candidate, direction=direction, language=language) <= usable:
            lines[-1] = candidate
        else:
            lines.append(word)
    return size, lines or [text]


def _draw_one(
    text: str,
    width: int,
    font: ImageFont.FreeTypeFont,
    language: str,
    align: Align,
) -> Image.Image:
    ascent, descent = font.getmetrics()
    image = Image.new("1", (width, ascent + descent + 2 * _PAD), 1)
    x, anchor = {
        "left": (_MARGIN, "ls"),
        "center": (width // 2, "ms"),
        "right": (width - _MARGIN, "rs"),
    }[align]
    ImageDraw.Draw(image).text(
        (x, _PAD + ascent),
        text,
        font=font,
        fill=0,
        anchor=anchor,
        direction=_direction(text),
        language=language,
    )
    return image


def _ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box of the black dots of a mode "1" image (white background), or None if blank."""
    return ImageChops.invert(image.convert("L")).getbbox()


def rasterise_line(
    text: str,
    *,
    width: int,
    size: int = 26,
    language: str = "ar",
    weight: int = 500,
    align: Align = "right",
) -> Image.Image:
    """Draw ``text`` as a mode "1" image exactly ``width`` dots wide (black ink on white).

    Right-to-left text is shaped by libraqm; ``align="right"`` puts its ink flush right, as RTL reads.
    Long lines are shrunk slightly, then wrapped on words; rows without ink above/below are trimmed.
    """
    _require_raqm()
    fitted_size, lines = _fit_lines(text, width, size, weight, language)
    font = load_font(fitted_size, weight)
    parts = [_draw_one(line, width, font, language, align) for line in lines]
    image = Image.new("1", (width, sum(p.height for p in parts)), 1)
    top = 0
    for part in parts:
        image.paste(part, (0, top))
        top += part.height
    box = _ink_box(image)
    if box is None:
        return image.crop((0, 0, width, 2 * _PAD))
    return image.crop((0, max(0, box[1] - _PAD), width, min(image.height, box[3] + _PAD)))


def trim_columns(image: Image.Image) -> Image.Image:
    """Crop blank columns on both sides (to whole bytes), so a line costs only the bytes of its ink.

    The printer positions the trimmed image with its own justification (ESC a), which keeps a
    short centred Arabic line at a few hundred bytes instead of 72 bytes per row.
    """
    box = _ink_box(image)
    if box is None:
        return image.crop((0, 0, 8, image.height))
    left = (box[0] // 8) * 8
    right = min(image.width, max(left + 8, -(-box[2] // 8) * 8))
    return image.crop((left, 0, right, image.height))


@lru_cache(maxsize=512)
def _cached_tight(text: str, width: int, size: int, language: str, weight: int) -> Image.Image:
    return trim_columns(rasterise_line(text, width=width, size=size, language=language, weight=weight))


def rasterise_tight(
    text: str,
    *,
    width: int,
    size: int = 26,
    language: str = "ar",
    weight: int = 500,
) -> Image.Image:
    """``rasterise_line`` trimmed to its ink columns; cached, as centre and service names repeat all day."""
    return _cached_tight(text, width, size, language, weight).copy()
