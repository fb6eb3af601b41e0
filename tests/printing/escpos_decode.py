"""Decode ESC/POS bytes back into text runs, raster images, QR codes and cuts, for assertions.

A real decoder: it walks the command stream one command at a time, keeps the modes in force (size,
emphasis, justification, code page) and keeps anything it does not know as ``Unknown`` so tests can
check that nothing unexpected was sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageOps

ESC, GS, DLE, LF = 0x1B, 0x1D, 0x10, 0x0A
#: ESC t n -> Python codec, for the pages python-escpos may select for Latin text.
CODEPAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 17: "cp866", 19: "cp858", 32: "cp720", 37: "cp864"}
#: ESC commands taking exactly one parameter byte that only change a mode we may not track.
ESC_ONE_ARG = {ord(c) for c in "-2MJ{VcUR=3"} - {ord("2")}


@dataclass
class Style:
    """Modes in force when a text run or image is printed."""

    align: int = 0  # 0 left, 1 centre, 2 right
    bold: bool = False
    width: int = 1
    height: int = 1
    codepage: int = 0


@dataclass
class TextRun:
    text: str
    style: Style


@dataclass
class Raster:
    image: Image.Image  # mode "1", black ink on white, as the rasteriser draws it
    style: Style
    density: int


@dataclass
class QRCode:
    payload: str
    printed: bool = False
    module_size: int | None = None
    ec_level: int | None = None


@dataclass
class Cut:
    mode: int


@dataclass
class Feed:
    lines: int = 0
    dots: int = 0


@dataclass
class StatusQuery:
    n: int


@dataclass
class Unknown:
    data: bytes


Item = TextRun | Raster | QRCode | Cut | Feed | StatusQuery | Unknown


@dataclass
class Decoded:
    items: list[Item] = field(default_factory=list)
    inits: int = 0

    def of(self, kind: type) -> list:
        return [item for item in self.items if isinstance(item, kind)]

    @property
    def texts(self) -> list[TextRun]:
        return self.of(TextRun)

    @property
    def text(self) -> str:
        return "\n".join(run.text for run in self.texts)

    @property
    def rasters(self) -> list[Raster]:
        return self.of(Raster)

    @property
    def qrcodes(self) -> list[QRCode]:
        return self.of(QRCode)

    @property
    def cuts(self) -> list[Cut]:
        return self.of(Cut)

    @property
    def unknown(self) -> list[Unknown]:
        return self.of(Unknown)


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.style = Style()
        self.out = Decoded()
        self.line = bytearray()
        self.line_text = ""  # text of the current line already decoded before a code page switch
        self.qr_pending: QRCode | None = None
        self.qr_settings: dict[int, int] = {}

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            left = len(self.data) - self.pos
            raise ValueError(f"truncated command at byte {self.pos}: need {n}, have {left}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def snapshot(self) -> Style:
        return Style(**vars(self.style))

    def decode_pending(self) -> None:
        codec = CODEPAGES.get(self.style.codepage, "latin-1")
        self.line_text += bytes(self.line).decode(codec)
        self.line.clear()

    def flush_text(self) -> None:
        self.decode_pending()
        if self.line_text:
            self.out.items.append(TextRun(self.line_text, self.snapshot()))
            self.line_text = ""

    def run(self) -> Decoded:
        while self.pos < len(self.data):
            byte = self.data[self.pos]
            if byte == ESC:
                self.pos += 1
                self.esc()
            elif byte == GS:
                self.pos += 1
                self.gs()
            elif byte == DLE:
                self.pos += 1
                self.dle()
            elif byte == LF:
                self.pos += 1
                if self.line or self.line_text:
                    self.flush_text()
                else:
                    self.out.items.append(Feed(lines=1))
            elif byte < 0x20:
                self.pos += 1
                self.out.items.append(Unknown(bytes((byte,))))
            else:
                # Style changes mid-line take effect from here; split the run to keep styles exact.
                self.line.append(byte)
                self.pos += 1
        self.flush_text()
        return self.out

    def esc(self) -> None:
        cmd = self.take(1)[0]
        if cmd == ord("@"):
            self.flush_text()
            self.style = Style()
            self.out.inits += 1
            return
        if cmd == ord("t"):  # a code page switch may happen mid-line: keep the run whole
            self.decode_pending()
            self.style.codepage = self.take(1)[0]
            return
        self.flush_text()
        if cmd == ord("a"):
            self.style.align = self.take(1)[0] % 48
        elif cmd == ord("E"):
            self.style.bold = bool(self.take(1)[0] & 1)
        elif cmd == ord("!"):
            mode = self.take(1)[0]
            self.style.bold = bool(mode & 0x08)
            self.style.height = 2 if mode & 0x10 else 1
            self.style.width = 2 if mode & 0x20 else 1
        elif cmd == ord("d"):
            self.out.items.append(Feed(lines=self.take(1)[0]))
        elif cmd == ord("J"):
            self.out.items.append(Feed(dots=self.take(1)[0]))
        elif cmd == ord("2"):
            pass  # default line spacing
        elif cmd in ESC_ONE_ARG:
            self.take(1)
        else:
            self.out.items.append(Unknown(bytes((ESC, cmd))))

    def gs(self) -> None:
        self.flush_text()
        cmd = self.take(1)[0]
        if cmd == ord("!"):
            size = self.take(1)[0]
            self.style.width = (size >> 4) + 1
            self.style.height = (size & 0x07) + 1
        elif cmd == ord("v"):
            self.raster()
        elif cmd == ord("("):
            self.gs_paren()
        elif cmd == ord("V"):
            mode = self.take(1)[0]
            if mode in (65, 66, 97, 98, 103, 104):
                self.take(1)  # feed amount
            self.out.items.append(Cut(mode))
        elif cmd in (ord("B"), ord("b"), ord("|"), ord("H"), ord("w"), ord("h"), ord("f")):
            self.take(1)
        else:
            self.out.items.append(Unknown(bytes((GS, cmd))))

    def raster(self) -> None:
        if self.take(1) != b"0":
            raise ValueError("only GS v 0 raster images are expected")
        density = self.take(1)[0]
        header = self.take(4)
        width_bytes = header[0] | header[1] << 8
        height = header[2] | header[3] << 8
        bits = self.take(width_bytes * height)
        # In ESC/POS a set bit is a black dot; in PIL mode "1" a set bit is white: invert.
        dots = Image.frombytes("1", (width_bytes * 8, height), bits)
        image = ImageOps.invert(dots.convert("L")).convert("1")
        self.out.items.append(Raster(image, self.snapshot(), density))

    def gs_paren(self) -> None:
        letter = self.take(1)
        size_bytes = self.take(2)
        body = self.take(size_bytes[0] | size_bytes[1] << 8)
        if letter != b"k" or body[:1] != b"1":  # not a QR code function
            self.out.items.append(Unknown(b"\x1d(" + letter + size_bytes + body))
            return
        fn = body[1]
        if fn == 80:  # store data: cn fn m d1..dk
            self.qr_pending = QRCode(
                payload=body[3:].decode("utf-8"),
                module_size=self.qr_settings.get(67),
                ec_level=self.qr_settings.get(69),
            )
            self.out.items.append(self.qr_pending)
        elif fn == 81:  # print the stored symbol
            if self.qr_pending is None:
                raise ValueError("QR print (fn 81) with no stored data")
            self.qr_pending.printed = True
        elif fn in (65, 67, 69):  # model, module size, error correction
            self.qr_settings[fn] = body[2] if fn == 67 else body[2] - 48
        else:
            self.out.items.append(Unknown(b"\x1d(k" + size_bytes + body))

    def dle(self) -> None:
        self.flush_text()
        cmd = self.take(1)[0]
        if cmd == 0x04:
            self.out.items.append(StatusQuery(self.take(1)[0]))
        else:
            self.out.items.append(Unknown(bytes((DLE, cmd))))


def decode(data: bytes) -> Decoded:
    """Decode a whole ESC/POS stream; raises ValueError on truncated or malformed commands."""
    return _Decoder(data).run()
