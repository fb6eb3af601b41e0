"""How far behind the screen the hall's voice falls in a burst of calls, from the real clip lengths.

    .venv/bin/python bench/voice.py [--calls 10] [--languages ar en ur] [--superseded 2]

The announcer makes the real WAVs (espeak-ng, as the server does); the script then plays the screen's
two rules against a burst of N calls made in the same second at N different counters (the last
`--superseded` of them at counters that already had a call in the burst) and prints when each call is
heard after it was made:
- before (session 5): every call in full, chime + every language, one after another (0.4 s apart);
- now (displays/static/display.js): a superseded call is skipped, a call with others waiting is said in
  its short form in the first language only, the chime opens the burst, 0.25 s apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from displays.announcer import Announcer, wav_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--languages", nargs="+", default=["ar", "en", "ur"])
    parser.add_argument("--superseded", type=int, default=2)
    args = parser.parse_args()
    announcer = Announcer(Path(tempfile.mkdtemp()) / "cache", Path(tempfile.mkdtemp()) / "voice")
    chime = wav_seconds(announcer.chime().read_bytes())
    numbers = [f"A{n:03d}" for n in range(1, args.calls + 1)]
    counters = [str(1 + i) for i in range(args.calls - args.superseded)] + [str(1 + i) for i in range(args.superseded)]

    def seconds(lang: str, number: str, counter: str, short: bool) -> float:
        return wav_seconds(announcer.call_audio(lang, number, counter, short=short).read_bytes())

    before, clock = [], 0.0
    for number, counter in zip(numbers, counters, strict=True):
        before.append(clock)  # heard from the start of its announcement
        clock += chime + sum(seconds(lang, number, counter, False) for lang in args.languages) + 0.4

    now, clock, skipped = [], 0.0, 0
    spoken_counters = set()
    waiting = list(zip(numbers, counters, strict=True))
    first = waiting.pop(0)  # alone when it comes: the full sentence in every language
    now.append(clock)
    spoken_counters.add(first[1])
    clock += chime + sum(seconds(lang, first[0], first[1], False) for lang in args.languages) + 0.25
    # the rest arrived while the first was spoken: a later call at the same counter replaces a waiting one
    latest = {counter: number for number, counter in waiting}
    queue = [(n, c) for n, c in waiting if latest[c] == n]
    skipped = len(waiting) - len(queue)
    for index, (number, counter) in enumerate(queue):
        now.append(clock)
        busy = index < len(queue) - 1
        langs = args.languages[:1] if busy else args.languages
        clock += sum(seconds(lang, number, counter, busy) for lang in langs) + 0.25

    print(f"{args.calls} calls in one second, languages {' '.join(args.languages)}, chime {chime:.2f} s")
    print(f"before: last heard {before[-1]:.1f} s after its call, median {statistics.median(before):.1f} s")
    print(
        f"now:    last heard {now[-1]:.1f} s after its call, median {statistics.median(now):.1f} s, "
        f"{skipped} superseded call(s) not spoken"
    )


if __name__ == "__main__":
    main()
