"""Authorisation of the staff pages: CSRF and a session on every state-changing route, centres kept
apart, the supervisor board closed to clerks, sign-ins and failures audited."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import requests
from flask import Flask

from queue_app import create_app
from queue_app.extensions import runtime
from queue_app.services import accounts
from queue_app.settings import Settings
from queue_app.store.database import utcnow
from tests.support.server import LiveServer

# Routes whose caller is a visitor, not staff: the credential is the form itself or the tracking code in
# the URL (a booking code likewise), so they need CSRF but no session. Every other POST route outside /api/
# needs both.
PUBLIC_POST_ENDPOINTS = {
    "auth.login_submit",
    "auth.code_submit",
    "join.page",
    "track.cancel",
    "track.rate",
    "booking.page",
    "booking.here",
    "booking.cancel",
}
URL_VALUES = {"centre": "test", "code": "1", "service": "traffic", "tracking_code": "no-such-code", "user_id": 999999}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def app(settings: Settings) -> Flask:
    app = create_app(settings)
    with app.app_context():
        rt = runtime()
        with rt.db.transaction() as session:
            accounts.create_user(session, "boss", "chief-pass-19", "admin", None, utcnow())
    return app


def state_changing_routes(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, url) of every POST route outside /api/, built from the url_map (new routes included)."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or rule.rule.startswith("/api/"):
            continue
        values = {name: URL_VALUES.get(name, "x") for name in rule.arguments}
        routes.append((rule.endpoint, rule.build(values, append_unknown=False)[1]))  # type: ignore[index]
    return routes


def csrf_token(client, path: str = "/login") -> str:
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def test_every_post_route_refuses_without_csrf_token_or_session(app: Flask) -> None:
    routes = state_changing_routes(app)
    endpoints = {endpoint for endpoint, _url in routes}
    assert {"counter.action_call_next", "counter.sign_in", "supervisor.intake", "auth.logout"} <= endpoints
    assert len(routes) >= 16

    signed_in = app.test_client()
    token = csrf_token(signed_in)
    answer = signed_in.post("/login", data={"username": "boss", "password": "chief-pass-19", "csrf_token": token})
    assert answer.status_code == 302
    for endpoint, url in routes:
        # A signed-in admin, but no token (and then a wrong one): refused before anything runs.
        for form in ({}, {"csrf_token": "forged"}):
            refused = signed_in.post(url, data=form, headers={"Accept": "application/json"})
            assert refused.status_code == 400, (endpoint, url, refused.status_code)
            assert refused.get_json()["error"]["code"] == "csrf_failed", (endpoint, url)

    anonymous = app.test_client()
    for endpoint, url in routes:
        if endpoint in PUBLIC_POST_ENDPOINTS:
            continue
        token = csrf_token(anonymous)  # a valid token of this (session-less) browser
        answer = anonymous.post(url, data={"csrf_token": token}, headers={"Accept": "application/json"})
        page = anonymous.post(url, data={"csrf_token": token})
        if endpoint == "auth.logout":  # nothing to sign out of: back to the sign-in page, nothing changed
            assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
            continue
        assert answer.status_code == 401, (endpoint, url, answer.status_code, answer.get_data(as_text=True))
        assert answer.get_json()["error"]["code"] == "login_required"
        assert page.status_code == 302 and "/login" in page.headers["Location"], (endpoint, page.status_code)


def sign_in(server: LiveServer, username: str, password: str = "secret-pass-1") -> tuple[requests.Session, str]:
    browser = requests.Session()
    token = CSRF.search(browser.get(server.url + "/login").text).group(1)  # type: ignore[union-attr]
    landing = browser.post(
        server.url + "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert landing.status_code == 200, landing.text
    match = CSRF.search(landing.text)
    assert match, landing.url
    return browser, match.group(1)


def audit_rows(server: LiveServer) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(Path(server.instance) / "tabour.db") as db:
        return db.execute("SELECT action, actor, target FROM audit_log ORDER BY id").fetchall()


def test_clerk_stays_in_own_centre_and_off_the_board(live_server: LiveServer) -> None:
    live_server.add_user("clara", "clerk", "test")
    live_server.add_user("olga", "supervisor", "other")
    clerk, token = sign_in(live_server, "clara")
    json_headers = {"Accept": "application/json"}
    assert clerk.get(live_server.url + "/supervisor/test").status_code == 403
    assert clerk.get(live_server.url + "/counter/other").status_code == 403
    for path in ("/counter/other/1/sign-in", "/counter/other/1/call-next", "/supervisor/test/services/traffic/intake"):
        answer = clerk.post(live_server.url + path, data={"csrf_token": token, "open": "0"}, headers=json_headers)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["error"]["code"] in ("other_centre", "role_required")
    # Her own counter works; acting before signing in to a counter does not.
    early = clerk.post(live_server.url + "/counter/test/1/call-next", data={"csrf_token": token}, headers=json_headers)
    assert early.status_code == 409 and early.json()["error"]["code"] == "counter_not_signed_in"
    assert clerk.post(live_server.url + "/counter/test/1/sign-in", data={"csrf_token": token}).status_code == 200
    # Another clerk cannot take counter 1 from her, nor act on it.
    live_server.add_user("omar", "clerk", "test")
    other, other_token = sign_in(live_server, "omar")
    taken = other.post(
        live_server.url + "/counter/test/1/sign-in", data={"csrf_token": other_token}, headers=json_headers
    )
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "counter_taken"
    assert "clara" in taken.json()["error"]["message"]
    # A supervisor of another centre cannot open this centre's board.
    olga, _ = sign_in(live_server, "olga")
    assert olga.get(live_server.url + "/supervisor/test").status_code == 403
    assert olga.get(live_server.url + "/supervisor/other").status_code == 200


def test_sign_in_sign_out_and_failures_are_audited(live_server: LiveServer) -> None:
    live_server.add_user("clara", "clerk", "test")
    browser = requests.Session()
    token = CSRF.search(browser.get(live_server.url + "/login").text).group(1)  # type: ignore[union-attr]
    wrong = browser.post(
        live_server.url + "/login", data={"username": "clara", "password": "nope", "csrf_token": token}
    )
    assert wrong.status_code == 401 and 'data-code="bad_credentials"' in wrong.text
    # After sign-in the browser lands on its centre's counter picker; `next` may only be a local path.
    evil = browser.post(
        live_server.url + "/login",
        data={"username": "clara", "password": "secret-pass-1", "csrf_token": token, "next": "//evil.example/x"},
    )
    assert evil.url == live_server.url + "/counter/test"
    token = CSRF.search(evil.text).group(1)  # type: ignore[union-attr]
    assert browser.post(live_server.url + "/logout", data={"csrf_token": token}).url.endswith("/login")
    actions = [(action, actor) for action, actor, _target in audit_rows(live_server)]
    assert ("login_failed", "clara") in actions
    assert (
        actions.index(("login_failed", "clara"))
        < actions.index(("login", "clara"))
        < actions.index(("logout", "clara"))
    )
    assert browser.get(live_server.url + "/counter/test", allow_redirects=False).status_code == 302
