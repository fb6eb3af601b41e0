"""What every staff and visitor page carries, in Chromium: the packaged Arabic-script font that draws Urdu
(the system here has no Urdu font: before, ہ, ے and ۔ were boxes on these pages) and a favicon."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support.server import LiveServer

# draws each character with the page's font and with a private-use code point that no font has (a box):
# a character drawn exactly like the box is missing from the fonts the page can use
MISSING_GLYPHS = """async (text) => {
  await document.fonts.ready;
  const family = getComputedStyle(document.body).fontFamily;
  const draw = (ch) => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext("2d");
    ctx.font = "40px " + family;
    ctx.fillText(ch, 8, 48);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(",");
  };
  const box = draw("\\uE000");
  return [...text].filter((ch) => draw(ch) === box);
}"""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/?lang=ur", "/login?lang=ur"])
def test_urdu_is_drawn_and_the_page_has_an_icon(live_server: LiveServer, browser: Any, path: str) -> None:
    context = browser.new_context(locale="ur")
    page = context.new_page()
    fonts: list[int] = []
    page.on("response", lambda r: fonts.append(r.status) if r.url.endswith(".ttf") else None)
    try:
        page.goto(live_server.url + path)
        assert page.get_attribute("html", "dir") == "rtl"
        page.evaluate("document.fonts.load('40px \"IBM Plex Sans Arabic\"', 'ہے۔')")
        assert page.evaluate(MISSING_GLYPHS, "ہےۓ۔ٹڈڑں") == []
        assert fonts and set(fonts) == {200}
    finally:
        context.close()
    icon = requests.get(f"{live_server.url}/favicon.ico", timeout=30)
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")


def test_the_home_page_names_devices_by_their_names(live_server: LiveServer) -> None:
    page = requests.get(f"{live_server.url}/?lang=ar", timeout=30).text
    assert "شاشة الصالة" in page and "جهاز التذاكر ١" in page  # names from config.yaml, not codes


VIOLATIONS = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));"""


@pytest.mark.browser
def test_every_page_works_under_the_content_security_policy(live_server: LiveServer, browser: Any) -> None:
    """Each kind of page, as its users open it, with the policy enforced: nothing it loads or runs is
    refused (a refused script would be a dead kiosk or a silent screen)."""
    server = live_server
    server.add_user("csp-sup", "supervisor", "test")
    kiosk = server.device("kiosk", "k1")
    ticket = requests.post(
        f"{server.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=kiosk, timeout=30
    )
    pages = [
        "/",
        f"/pair/{server.tokens[('test', 'kiosk', 'k1')]}",
        f"/pair/{server.tokens[('test', 'display', 'hall')]}",
        ticket.json()["tracking_url"].replace(server.url, ""),
        "/join/test",
        "/supervisor/test",
        "/counter/test",
        "/account",
        "/account/two-step",
    ]
    context = browser.new_context(bypass_csp=False)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(VIOLATIONS)
    try:
        page.goto(server.url + "/login")
        page.fill("input[name=username]", "csp-sup")
        page.fill("input[name=password]", "secret-pass-1")
        page.click("button[type=submit]")
        page.wait_for_url("**/supervisor/test")
        for path in pages:
            response = page.goto(server.url + path)
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")
            assert page.evaluate("window.__csp") == [], path
        assert refused == []
    finally:
        context.close()
