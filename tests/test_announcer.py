"""The spoken call: every prefix letter has its own name in each language (before, Arabic said B and P
alike, "بي", and the two WAVs were byte-identical), a centre can rename letters in config.yaml, and a short
form speaks a call in about half the time."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from displays.announcer import LETTER_NAMES, Announcer, Call, wav_seconds
from queue_app.settings import ConfigError, parse_config
from tests.support.server import SMALL_CONFIG


@pytest.mark.parametrize("lang", sorted(LETTER_NAMES))
def test_each_letter_has_its_own_name(lang: str) -> None:
    names = LETTER_NAMES[lang]
    assert len(names) == 26 and len(set(names.values())) == 26


def test_b_and_p_sound_different_in_arabic(tmp_path: Path) -> None:
    announcer = Announcer(tmp_path / "cache", tmp_path / "voice")
    b = announcer.call_audio("ar", "B012", "3").read_bytes()
    p = announcer.call_audio("ar", "P012", "3").read_bytes()
    assert b != p


def test_a_centre_renames_a_letter(tmp_path: Path) -> None:
    default = Announcer(tmp_path / "cache", tmp_path / "voice")
    renamed = Announcer(tmp_path / "cache", tmp_path / "voice", letter_names={"ar": {"P": "بي إنجليزية"}})
    call = Call("ar", "P012", "3")
    assert "بي إنجليزية" in renamed.spoken_text(call) and "بي إنجليزية" not in default.spoken_text(call)
    assert "سي" in renamed.spoken_text(Call("ar", "C001", "3"))  # the other letters keep their names
    # the cache knows the difference: the renamed letter is a new recording
    assert renamed.call_audio("ar", "P012", "3") != default.call_audio("ar", "P012", "3")


def test_a_letter_name_for_no_letter_is_refused_with_its_path() -> None:
    data = copy.deepcopy(yaml.safe_load(SMALL_CONFIG.read_text(encoding="utf-8")))
    data.setdefault("server", {})["letter_names"] = {"ar": {"PP": "بي"}}
    with pytest.raises(ConfigError, match="letter_names"):
        parse_config(data)


def test_the_short_form_says_the_number_and_counter_in_half_the_time(tmp_path: Path) -> None:
    """What a screen says while calls queue up: no opening words, a clip of its own (cached apart)."""
    announcer = Announcer(tmp_path / "cache", tmp_path / "voice")
    assert announcer.spoken_text(Call("en", "B012", "3", short=True)) == "B 12, counter 3"
    assert announcer.spoken_text(Call("ar", "B012", "3", short=True)).startswith("بي 12")
    full, short = announcer.call_audio("ar", "B012", "3"), announcer.call_audio("ar", "B012", "3", short=True)
    assert full != short
    full_seconds, short_seconds = wav_seconds(full.read_bytes()), wav_seconds(short.read_bytes())
    assert short_seconds < 0.75 * full_seconds, (short_seconds, full_seconds)
