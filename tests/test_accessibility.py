"""An axe-core scan (from the npm registry: package.json, `make test` installs it) of every page a person
uses, in each state that shows something new, in Arabic, English and Urdu: no critical or serious
violation of WCAG 2.1 A and AA. Each page is opened as its user opens it (a paired kiosk and screen, a
signed-in clerk, supervisor, administrator, a visitor's phone)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.support.server import ROOT, LiveServer

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ("ar", "en", "ur")
BLOCKING = {"critical", "serious"}
RUN_AXE = """async () => {
  const rules = {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}};
  const result = await axe.run(document, rules);
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""


# the hall's configuration: a centre's lists, a filled form, a blank one
HALL_PAGES = ("/admin/hall/test", "/admin/hall/test/counter/1", "/admin/hall/test/kiosk/new")


def scan(page: Any) -> list[dict[str, Any]]:
    """axe's critical and serious violations on the page as it stands."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with a day in it: a clerk serving, tickets waiting, a kiosk and a screen paired."""
    server = LiveServer(instance=tmp_path_factory.mktemp("a11y") / "instance").start()
    for name, role in (("sami", "supervisor"), ("rana", "admin")):
        server.add_user(name, role, "test" if role != "admin" else None)
    clerk = server.clerk_at("1", "amal")
    kiosk = server.device("kiosk", "k1")
    base = f"{server.url}/api/v1/centres/test"
    tickets = [requests.post(f"{base}/tickets", json={"service": "traffic"}, headers=kiosk).json() for _ in range(3)]
    assert requests.post(f"{base}/counters/1/call-next", headers=clerk).status_code == 200
    server.tickets = tickets  # type: ignore[attr-defined]
    yield server
    server.stop()


def signed_in(browser: Any, server: LiveServer, username: str, lang: str) -> Any:
    context = browser.new_context(locale=lang, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/login?lang={lang}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "secret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_state_passes_axe(hall: LiveServer, browser: Any, lang: str) -> None:
    server = hall
    found: dict[str, list[dict[str, Any]]] = {}

    def check(name: str, page: Any) -> None:
        page.wait_for_load_state("networkidle")
        violations = scan(page)
        if violations:
            found[name] = violations

    # visitors: the home page, the sign-in form, a ticket on the phone, the join form, a 404
    context = browser.new_context(locale=lang, viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    for name, path in (
        ("home", "/"),
        ("login", "/login"),
        ("track", f"/t/{server.tickets[1]['tracking_code']}"),  # type: ignore[attr-defined]
        ("join", "/join/test"),
        ("not found", "/no-such-page"),
    ):
        page.goto(f"{server.url}{path}{'&' if '?' in path else '?'}lang={lang}")
        check(name, page)
    context.close()

    # the kiosk, step by step, and the hall screen
    context = browser.new_context(locale=lang, viewport={"width": 1080, "height": 1920}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server.url}/pair/{server.tokens[('test', 'kiosk', 'k1')]}")
    page.goto(f"{server.url}/kiosk/test/k1?lang={lang}")
    check("kiosk: bodies", page)
    page.click("[data-body=interior]")
    page.locator("[data-service=traffic]").wait_for()
    check("kiosk: services", page)
    page.click("[data-service=traffic]")
    page.locator("#issue").wait_for()
    check("kiosk: details", page)
    page.click("#issue")
    page.locator("#step-ticket:not([hidden])").wait_for()
    check("kiosk: the ticket", page)
    page.goto(f"{server.url}/pair/{server.tokens[('test', 'display', 'hall')]}")
    page.goto(f"{server.url}/display/test/hall?lang={lang}")
    check("hall screen", page)
    context.close()

    # staff: the console, the board and its pages, reports, account and administration
    for username, paths in (
        ("amal", ("/counter/test/1", "/account")),
        ("sami", ("/supervisor/test", "/supervisor/test/plan", "/supervisor/test/printers", "/reports/test")),
        ("rana", ("/admin", "/admin/users", "/admin/audit", "/admin/devices", "/central", *HALL_PAGES)),
    ):
        context, page = signed_in(browser, server, username, lang)
        for path in paths:
            page.goto(f"{server.url}{path}?lang={lang}")
            check(f"{username} {path}", page)
        context.close()

    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_axe_core_is_installed() -> None:
    """`make test` installs it from the npm registry (package-lock.json pins it)."""
    assert AXE.exists(), "run `make test` (or `npm ci`) to install axe-core"
    assert (
        json.loads((ROOT / "node_modules" / "axe-core" / "package.json").read_text())["version"]
        == json.loads((ROOT / "package.json").read_text())["devDependencies"]["axe-core"]
    )
