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
