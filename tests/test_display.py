"""The hall screen in Debian's Chromium against a real server: pairing, live calls, speech, recovery."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from displays.announcer import wav_seconds
from tests.support.screenshots import save_screenshot
from tests.support.server import SMALL_CONFIG, LiveServer

FULL_HD = {"width": 1920, "height": 1080}


def issue(server: LiveServer, service: str = "traffic") -> dict[str, Any]:
    response = requests.post(
        f"{server.url}/api/v1/centres/test/tickets", json={"service": service}, headers=server.device("kiosk", "k1")
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def open_paired(browser: Any, server: LiveServer, code: str = "hall") -> tuple[Any, Any]:
    """A fresh browser context paired through the real /pair/<token> link; returns (context, page)."""
    context = browser.new_context(viewport=FULL_HD, locale="ar")
    page = context.new_page()
    page.goto(f"{server.url}/pair/{server.tokens[('test', 'display', code)]}")
    assert page.url.endswith(f"/display/test/{code}")
    page.wait_for_function("window.tabourDisplay && window.tabourDisplay.connected", timeout=15_000)
    page.wait_for_function("window.tabourDisplay.events.indexOf('hall_snapshot') >= 0", timeout=15_000)
    return context, page


def shoot(page: Any, artifacts: Path, name: str) -> None:
    save_screenshot(page, artifacts, name)


@pytest.mark.browser
def test_paired_screen_shows_a_call_within_a_second_and_speaks_it(
    live_server: LiveServer, browser: Any, artifacts: Path
) -> None:
    clerk = live_server.clerk_at("5", "clerk-screen")
    for service in ("traffic", "residency", "traffic", "medical"):
        issue(live_server, service)
    context, page = open_paired(browser, live_server)
    audio_requests: list[str] = []
    page.on("request", lambda request: audio_requests.append(request.url) if ".wav" in request.url else None)
    try:
        assert page.get_attribute("html", "dir") == "rtl" and page.get_attribute("html", "lang") == "ar"
        assert page.locator(".now-title .lang-first").inner_text() == "يُنادى الآن"
        heading = page.locator("h2[data-label=waiting]")
        first, second = (heading.locator(f".lang-{n}").text_content() for n in ("first", "second"))
        assert heading.text_content() == f"{first} {second}"  # two words to a screen reader, not run together
        assert page.locator("#bodies li").count() == 2  # waiting per body (two bodies in the small config)

        called = requests.post(f"{live_server.url}/api/v1/centres/test/counters/5/call-next", headers=clerk)
        assert called.status_code == 200
        number = called.json()["number"]
        page.wait_for_function(
            "n => document.getElementById('now-number').textContent === n", arg=number, timeout=15_000
        )
        assert "highlight" in page.get_attribute("#now", "class")
        assert page.locator("#recent tbody tr").first.inner_text().startswith(number)

        # chime, then Arabic, then English: fetched in that order, each real WAV audio
        page.wait_for_function("window.tabourDisplay.announced.length >= 1", timeout=15_000)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and sum("/audio/" in url for url in audio_requests) < 2:
            page.wait_for_timeout(200)
        spoken = [url for url in audio_requests if "/audio/" in url]
        assert any("chime.wav" in url for url in audio_requests)
        assert [url.split("/audio/")[1].split("/")[0] for url in spoken[:2]] == ["ar", "en"]
        for url in spoken[:2]:
            response = context.request.get(url)
            body = response.body()
            assert response.status == 200 and response.headers["content-type"] == "audio/wav"
            assert body[:4] == b"RIFF" and body[8:12] == b"WAVE"
            assert wav_seconds(body) > 1.5, url
            assert f"/{number}/5.wav" in url

        for _ in range(5):  # fill the last-calls list for the screenshot
            requests.post(f"{live_server.url}/api/v1/centres/test/counters/{_ + 1}/call-next", headers=clerk)
        issue(live_server, "civil-id")
        page.wait_for_timeout(700)
        shoot(page, artifacts, "display-hall")
    finally:
        context.close()


@pytest.mark.browser
def test_counter_layout_shows_only_its_counter(live_server: LiveServer, browser: Any, artifacts: Path) -> None:
    clerk, neighbour = live_server.clerk_at("1", "clerk-counter"), live_server.clerk_at("2", "clerk-next")
    first, second = issue(live_server), issue(live_server)
    context, page = open_paired(browser, live_server, "counter-1")
    try:
        assert page.get_attribute("body", "class").split() == ["display", "layout-counter"]
        requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk)
        requests.post(f"{live_server.url}/api/v1/centres/test/counters/2/call-next", headers=neighbour)
        page.wait_for_function(
            "n => document.getElementById('counter-number').textContent === n", arg=first["number"], timeout=2000
        )
        page.wait_for_timeout(300)
        assert page.inner_text("#counter-number") == first["number"] != second["number"]
        assert page.locator("#counter-label .lang-first").inner_text() == "كاونتر ١"
        shoot(page, artifacts, "display-counter")
    finally:
        context.close()


@pytest.mark.browser
def test_unpaired_or_wrong_device_gets_a_translated_pairing_page(live_server: LiveServer, browser: Any) -> None:
    context = browser.new_context(locale="ar")
    page = context.new_page()
    try:
        response = page.goto(f"{live_server.url}/display/test/hall")
        assert response.status == 403 and page.get_attribute("html", "dir") == "rtl"
        assert page.get_attribute(".display-pair", "data-reason") == "unpaired"
        assert "غير مربوطة" in page.inner_text("h1")
        kiosk = live_server.tokens[("test", "kiosk", "k1")]
        response = page.goto(f"{live_server.url}/display/test/hall?token={kiosk}&lang=en")
        assert response.status == 403 and page.get_attribute(".display-pair", "data-reason") == "other_device"
        assert page.inner_text("h1") == "This screen is not paired"
        counter_screen = live_server.tokens[("test", "display", "counter-1")]
        response = page.goto(f"{live_server.url}/display/test/hall?token={counter_screen}")
        assert response.status == 403
        assert requests.get(f"{live_server.url}/display/test/hall/audio/ar/A001/1.wav").status_code == 403
    finally:
        context.close()


@pytest.mark.browser
def test_screen_recovers_after_server_restart(live_server: LiveServer, browser: Any, artifacts: Path) -> None:
    clerk = live_server.clerk_at("1", "clerk-restart")
    for _ in range(3):
        issue(live_server)
    context, page = open_paired(browser, live_server)
    try:
        first = requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk).json()
        page.wait_for_function(
            "n => document.getElementById('now-number').textContent === n", arg=first["number"], timeout=2000
        )
        live_server.stop()
        page.wait_for_selector("#reconnecting", state="visible", timeout=15_000)  # shown after 3 s
        assert page.inner_text("#now-number") == first["number"]  # keeps the last state meanwhile
        shoot(page, artifacts, "display-reconnecting")
        live_server.start()
        page.wait_for_function("window.tabourDisplay.connected", timeout=15000)
        page.wait_for_selector("#reconnecting", state="hidden", timeout=15_000)
        clerk = {"Authorization": f"Bearer {live_server.token('clerk-restart')}"}
        assert requests.post(f"{live_server.url}/api/v1/centres/test/counters/2/sign-in", headers=clerk).ok
        second = requests.post(f"{live_server.url}/api/v1/centres/test/counters/2/call-next", headers=clerk).json()
        page.wait_for_function(
            "n => document.getElementById('now-number').textContent === n", arg=second["number"], timeout=2000
        )
        numbers = page.locator("#recent td.number").all_inner_texts()
        assert numbers[:2] == [second["number"], first["number"]]
        announced = page.evaluate("window.tabourDisplay.announced")
        assert announced.count(first["number"]) == 1  # the fresh snapshot does not announce it again
        # traffic: 3 issued, 2 called (queue_changed is coalesced, so it may follow a moment later)
        page.wait_for_function("document.querySelector('#bodies li .body-waiting').textContent === '1'", timeout=15_000)
    finally:
        context.close()


@pytest.mark.browser
def test_a_zone_screen_keeps_its_own_calls_after_a_reload(tmp_path: Path, browser: Any) -> None:
    """Zone A calls far more than zone B; before, a reloaded zone-B screen got the centre's last eight
    calls (all zone A) and showed "no calls yet" while zone B was calling."""
    data = yaml.safe_load(SMALL_CONFIG.read_text(encoding="utf-8"))
    centre = next(c for c in data["centres"] if c["code"] == "test")
    centre["zones"].append({"code": "b", "names": {"ar": "الصالة ب", "en": "Hall B", "ur": "ہال ب"}})
    for counter in centre["counters"]:
        if counter["code"] in ("5", "6"):
            counter["zone"] = "b"
    hall = next(d for d in centre["displays"] if d["code"] == "hall")
    centre["displays"].append({**hall, "code": "zone-b", "zones": ["b"], "voice": {**hall["voice"], "enabled": False}})
    config = tmp_path / "zones.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    server = LiveServer(instance=tmp_path / "instance", config=config).start()
    try:
        zone_a, zone_b = server.clerk_at("1", "clerk-a"), server.clerk_at("5", "clerk-b")
        for _ in range(2):
            issue(server, "medical")
        for _ in range(12):
            issue(server, "traffic")
        called_b = []
        for _ in range(2):
            answer = requests.post(f"{server.url}/api/v1/centres/test/counters/5/call-next", headers=zone_b)
            called_b.append(answer.json()["number"])
        for _ in range(10):  # zone A's calls are now the centre's last eight
            assert requests.post(f"{server.url}/api/v1/centres/test/counters/1/call-next", headers=zone_a).ok
        context, page = open_paired(browser, server, "zone-b")
        try:
            page.reload()
            page.wait_for_function("window.tabourDisplay.events.indexOf('hall_snapshot') >= 0", timeout=15_000)
            page.wait_for_function(
                "n => [...document.querySelectorAll('#recent tbody tr')].some(r => r.textContent.includes(n))",
                arg=called_b[0],
                timeout=15_000,
            )
            # its waiting panel lists the bodies its counters serve, not the whole centre
            assert page.locator("#bodies li").count() == 1
            assert "Interior" not in page.locator("#bodies").inner_text()
            rows = page.locator("#recent tbody tr").all_inner_texts()
            assert all(any(number in row for row in rows) for number in called_b)
            assert not any("A0" in row for row in rows)  # zone A's numbers stay on zone A's screens
        finally:
            context.close()
    finally:
        server.stop()


@pytest.mark.browser
def test_the_voice_keeps_up_in_a_burst_and_never_repeats_itself(live_server: LiveServer, browser: Any) -> None:
    """Five calls while the first is being spoken: counter 2 calls twice, so its first call is not spoken;
    the backlog is spoken in the first language only, back to back; the last call alone gets every
    language; a reload replays nothing already said."""
    supervisor = live_server.staff("lead-voice", "supervisor")
    for counter in ("1", "2", "3", "4"):  # a supervisor may open several counters to cover them
        signed = requests.post(f"{live_server.url}/api/v1/centres/test/counters/{counter}/sign-in", headers=supervisor)
        assert signed.status_code == 200, signed.text
    for service in ("traffic", "traffic", "traffic", "residency", "civil-id"):
        issue(live_server, service)
    context, page = open_paired(browser, live_server)
    held: list[Any] = []
    page.route("**/chime.wav", lambda route: held.append(route))  # the first announcement waits on its chime
    try:
        numbers = {}
        for step, counter in enumerate(("1", "2", "3", "4", "2")):
            answer = requests.post(f"{live_server.url}/api/v1/centres/test/counters/{counter}/call-next",
                                   headers=supervisor)  # fmt: skip
            assert answer.status_code == 200, answer.text
            numbers[step] = answer.json()["number"]
        page.wait_for_function("window.tabourDisplay.announced.length === 5", timeout=15_000)
        assert len(held) == 1  # only the first announcement has begun
        held[0].continue_()
        page.unroute("**/chime.wav")
        page.wait_for_function("window.tabourDisplay.spoken.length === 4", timeout=60_000)
        page.wait_for_timeout(1500)  # nothing more comes
        spoken = page.evaluate("window.tabourDisplay.spoken")
        assert [s["number"] for s in spoken] == [numbers[0], numbers[2], numbers[3], numbers[4]]
        assert numbers[1] not in [s["number"] for s in spoken]  # counter 2 moved on before it was said
        assert [s["languages"] for s in spoken] == [["ar", "en"], ["ar"], ["ar"], ["ar", "en"]]
        assert [s["short"] for s in spoken] == [False, True, True, False]  # "B1, counter 3" in a burst
        waits = [s["delay_ms"] for s in spoken]
        assert waits == sorted(waits)  # in call order, each as soon as the one before ended

        page.reload()
        page.wait_for_function("window.tabourDisplay && window.tabourDisplay.connected", timeout=15_000)
        page.wait_for_timeout(2000)
        assert page.evaluate("window.tabourDisplay.spoken") == []  # nothing said twice after a reload
    finally:
        context.close()
