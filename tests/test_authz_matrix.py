"""The authorisation matrix: every route of the Flask URL map and every Socket.IO namespace and event has
an explicit rule here, and each rule is checked through the real server for every kind of caller
(nobody, a kiosk, a hall screen, a clerk, a supervisor, an administrator). A new route or event without a
rule fails the first test: deciding who may use it is part of adding it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import socketio

from queue_app import create_app
from queue_app.extensions import socketio as flask_socketio
from queue_app.settings import Settings, load_config
from tests.support.server import CSRF, SMALL_CONFIG, LiveServer

CALLERS = ("nobody", "kiosk", "display", "clerk", "supervisor", "admin")
STAFF = {"clerk", "supervisor", "admin"}
ALLOWED: dict[str, set[str]] = {
    "public": set(CALLERS),  # visitors' pages, sign-in, documents; or a secret in the URL (tracking, booking code)
    "staff": STAFF,  # any member of staff of the centre (the counter rules say which counter)
    "supervisor": {"supervisor", "admin"},
    "admin": {"admin"},
    "issuer": {"kiosk"} | STAFF,  # tickets and check-ins: a kiosk of the centre or its staff
    "kiosk": {"kiosk"},  # the kiosk's own print jobs
    "display": {"display"},  # a paired hall screen
    "credential": set(CALLERS),  # open to all, and the request itself is the credential (a password, a
    # pairing token, the sign-in's second step): refusals there are about the credential, tested in
    # tests/test_accounts.py and tests/test_kiosk_page.py, not in this matrix
}

RULES: dict[str, str] = {
    # pages for everyone, and their assets
    "home.index": "public",
    "home.favicon": "public",
    "home.health": "public",
    "home.metrics": "public",  # TABOUR_METRICS_TOKEN closes it (tests/test_metrics.py); off by default
    "home.pair": "credential",
    "static": "public",
    "report_page.chart_js": "public",  # Chart.js as Debian packages it
    "display.static": "public",
    "display.font": "public",
    "display.chime": "public",
    "kiosk.font": "public",
    "kiosk.qr": "public",  # the tracking code is the secret
    "auth.login": "public",
    "auth.login_submit": "credential",
    "auth.code": "credential",
    "auth.code_submit": "credential",
    "auth.logout": "public",  # signs out whoever asks; nothing to do for nobody
    "track.page": "public",
    "track.cancel": "public",
    "track.rate": "public",
    "join.page": "public",
    "booking.page": "public",
    "booking.booking": "public",
    "booking.cancel": "public",
    "booking.here": "public",
    # the API for everyone
    "api.openapi": "public",
    "api.centres": "public",
    "api.services": "public",
    "api.hall_view": "public",  # what the hall's screens show anyway
    "calendar.days": "public",  # the closed days ahead, as visitors see them
    "api.ticket": "public",
    "api.token": "public",
    "api.revoke_token": "staff",
    "join.api_join": "public",
    "appointments.slots": "public",
    "appointments.book": "public",
    "appointments.show": "public",
    "appointments.cancel": "public",
    "appointments.move": "public",
    # devices
    "kiosk.page": "kiosk",
    "display.page": "display",
    "display.audio": "display",
    "api.issue": "issuer",
    "appointments.check_in": "issuer",
    "join.check_in": "issuer",  # a ticket from home checked in at the kiosk (or by staff)
    "print_jobs.job": "issuer",  # the kiosk that printed it, or staff
    "print_jobs.cancel": "kiosk",
    # staff
    "account.page": "staff",
    "account.password": "staff",
    "account.end_others": "staff",
    "account.two_step": "staff",
    "account.two_step_submit": "staff",
    "counter.page": "staff",
    "counter.state": "staff",
    "counter.sign_in": "staff",
    "counter.sign_out": "staff",
    "outbox.listing": "staff",
    "outbox.retry": "supervisor",
    "print_jobs.centre_jobs": "staff",
    "print_jobs.reprint": "staff",
    # supervisors
    "supervisor.page": "supervisor",
    "supervisor.counter_services": "supervisor",
    "supervisor.intake": "supervisor",
    "supervisor.move_ticket": "supervisor",
    "calendar.close_days": "supervisor",
    "calendar.reopen": "supervisor",
    "reports.summary": "supervisor",
    "report_page.page": "supervisor",
    "central.page": "admin",  # and the central role, which this matrix does not play (tests/test_central_browser.py)
    "report_page.report_csv": "supervisor",
    "report_page.report_xlsx": "supervisor",
    "printers_page.page": "staff",
    "printers_page.reprint": "staff",
    "staffing_page.plan_page": "supervisor",
    "reports.staffing_plan": "supervisor",
    "staffing_page.advice": "supervisor",
    "appointments.import_bookings": "supervisor",
    # administrators
    "admin.index": "admin",
    "admin.users_page": "admin",
    "admin.add_user": "admin",
    "admin.set_active": "admin",
    "admin.reset_password": "admin",
    "admin.two_step_off": "admin",
    "admin.audit_page": "admin",
    "admin.audit_csv": "admin",
    "admin.devices_page": "admin",
    "admin.pair_device": "admin",
    "admin.unpair_device": "admin",
    "admin_hall.index": "admin",
    "admin_hall.centre": "admin",
    "admin_hall.new": "admin",
    "admin_hall.add": "admin",
    "admin_hall.edit": "admin",
    "admin_hall.save": "admin",
    "admin_hall.remove": "admin",
}
COUNTER_ACTIONS = re.compile(r"^(counter\.action_|api\.counter_)")  # each counter action: staff of the centre

# Socket.IO: who may connect to each namespace, and the events a connected client may send
NAMESPACE_RULES = {"/hall": {"display"} | STAFF, "/track": {"public"}, "/print": {"kiosk"}, "/central": {"admin"}}
EVENT_RULES = {("/hall", "snapshot"): "connected clients of /hall ask for their own snapshot again"}

# Not sent through the matrix: they end the caller's own session (tests/test_accounts.py covers them)
ENDS_THE_CALLER = {"auth.logout", "api.revoke_token", "account.end_others", "counter.sign_out"}
VALUES = {
    "centre": "test",
    "counter": "1",
    "code": "1",
    "service": "traffic",
    "lang": "ar",
    "number": "A001",
    "weight": 400,
    "user_id": 999_999,  # no such user: the rule is checked before the lookup
    "entry_id": 999_999,
    "notification_id": 999_999,
    "kind": "zone",
    "ident": "main",
}


def rule_for(endpoint: str) -> str | None:
    if COUNTER_ACTIONS.match(endpoint):
        return "staff"
    return RULES.get(endpoint)


@pytest.fixture(scope="module")
def url_map(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("matrix-app")
    settings = Settings(
        hall=load_config(SMALL_CONFIG),
        database_url=f"sqlite:///{folder / 'tabour.db'}",
        secret_key="matrix",
        instance_path=str(folder),
        testing=True,
        start_workers=False,
    )
    return create_app(settings).url_map


def test_every_route_and_event_has_a_rule(url_map: Any) -> None:
    missing = sorted({rule.endpoint for rule in url_map.iter_rules() if rule_for(rule.endpoint) is None})
    assert not missing, "routes without an authorisation rule in tests/test_authz_matrix.py: " + ", ".join(missing)
    stale = sorted(set(RULES) - {rule.endpoint for rule in url_map.iter_rules()})
    assert not stale, "rules for routes that do not exist: " + ", ".join(stale)
    handlers = flask_socketio.server.namespace_handlers
    assert set(handlers) == set(NAMESPACE_RULES), set(handlers)
    events = {
        (name, attr[3:])
        for name, handler in handlers.items()
        for attr in dir(handler)
        if attr.startswith("on_") and attr not in ("on_connect", "on_disconnect") and callable(getattr(handler, attr))
    }
    assert events == set(EVENT_RULES), f"Socket.IO events without a rule: {events - set(EVENT_RULES)}"


class Callers:
    """One browser session (cookies) and one API header per kind of caller, on the live server."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.browsers: dict[str, requests.Session] = {}
        self.headers: dict[str, dict[str, str]] = {}
        self.csrf: dict[str, str] = {}
        for name in CALLERS:
            browser = requests.Session()
            if name in ("kiosk", "display"):
                code = "k1" if name == "kiosk" else "hall"
                token = server.tokens[("test", name, code)]
                browser.get(f"{server.url}/pair/{token}")
                self.headers[name] = {"Authorization": f"Bearer {token}"}
            elif name in STAFF:
                role = name
                server.add_user(f"m-{name}", role, None if role == "admin" else "test")
                page = browser.get(server.url + "/login")
                token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
                browser.post(
                    server.url + "/login",
                    data={"username": f"m-{name}", "password": "secret-pass-1", "csrf_token": token},
                )
                self.headers[name] = {"Authorization": f"Bearer {server.token(f'm-{name}')}"}
            else:
                self.headers[name] = {}
            page = browser.get(server.url + ("/account" if name in STAFF else "/login"))
            self.csrf[name] = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
            self.browsers[name] = browser


@pytest.fixture(scope="module")
def callers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callers]:
    server = LiveServer(instance=tmp_path_factory.mktemp("matrix") / "instance").start()
    try:
        yield Callers(server)
    finally:
        server.stop()


def refused(answer: requests.Response) -> bool:
    """401/403, or a page sending the caller to sign in or to pair the device."""
    if answer.status_code in (401, 403):
        return True
    location = answer.headers.get("Location", "")
    return answer.status_code in (302, 303) and ("/login" in location)


def send(callers: Callers, name: str, method: str, path: str) -> requests.Response:
    url = callers.server.url + path
    if path.startswith("/api/"):
        return requests.request(method, url, json={}, headers=callers.headers[name], allow_redirects=False, timeout=30)
    browser = callers.browsers[name]
    if method == "GET":
        return browser.get(url, allow_redirects=False, timeout=30)
    return browser.request(method, url, data={"csrf_token": callers.csrf[name]}, allow_redirects=False, timeout=30)


def test_each_caller_gets_what_its_rule_allows(url_map: Any, callers: Callers) -> None:
    wrong = []
    for rule in sorted(url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in ENDS_THE_CALLER or rule.endpoint in ("static", "display.static"):
            continue
        if rule_for(rule.endpoint) == "credential":
            continue
        allowed = ALLOWED[rule_for(rule.endpoint) or "admin"]
        values = {name: VALUES.get(name, "x") for name in rule.arguments}
        if "code" in rule.arguments and rule.endpoint.split(".")[0] in ("kiosk", "display"):
            values["code"] = "k1" if rule.endpoint.startswith("kiosk") else "hall"
        path = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for name in CALLERS:
                answer = send(callers, name, method, path)
                if refused(answer) == (name in allowed):
                    where = answer.headers.get("Location", "")
                    wrong.append(f"{method} {path} ({rule.endpoint}) as {name}: {answer.status_code} {where}")
    assert not wrong, "the rule and the server disagree:\n" + "\n".join(wrong)


def connects(callers: Callers, name: str, namespace: str) -> bool:
    """Whether this caller's Socket.IO connection to the namespace is accepted (devices prove themselves
    with their token, staff with the browser's session cookie)."""
    client = socketio.Client(reconnection=False)
    auth = None
    headers = {}
    if name in ("kiosk", "display"):
        auth = {"token": callers.headers[name]["Authorization"].removeprefix("Bearer ")}
    elif name in STAFF:
        cookies = "; ".join(f"{k}={v}" for k, v in callers.browsers[name].cookies.items())
        headers = {"Cookie": cookies}
    try:
        client.connect(
            callers.server.url,
            namespaces=[namespace],
            auth=auth,
            headers=headers,
            transports=["websocket"],
            wait_timeout=15,
        )
    except socketio.exceptions.ConnectionError:
        return False
    client.disconnect()
    return True


def test_each_caller_may_open_only_its_namespaces(callers: Callers) -> None:
    cases = [
        (namespace, name)
        for namespace, allowed in NAMESPACE_RULES.items()
        if allowed != {"public"}  # /track: the tracking code is the credential (tests/test_realtime.py)
        for name in CALLERS
        # /print accepts only a kiosk whose printer is a print agent (tests/test_print_agent.py)
        if not (namespace == "/print" and name == "kiosk")
    ]
    with ThreadPoolExecutor(len(cases)) as pool:  # each client takes a few seconds to wind down
        outcomes = list(pool.map(lambda case: connects(callers, case[1], case[0]), cases))
    wrong = [
        f"{namespace} as {name}"
        for (namespace, name), connected in zip(cases, outcomes, strict=True)
        if connected != (name in NAMESPACE_RULES[namespace])
    ]
    assert not wrong, "Socket.IO namespaces and their rules disagree: " + ", ".join(wrong)
