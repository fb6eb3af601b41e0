"""Benchmark: does a flood of wrong passwords slow the hall? And does sign-in time reveal user names?

Run: .venv/bin/python bench/signin_flood.py [--seconds 6] [--repeats 3]
One server (run.py, SQLite, the small config), a kiosk issuing tickets with 4 keep-alive clients, and
in each repeat three phases of `--seconds` each:
  quiet      the kiosk alone (the baseline of the same run);
  unlimited  the kiosk while 4 clients send wrong passwords to POST /api/v1/auth/token as fast as
             answered, with the sign-in limits raised out of reach: every attempt is hashed (scrypt);
             this measures hashing off the event loop, one at a time;
  limited    the same flood against the default limits (a second server): after the first failures the
             flood is answered 429 before any hashing.
Then sign-in time for an existing name against names that do not exist (20 wrong passwords each,
limits out of reach). Prints each phase's kiosk p50/p95 and the flood's answers, and the medians.
Before (issue 16's probe of main): kiosk p50 26 ms -> 1.6 s and p95 3.5 s under 4 flooding clients;
sign-in 145 ms for a real name against 7 ms for an unknown one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import HttpRequest, LoadResult, TabourServer, bench_config, run_load

SERVICES = ("traffic", "residency", "civil-id", "medical")
UNLIMITED = (
    "security:\n  two_step_roles: []\n"
    '  failed_sign_ins_per_account: "1000000 per minute"\n'
    '  failed_sign_ins_per_address: "1000000 per minute"\n'
)


def config(unlimited: bool) -> Path:
    path = bench_config(printers=False)
    if unlimited:
        text = path.read_text().replace("security:\n  two_step_roles: []\n", UNLIMITED)
        path.write_text(text)
    return path


def kiosk_plans(kiosk: dict[str, str]) -> list[list[HttpRequest]]:
    path = "/api/v1/centres/test/tickets"
    return [[HttpRequest("POST", path, {"service": SERVICES[(c + i) % 4]}, kiosk) for i in range(4)] for c in range(4)]


def flood_plans() -> list[list[HttpRequest]]:
    body = {"username": "mona", "password": "not-the-password"}
    return [[HttpRequest("POST", "/api/v1/auth/token", body)] for _ in range(4)]


def phase(
    server: TabourServer, kiosk: dict[str, str], seconds: float, flood: bool
) -> tuple[LoadResult, LoadResult | None]:
    flooded: list[LoadResult] = []
    thread = None
    if flood:
        thread = threading.Thread(
            target=lambda: flooded.append(run_load(server.port, flood_plans(), duration=seconds + 1.0))
        )
        thread.start()
        time.sleep(1.0)  # the flood is on before the kiosk starts
    result = run_load(server.port, kiosk_plans(kiosk), duration=seconds)
    if thread is not None:
        thread.join()
    return result, (flooded[0] if flooded else None)


def sign_in_ms(server: TabourServer, username: str) -> float:
    body = json.dumps({"username": username, "password": "not-the-password"}).encode()
    request = urllib.request.Request(
        server.url + "/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    try:
        urllib.request.urlopen(request).close()
    except urllib.error.HTTPError as error:
        assert error.code == 401, error.code
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows: dict[str, list[dict[str, float]]] = {"quiet": [], "unlimited": [], "limited": []}
    with TabourServer(config=config(True)) as open_server, TabourServer(config=config(False)) as limited_server:
        for server in (open_server, limited_server):
            server.staff_header("mona")  # the flood's target exists
        kiosks = {id(s): s.device_header("kiosk", "k2") for s in (open_server, limited_server)}
        for repeat in range(args.repeats):
            for name, server, flood in (
                ("quiet", open_server, False),
                ("unlimited", open_server, True),
                ("limited", limited_server, True),
            ):
                kiosk, attack = phase(server, kiosks[id(server)], args.seconds, flood)
                s = kiosk.summary()
                s["p95_ms"] = kiosk.percentile(95)
                s["flood_per_second"] = attack.count / attack.seconds if attack else 0.0
                s["flood_429"] = attack.statuses.get(429, 0) if attack else 0
                s["flood_401"] = attack.statuses.get(401, 0) if attack else 0
                rows[name].append(s)
                print(
                    f"#{repeat + 1} {name:<9} kiosk {s['per_second']:6.0f}/s p50 {s['p50_ms']:7.2f} ms "
                    f"p95 {s['p95_ms']:7.2f} ms | flood {s['flood_per_second']:6.1f}/s "
                    f"(401: {s['flood_401']:.0f}, 429: {s['flood_429']:.0f})",
                    flush=True,
                )
        existing = [sign_in_ms(open_server, "mona") for _ in range(20)]
        unknown = [sign_in_ms(open_server, f"nobody{n}") for n in range(20)]
    print("\nmedians")
    for name, summaries in rows.items():
        p50 = statistics.median(s["p50_ms"] for s in summaries)
        p95 = statistics.median(s["p95_ms"] for s in summaries)
        rate = statistics.median(s["per_second"] for s in summaries)
        flood = statistics.median(s["flood_per_second"] for s in summaries)
        print(f"{name:<9} kiosk {rate:6.0f}/s p50 {p50:7.2f} ms p95 {p95:7.2f} ms | flood {flood:6.1f}/s")
    print(
        f"sign-in, wrong password: existing name median {statistics.median(existing):.0f} ms, "
        f"unknown name median {statistics.median(unknown):.0f} ms"
    )


if __name__ == "__main__":
    main()
