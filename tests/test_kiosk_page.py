"""The kiosk page's access rules, its language start and its server-drawn QR code."""

from __future__ import annotations

import re

import requests

from tests.support.server import LiveServer


def test_kiosk_page_pairing_language_and_qr(live_server: LiveServer) -> None:
    base = f"{live_server.url}/kiosk/test/k1"
    unpaired = requests.get(base, headers={"Accept-Language": "ar"})
    assert unpaired.status_code == 403 and "غير مقترن" in unpaired.text and 'dir="rtl"' in unpaired.text
    assert "devices pair kiosk k1 --centre test" in unpaired.text
    wrong = requests.get(base, params={"token": live_server.tokens[("test", "kiosk", "k2")]})
    assert wrong.status_code == 403  # k2's token does not open k1
    assert requests.get(f"{live_server.url}/kiosk/test/nope").status_code == 404

    session = requests.Session()
    paired = session.get(f"{live_server.url}/pair/{live_server.tokens[('test', 'kiosk', 'k1')]}")
    assert paired.status_code == 200 and paired.url.endswith("/kiosk/test/k1?lang=ar")
    assert 'lang="ar" dir="rtl"' in paired.text and "اختر الجهة" in paired.text
    assert paired.headers["Cache-Control"] == "no-store"
    # one numeral system on the screen: the keypad, ticket numbers and hints all in Western digits
    eastern = re.compile("[\u0660-\u0669\u06f0-\u06f9]")
    assert not eastern.findall(paired.text), "Eastern Arabic digits beside the keypad's Western ones"
    urdu = session.get(base, params={"lang": "ur"})
    assert 'lang="ur" dir="rtl"' in urdu.text and "ادارہ منتخب کریں" in urdu.text
    assert not eastern.findall(urdu.text)
    assert 'lang="en" dir="ltr"' in session.get(base, params={"lang": "en"}).text

    issued = requests.post(
        f"{live_server.url}/api/v1/centres/test/tickets",
        json={"service": "medical"},
        headers=live_server.device("kiosk", "k2"),
    ).json()
    assert issued["print"]["status"] == "queued"  # k2 prints to memory in the small config
    qr = requests.get(f"{live_server.url}/kiosk/qr/{issued['tracking_code']}.svg")
    assert qr.status_code == 200 and qr.headers["Content-Type"].startswith("image/svg+xml") and "<svg" in qr.text
    assert requests.get(f"{live_server.url}/kiosk/qr/unknown.svg").status_code == 404
    font = requests.get(f"{live_server.url}/kiosk/font/700.ttf")
    assert font.status_code == 200 and font.content[:4] == b"\x00\x01\x00\x00"
