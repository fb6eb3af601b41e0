"""Benchmark render_ticket(): median ms and bytes per ticket on 80 and 58 mm paper.

Run: .venv/bin/python bench/ticket_render.py [-n 500] [-r 5]
"warm" is the steady state of a server (centre/service rasters cached, numbers and ETA vary);
"cold" clears the raster cache before every ticket, so each Arabic line is shaped again.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printers import TicketPrintout, render_ticket
from printers.arabic import _cached_tight

ETAS = [("٥–١٠ دقائق", "5–10 min"), ("١٠–١٥ دقيقة", "10–15 min"), ("١٥–٢٠ دقيقة", "15–20 min")]


def ticket(i: int) -> TicketPrintout:
    eta_ar, eta_en = ETAS[i % len(ETAS)]
    return TicketPrintout(
        centre_name_ar="مركز خدمات الجمهور – الرياض",
        centre_name_en="Public Services Centre – Riyadh",
        body_name_ar="وزارة الداخلية",
        body_name_en="Ministry of Interior",
        service_name_ar="تجديد جواز السفر",
        service_name_en="Passport renewal",
        number=f"A{i % 1000:03d}",
        people_ahead=i % 40,
        eta_text_ar=eta_ar,
        eta_text_en=eta_en,
        issued_at=f"2025-03-14 09:{i % 60:02d}",
        qr_url=f"https://tabour.example.gov/t/7f3a9c2e-{i:06d}",
        footer_ar="نتمنى لكم يوماً سعيداً",
        footer_en="Please keep this ticket until you are called",
        transactions=1 + i % 3,
    )


def run(paper: int, n: int, repetitions: int, cold: bool) -> tuple[float, float]:
    """Median over repetitions of the mean ms per ticket, and mean bytes per ticket."""
    per_rep: list[float] = []
    sizes: list[int] = []
    tickets = [ticket(i) for i in range(n)]
    render_ticket(tickets[0], paper=paper)  # load fonts once, as a running server has
    for _ in range(repetitions):
        started = time.perf_counter()
        for t in tickets:
            if cold:
                _cached_tight.cache_clear()
            sizes.append(len(render_ticket(t, paper=paper)))
        per_rep.append((time.perf_counter() - started) * 1000 / n)
    return statistics.median(per_rep), statistics.mean(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=500, help="tickets per repetition")
    parser.add_argument("-r", type=int, default=5, help="repetitions")
    args = parser.parse_args()
    print(f"render_ticket: {args.n} tickets x {args.r} repetitions, native QR")
    for paper in (80, 58):
        for cold in (False, True):
            ms, size = run(paper, args.n, args.r, cold)
            label = "cold" if cold else "warm"
            print(f"  {paper} mm {label}: median {ms:.2f} ms/ticket, {size:,.0f} bytes/ticket")


if __name__ == "__main__":
    main()
