"""Spoken calls: one WAV per (language, ticket number, counter), made once and cached on disk.

Two sources, per language:
- a centre's recorded voice pack, when `<voice_dir>/<lang>/` holds the clips the call needs
  (see VOICE_PACK_FILES and docs/displays.md), concatenated with short pauses;
- otherwise espeak-ng (Debian package `espeak-ng`), offline, to a WAV file.
The chime is a synthesised two-note tone (stdlib `wave` + `math`), or `chime.wav` from the voice folder.

Pure stdlib; no Flask, no queue_app. The server's display blueprint calls `Announcer.call_audio()`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import re
import shutil
import struct
import subprocess
import tempfile
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

NUMBER = re.compile(r"^([A-Z]?)(\d{1,4})$")
COUNTER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$")
LANGUAGES = ("ar", "en", "ur")
RATE = 22050  # espeak-ng's own output rate; the chime and pauses match it

# The sentence spoken for a call, per language; {number} and {counter} are filled in spoken form.
SENTENCES = {
    "ar": "التذكرة رقم {number}، تفضل إلى الكاونتر {counter}",
    "en": "Ticket {number}, please go to counter {counter}",
    "ur": "ٹکٹ نمبر {number}، کاؤنٹر {counter} پر تشریف لائیں",
}
# The short form a screen speaks while calls queue up (docs/displays.md): the number and the counter only.
SHORT_SENTENCES = {
    "ar": "{number}، الكاونتر {counter}",
    "en": "{number}, counter {counter}",
    "ur": "{number}، کاؤنٹر {counter}",
}
# espeak-ng voice and speed (words per minute) per language.
ESPEAK_VOICES = {"ar": ("ar", 135), "en": ("en-gb", 145), "ur": ("ur", 135)}
# How the Latin ticket prefix letter is said; espeak otherwise reads a bare Latin letter poorly in ar/ur.
# Every letter has its own name in each language: Arabic has no "p", and "بي" for both B and P made
# B012 and P012 sound the same; P is "پي" (espeak-ng's Arabic voice says it with a p). A centre may
# rename letters (config.yaml `server.letter_names`).
LETTER_NAMES = {
    "ar": dict(
        zip(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            [
                "إيه",
                "بي",
                "سي",
                "دي",
                "إي",
                "إف",
                "جي",
                "إتش",
                "آي",
                "جيه",
                "كيه",
                "إل",
                "إم",
                "إن",
                "أو",
                "پي",
                "كيو",
                "آر",
                "إس",
                "تي",
                "يو",
                "في",
                "دبليو",
                "إكس",
                "واي",
                "زد",
            ],
            strict=True,
        )
    ),
    "ur": dict(
        zip(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            [
                "اے",
                "بی",
                "سی",
                "ڈی",
                "ای",
                "ایف",
                "جی",
                "ایچ",
                "آئی",
                "جے",
                "کے",
                "ایل",
                "ایم",
                "این",
                "او",
                "پی",
                "کیو",
                "آر",
                "ایس",
                "ٹی",
                "یو",
                "وی",
                "ڈبلیو",
                "ایکس",
                "وائی",
                "زیڈ",
            ],
            strict=True,
        )
    ),
}
# Recorded voice pack: <voice_dir>/<lang>/<name>.wav
VOICE_PACK_FILES = {
    "ticket": "the words before the number: 'Ticket number' / 'التذكرة رقم'",
    "counter": "the words before the counter: 'please go to counter' / 'تفضل إلى الكاونتر'",
    "A..Z": "one clip per prefix letter, e.g. A.wav",
    "0..9": "one clip per digit; a whole-number clip (e.g. 12.wav) is preferred when present",
    "chime": "optional, replaces the synthesised chime (top level of the voice folder: <voice_dir>/chime.wav)",
}
PAUSE_SECONDS = 0.12


class BadAnnouncement(ValueError):
    """The number, counter or language cannot be announced (not in the expected shape)."""


@dataclass(frozen=True)
class Call:
    lang: str
    number: str
    counter: str
    short: bool = False  # the number and counter only (a screen catching up with a burst of calls)

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise BadAnnouncement(f"unknown language {self.lang!r}")
        if not NUMBER.match(self.number):
            raise BadAnnouncement(f"not a ticket number: {self.number!r}")
        if not COUNTER.match(self.counter):
            raise BadAnnouncement(f"not a counter code: {self.counter!r}")


class Announcer:
    """Makes and caches call audio. `cache_dir` is under the instance folder; `voice_dir` holds packs."""

    def __init__(
        self,
        cache_dir: Path | str,
        voice_dir: Path | str,
        espeak: str | None = None,
        letter_names: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.voice_dir = Path(voice_dir)
        self.espeak = espeak or shutil.which("espeak-ng") or "espeak-ng"
        self.letter_names = {
            lang: {**LETTER_NAMES.get(lang, {}), **(letter_names or {}).get(lang, {})}
            for lang in sorted(set(LETTER_NAMES) | set(letter_names or {}))
        }

    # -- public -------------------------------------------------------------------------------------
    def call_audio(self, lang: str, number: str, counter: str, short: bool = False) -> Path:
        """The WAV file for one call in one language (made on first use, then served from the cache);
        `short`: without the opening words, for a screen that has calls waiting to be spoken."""
        call = Call(lang, number.upper(), counter, short)
        clips = self._pack_clips(call)
        source = "pack:" + ",".join(f"{p.name}:{p.stat().st_mtime_ns}" for p in clips) if clips else self._espeak_id()
        key = hashlib.sha256(f"{call}|{source}".encode()).hexdigest()[:24]
        form = "-short" if call.short else ""
        path = self.cache_dir / call.lang / f"{call.number}-{call.counter}{form}-{key}.wav"
        if not path.exists():
            data = self._concatenate(clips) if clips else None
            if data is None:
                data = self._espeak(call)
            _write_atomic(path, data)
        return path

    def chime(self) -> Path:
        """The chime played before each call: the centre's `chime.wav`, or a tone generated once."""
        recorded = self.voice_dir / "chime.wav"
        if recorded.is_file():
            return recorded
        path = self.cache_dir / "chime-v1.wav"
        if not path.exists():
            _write_atomic(path, chime_wav())
        return path

    def spoken_text(self, call: Call) -> str:
        return (SHORT_SENTENCES if call.short else SENTENCES)[call.lang].format(
            number=self._say_number(call), counter=self._say_code(call.lang, call.counter)
        )

    # -- espeak-ng ----------------------------------------------------------------------------------
    def _espeak_id(self) -> str:
        letters = sorted((lang, sorted(names.items())) for lang, names in self.letter_names.items())
        return f"espeak:{self.espeak}:{ESPEAK_VOICES}:{letters}"

    def _say_number(self, call: Call) -> str:
        match = NUMBER.match(call.number)
        assert match is not None
        letter, digits = match.groups()
        spoken = str(int(digits))
        if letter:
            spoken = f"{self.letter_names.get(call.lang, {}).get(letter, letter)} {spoken}"
        return spoken

    def _say_code(self, lang: str, code: str) -> str:
        names = self.letter_names.get(lang, {})
        return " ".join(names.get(ch.upper(), ch) if ch.isalpha() else ch for ch in re.findall(r"[A-Za-z]|\d+", code))

    def _espeak(self, call: Call) -> bytes:
        voice, speed = ESPEAK_VOICES[call.lang]
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "call.wav"
            subprocess.run(
                [self.espeak, "-v", voice, "-s", str(speed), "-w", str(out), self.spoken_text(call)],
                check=True,
                capture_output=True,
                timeout=20,
            )
            return out.read_bytes()

    # -- recorded voice pack -------------------------------------------------------------------------
    def _pack_clips(self, call: Call) -> list[Path] | None:
        """The clip files for this call, in order, or None when the pack lacks any of them."""
        folder = self.voice_dir / call.lang
        if not folder.is_dir():
            return None
        match = NUMBER.match(call.number)
        assert match is not None
        letter, digits = match.groups()
        opening = [] if call.short else ["ticket"]
        names = [*opening, *([letter] if letter else []), *_number_names(folder, str(int(digits))), "counter"]
        for part in re.findall(r"[A-Za-z]|\d+", call.counter):
            names.extend([part.upper()] if part.isalpha() else _number_names(folder, part))
        paths = [folder / f"{name}.wav" for name in names]
        missing = [p.name for p in paths if not p.is_file()]
        if missing:
            log.info("voice pack %s lacks %s; using espeak-ng", folder, ", ".join(sorted(set(missing))))
            return None
        return paths

    def _concatenate(self, clips: list[Path]) -> bytes | None:
        """Join clips with short pauses; None (fall back to espeak) if their formats differ."""
        params = None
        frames: list[bytes] = []
        for clip in clips:
            with wave.open(str(clip), "rb") as reader:
                shape = (reader.getnchannels(), reader.getsampwidth(), reader.getframerate())
                if params is None:
                    params = shape
                elif shape != params:
                    log.warning("voice pack clip %s has format %s, expected %s; using espeak-ng", clip, shape, params)
                    return None
                frames.append(reader.readframes(reader.getnframes()))
        assert params is not None
        channels, width, rate = params
        pause = b"\x00" * (int(rate * PAUSE_SECONDS) * channels * width)
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as writer:
            writer.setnchannels(channels)
            writer.setsampwidth(width)
            writer.setframerate(rate)
            writer.writeframes(pause.join(frames))
        return buffer.getvalue()


def _number_names(folder: Path, digits: str) -> list[str]:
    """A whole-number clip when the pack has one (e.g. 12.wav), else one clip per digit."""
    return [digits] if (folder / f"{digits}.wav").is_file() else list(digits)


def chime_wav(rate: int = RATE) -> bytes:
    """A soft two-note chime (E6 then C6, bell-like decay with a few harmonics), 16-bit mono."""
    notes = [(1318.5, 0.0, 0.9), (1046.5, 0.32, 1.1)]
    length = int(rate * 1.45)
    samples = [0.0] * length
    for freq, start, duration in notes:
        first = int(start * rate)
        for i in range(int(duration * rate)):
            t = i / rate
            envelope = math.exp(-4.0 * t) * min(1.0, t / 0.006)
            value = (
                math.sin(2 * math.pi * freq * t)
                + 0.35 * math.sin(2 * math.pi * 2 * freq * t)
                + 0.12 * math.sin(2 * math.pi * 3 * freq * t)
            )
            if first + i < length:
                samples[first + i] += 0.32 * envelope * value
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32000)) for s in samples))
    return buffer.getvalue()


def wav_seconds(data: bytes) -> float:
    """Duration of a WAV file's audio (raises wave.Error if it is not a WAV)."""
    with wave.open(io.BytesIO(data), "rb") as reader:
        return reader.getnframes() / float(reader.getframerate())


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)
