"""Booked visits through the real API, as a government app and a national platform use it: list slots,
book, look up, move, cancel; import the platform's CSV twice (nothing doubles); a kiosk checks a visitor in
by civil ID and the ticket is printed; refusals are JSON with stable codes."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from tests.support.clock import daytime_today
from tests.support.server import LiveServer


def today() -> str:
    return daytime_today()  # the booking server's centre keeps a clock where it is about noon


def test_book_move_cancel_import_and_check_in_over_the_api(booking_server: LiveServer, tmp_path: Path) -> None:
    server = booking_server
    api = f"{server.url}/api/v1/centres/test"
    listed = requests.get(f"{api}/services/traffic/slots", params={"date": today()}, timeout=10).json()["slots"]
    free = [s for s in listed if s["available"]]
    assert free and {s["capacity"] for s in listed} == {2}
    first, second = free[0]["start"], free[1]["start"]

    made = requests.post(f"{api}/appointments", json={"service": "traffic", "start": first, "phone": "+96550009999",
                                                      "lang": "en"}, timeout=10)  # fmt: skip
    assert made.status_code == 201, made.text
    booking = made.json()
    assert booking["start"] == first and booking["status"] == "booked" and booking["url"].endswith(booking["code"])
    assert requests.get(f"{api}/appointments/{booking['code']}", timeout=10).json()["status"] == "booked"
    moved = requests.post(f"{api}/appointments/{booking['code']}/move", json={"start": second}, timeout=10)
    assert moved.status_code == 200 and moved.json()["slot"] == second
    assert requests.delete(f"{api}/appointments/{booking['code']}", timeout=10).status_code == 204
    again = requests.delete(f"{api}/appointments/{booking['code']}", timeout=10)
    assert again.status_code == 409 and again.json()["error"]["code"] == "appointment_not_booked"

    bad = requests.post(f"{api}/appointments", json={"service": "traffic", "start": "2020-01-01T09:00",
                                                     "phone": "+96550009999"}, timeout=10)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_slot"
    not_offered = requests.get(f"{api}/services/medical/slots", params={"date": today()}, timeout=10)
    assert not_offered.status_code == 409 and not_offered.json()["error"]["code"] == "appointments_not_offered"

    supervisor = server.staff("lead", "supervisor")
    csv = (
        "ref,service,start,phone,civil_id,lang\n"
        f"PLAT-1,traffic,{first},,290010112345,ar\n"
        f"PLAT-2,traffic,{first},+96550000077,,en\n"
    )
    headers = {**supervisor, "Content-Type": "text/csv"}
    imported = requests.post(f"{api}/appointments/import", data=csv.encode(), headers=headers, timeout=10)
    assert imported.status_code == 200, imported.text
    assert (imported.json()["added"], imported.json()["skipped"]) == (2, 0)
    twice = requests.post(f"{api}/appointments/import", data=csv.encode(), headers=headers, timeout=10).json()
    assert (twice["added"], twice["skipped"]) == (0, 2)
    clerk = server.staff("desk", "clerk")
    refused = requests.post(f"{api}/appointments/import", data=csv.encode(), headers={**clerk, "Content-Type":
                            "text/csv"}, timeout=10)  # fmt: skip
    assert refused.status_code == 403

    kiosk = server.device("kiosk", "k2")
    checked = requests.post(f"{api}/appointments/check-in", json={"civil_id": "290010112345"}, headers=kiosk,
                            timeout=10)  # fmt: skip
    assert checked.status_code == 201, checked.text
    ticket = checked.json()
    assert (ticket["priority"], ticket["late"], ticket["print"]["status"]) == ("appointment", False, "queued")
    twice_in = requests.post(f"{api}/appointments/check-in", json={"civil_id": "290010112345"}, headers=kiosk,
                             timeout=10)  # fmt: skip
    assert twice_in.status_code == 404 and twice_in.json()["error"]["code"] == "unknown_appointment"
    anonymous = requests.post(f"{api}/appointments/check-in", json={"code": "12345678"}, timeout=10)
    assert anonymous.status_code == 401

    # the same import from a terminal, for a scheduled job: a JSON file, twice
    bookings = tmp_path / "platform.json"
    row = {"ref": "PLAT-3", "service": "traffic", "start": second, "phone": "+96550000078"}
    bookings.write_text(json.dumps([row]), encoding="utf-8")
    assert server.flask("appointments", "import", "test", str(bookings)).startswith("added 1, skipped 0")
    assert server.flask("appointments", "import", "test", str(bookings)).startswith("added 0, skipped 1")
