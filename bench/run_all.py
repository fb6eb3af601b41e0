"""Run every benchmark in bench/ with short settings (`make bench`); each prints its own figures.

Run: .venv/bin/python bench/run_all.py [--only issue,memory]
The full-length figures quoted in docs/benchmarks/ use each script's defaults (see those docs).
A script that is missing is skipped; the exit status is 1 when any script failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SHORT: dict[str, list[str]] = {
    "ticket_render": ["-n", "200", "-r", "3"],
    "issue": ["--repeats", "3", "--seconds", "3"],
    "memory": ["--tickets", "2000"],
    "call": ["--tickets", "1000", "--runs", "1"],
    "fanout": ["--clients", "300", "--runs", "1", "--calls", "5"],
    "eta_backtest": ["--days", "5"],
    "history": ["--tickets", "20000", "--repeats", "10"],
    "signin_flood": ["--seconds", "3", "--repeats", "1"],
    "reports": ["--tickets", "20000", "--centres", "2", "--repeats", "1"],
    "visits": ["--days", "10"],
    "staffing": ["--repeats", "1", "--truth-days", "20"],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated script names (default: all)")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(SHORT)
    failed: list[str] = []
    for name in names:
        script = BENCH / f"{name}.py"
        if not script.exists():
            print(f"== {name}: not present, skipped\n", flush=True)
            continue
        command = [sys.executable, str(script), *SHORT.get(name, [])]
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.call(command, cwd=BENCH.parent)
        print(f"== {name}: exit {code} in {time.monotonic() - started:.0f} s\n", flush=True)
        if code != 0:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
