"""The hall's configuration in the database (issue 16): config.yaml seeds it, administrators change it with
the /admin/hall forms, the change is in force at once in every server process without a restart, and the
newest change wins between the file and the administrators. Through real servers (SQLite, and two
processes on PostgreSQL with Redis) and a real Socket.IO client."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
import yaml

from queue_app.settings import parse_config
from tests.support.server import CSRF, SMALL_CONFIG, LiveServer


def sign_in(server: LiveServer, username: str) -> requests.Session:
    browser = requests.Session()
    token = CSRF.search(browser.get(server.url + "/login").text).group(1)  # type: ignore[union-attr]
    landing = browser.post(
        server.url + "/login", data={"username": username, "password": "secret-pass-1", "csrf_token": token}
    )
    assert landing.status_code == 200, landing.text
    return browser


def post_form(browser: requests.Session, url: str, data: dict[str, Any]) -> requests.Response:
    """A form post as the page sends it: the page's CSRF token with the fields."""
    page = browser.get(url.removesuffix("/remove"))
    token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    return browser.post(url, data={**data, "csrf_token": token}, allow_redirects=False)


NOTARY = {
    "body": "interior",
    "code": "notary",
    "names.ar": "التوثيق",
    "names.en": "Notary",
    "prefix": "N",
    "minutes": "7.5",
    "target_wait": "30",
    "daily_cap": "200",
    "remote_join": "on",
}


def services_of(server: LiveServer, centre: str = "test") -> list[str]:
    answer = requests.get(f"{server.url}/api/v1/centres/{centre}/services", timeout=10)
    assert answer.status_code == 200, answer.text
    return [s["code"] for s in answer.json()]


def test_an_added_service_is_in_force_at_once_survives_a_restart_and_a_changed_file_wins(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(SMALL_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    server = LiveServer(instance=tmp_path / "instance", config=config).start()
    try:
        server.add_user("amal", "admin")
        admin = sign_in(server, "amal")
        page = admin.get(server.url + "/admin/hall/test")
        assert page.status_code == 200 and 'data-entry="traffic"' in page.text

        added = post_form(admin, server.url + "/admin/hall/test/service/new", NOTARY)
        assert added.status_code == 302, added.text
        assert "notary" in services_of(server)  # in force at once: no restart
        staff = server.staff("issuer", "clerk")
        ticket = requests.post(
            f"{server.url}/api/v1/centres/test/tickets", json={"service": "notary"}, headers=staff, timeout=10
        )
        assert ticket.status_code == 201 and ticket.json()["number"] == "N001", ticket.text

        # a counter that serves it, second in its order after traffic
        counter = post_form(
            admin,
            server.url + "/admin/hall/test/counter/new",
            {
                "code": "9",
                "names.ar": "الشباك 9",
                "zone": "main",
                "services": ["traffic", "notary"],
                "services.order.traffic": "1",
                "services.order.notary": "2",
            },
        )
        assert counter.status_code == 302, counter.text
        hall = requests.get(f"{server.url}/api/v1/centres/test/hall", timeout=10).json()
        assert "9" in [c["code"] for c in hall["counters"]]

        exported = server.flask("config", "export")
        data = yaml.safe_load(exported)
        centre = next(c for c in data["centres"] if c["code"] == "test")
        assert next(c for c in centre["counters"] if c["code"] == "9")["services"] == ["traffic", "notary"]
        assert parse_config(data).centre("test").service("notary").minutes == 7.5  # reads back as config.yaml
        assert data["security"] == {"two_step_roles": []}  # the file's deployment part, as written

        audit = admin.get(server.url + "/admin/audit", params={"action": "hall_changed"}).text
        assert "test/service/notary" in audit and "test/counter/9" in audit

        server.restart()  # the file did not change: the administrators' version stays in force
        assert "notary" in services_of(server)

        text = config.read_text(encoding="utf-8").replace("Traffic services", "Traffic")
        config.write_text(text, encoding="utf-8")
        server.restart()  # config.yaml changed since it was adopted: the newest change wins, the file's
        services = requests.get(f"{server.url}/api/v1/centres/test/services?lang=en", timeout=10).json()
        assert "notary" not in [s["code"] for s in services]
        assert next(s for s in services if s["code"] == "traffic")["names"]["en"] == "Traffic"
        admin = sign_in(server, "amal")
        assert "config.yaml" in admin.get(server.url + "/admin/audit", params={"action": "hall_from_file"}).text
    finally:
        server.stop()


def test_refusals_are_shown_on_their_field_in_the_readers_language_and_change_nothing(
    live_server: LiveServer,
) -> None:
    live_server.add_user("amal", "admin")
    admin = sign_in(live_server, "amal")
    url = live_server.url + "/admin/hall/test/service/new?lang=ar"

    taken = post_form(admin, url, {**NOTARY, "prefix": "A"})  # traffic's letter
    assert taken.status_code == 422
    assert re.search(r'data-error-for="prefix">[^<]*مستخدم', taken.text), taken.text
    assert 'value="التوثيق"' in taken.text  # what was typed is kept

    words = post_form(admin, url, {**NOTARY, "minutes": "seven"})
    assert words.status_code == 422 and 'data-error-for="minutes"' in words.text

    too_long = post_form(admin, url, {**NOTARY, "target_wait": "900"})
    assert too_long.status_code == 422 and 'data-error-for="target_wait"' in too_long.text and "600" in too_long.text
    assert "notary" not in services_of(live_server)

    # a zone that counters stand in cannot go; a service with visitors waiting waits for them
    zone = post_form(admin, live_server.url + "/admin/hall/test/zone/main/remove", {})
    assert zone.status_code == 302
    refusal = re.search(
        r'flash-error" role="alert">([^<]*)<', admin.get(live_server.url + zone.headers["Location"]).text
    )
    assert refusal and "centres[0].zones" in refusal.group(1), refusal  # the centre's only zone
    assert 'data-entry="main"' in admin.get(live_server.url + "/admin/hall/test").text
    staff = live_server.staff("issuer", "clerk")
    requests.post(f"{live_server.url}/api/v1/centres/test/tickets", json={"service": "residency"}, headers=staff)
    busy = post_form(admin, live_server.url + "/admin/hall/test/service/residency/remove", {})
    assert busy.status_code == 409 and "residency" in busy.text
    assert "residency" in services_of(live_server)

    # only administrators
    live_server.add_user("sami", "supervisor", "test")
    supervisor = sign_in(live_server, "sami")
    assert supervisor.get(live_server.url + "/admin/hall/test").status_code == 403


class HallChanges:
    """A real Socket.IO client on /hall of one process, counting `hall_changed`."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.seen = threading.Event()
        self.client = socketio.Client(reconnection=False)
        self.client.on("hall_changed", lambda *_: self.seen.set(), namespace="/hall")
        self.client.connect(server.url, namespaces=["/hall"], auth={"token": token}, transports=["websocket"])


@pytest.mark.postgres
def test_a_change_on_one_process_is_in_force_on_the_other(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    first = LiveServer(instance=tmp_path / "a", database_url=postgres_url, redis_url=redis_url).start()
    second = LiveServer(
        instance=tmp_path / "b", database_url=postgres_url, redis_url=redis_url, secret_key=first.secret_key
    )
    second.tokens = first.tokens
    second.start()
    screen = None
    try:
        first.add_user("amal", "admin")
        screen = HallChanges(second, first.tokens[("test", "display", "hall")])
        admin = sign_in(first, "amal")
        added = post_form(admin, first.url + "/admin/hall/test/service/new", NOTARY)
        assert added.status_code == 302, added.text
        deadline = time.monotonic() + 30  # the other process's watcher reads the newest version every 2 s
        while "notary" not in services_of(second) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "notary" in services_of(second)
        assert screen.seen.wait(30), "the screen on the other process was not told"
        staff = second.staff("issuer", "clerk")
        ticket = requests.post(
            f"{second.url}/api/v1/centres/test/tickets", json={"service": "notary"}, headers=staff, timeout=10
        )
        assert ticket.status_code == 201, ticket.text
    finally:
        if screen is not None:
            screen.client.disconnect()
        second.stop()
        first.stop()


def test_a_centres_settings_and_a_new_centre_copied_from_it(live_server: LiveServer) -> None:
    live_server.add_user("amal", "admin")
    admin = sign_in(live_server, "amal")
    settings = live_server.url + "/admin/hall/test/centre/test"
    form = admin.get(settings)
    assert form.status_code == 200 and 'value="Asia/Kuwait"' in form.text
    assert "/remove" not in form.text  # a centre keeps its history

    base = {"names.ar": "مركز الاختبار", "timezone": "Asia/Kuwait", "languages": ["ar", "en", "ur"]}
    wrong = post_form(admin, settings + "?lang=en", {**base, "timezone": "Mars/Olympus"})
    assert wrong.status_code == 422 and re.search(r'data-error-for="timezone">Not a known time zone', wrong.text)
    changed = post_form(admin, settings, {**base, "priority.max_consecutive": "2", "calendar.closing": "close"})
    assert changed.status_code == 302, changed.text
    data = yaml.safe_load(live_server.flask("config", "export"))
    test = next(c for c in data["centres"] if c["code"] == "test")
    assert test["priority"]["max_consecutive"] == 2 and test["calendar"]["closing"] == "close"
    assert "elderly" not in test["priority"]  # an empty field: the default applies
    assert parse_config(data).centre("test").priority.elderly.boost_minutes == 15
    assert test["remote"]["hold_minutes"] == 30  # what the form does not show is kept

    added = post_form(
        admin,
        live_server.url + "/admin/hall/test/centre/new",
        {**base, "code": "north", "names.ar": "مركز الشمال", "names.en": "North centre"},
    )
    assert added.status_code == 302 and added.headers["Location"].endswith("/admin/hall/north"), added.text
    centres = requests.get(live_server.url + "/api/v1/centres", timeout=10).json()
    assert "north" in [c["code"] for c in centres]
    assert services_of(live_server, "north") == services_of(live_server, "test")
    north = next(c for c in yaml.safe_load(live_server.flask("config", "export"))["centres"] if c["code"] == "north")
    assert all("printer" not in kiosk for kiosk in north.get("kiosks", []))
    audit = admin.get(live_server.url + "/admin/audit", params={"action": "hall_changed"}).text
    assert "north/centre/north" in audit and "test/centre/test" in audit


def test_a_kiosk_printer_changed_on_the_page_prints_the_next_ticket(tmp_path: Path) -> None:
    """The print worker follows the hall: k1's printer moved to another address takes the next ticket."""
    from tests.printing.fake_printer import FakePrinter
    from tests.support.print_server import start_print_server

    old, new = FakePrinter().start(), FakePrinter().start()
    server = start_print_server(tmp_path, old.port)
    try:
        kiosk = server.device("kiosk", "k1")
        issue = f"{server.url}/api/v1/centres/test/tickets"
        assert requests.post(issue, json={"service": "traffic"}, headers=kiosk, timeout=10).status_code == 201
        old.wait_for_jobs(1, timeout=20)

        server.add_user("amal", "admin")
        admin = sign_in(server, "amal")
        moved = post_form(
            admin,
            server.url + "/admin/hall/test/kiosk/k1",
            {
                "names.ar": "جهاز التذاكر ١",
                "languages": ["ar", "en", "ur"],
                "printer.backend": "network",
                "printer.host": "127.0.0.1",
                "printer.port": str(new.port),
                "printer.paper": "80",
            },
        )
        assert moved.status_code == 302, moved.text
        ticket = requests.post(issue, json={"service": "traffic"}, headers=kiosk, timeout=10)
        assert ticket.status_code == 201 and ticket.json()["print"]["status"] == "queued", ticket.text
        (data,) = new.wait_for_jobs(1, timeout=20)
        assert ticket.json()["number"].encode() in data
        assert len(old.jobs) == 1  # the old printer got nothing more
    finally:
        server.stop()
        old.stop()
        new.stop()
