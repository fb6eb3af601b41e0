"""Accounts and sign-in through a real server: throttled failures, sessions that really end, password
changes, cookie-authenticated API writes that need the CSRF header, security headers, civil IDs in any
digits counted as one person."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import requests

from tests.support.server import CSRF, ROOT, LiveServer

VISITOR_CONFIG = ROOT / "tests" / "fixtures" / "visitor_config.yaml"


def token_request(server: LiveServer, username: str, password: str, **extra: str) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": password, **extra})


def browser_sign_in(server: LiveServer, username: str, password: str = "secret-pass-1") -> requests.Response:
    browser = requests.Session()
    token = CSRF.search(browser.get(server.url + "/login").text).group(1)  # type: ignore[union-attr]
    answer = browser.post(server.url + "/login", data={"username": username, "password": password, "csrf_token": token})
    answer.browser = browser  # type: ignore[attr-defined]
    return answer


def test_failed_sign_ins_lock_the_name_then_the_address(live_server: LiveServer) -> None:
    server = live_server
    server.add_user("mona", "clerk", "test")
    server.add_user("sara", "clerk", "test")
    for _ in range(5):
        wrong = token_request(server, "mona", "not-her-password")
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_credentials"
    # the sixth try waits, even with the right password, and says for how long
    locked = token_request(server, "mona", "secret-pass-1")
    assert locked.status_code == 429, locked.text
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) > 0
    page = browser_sign_in(server, "mona")
    assert page.status_code == 429 and 'data-code="too_many_attempts"' in page.text
    # another account from the same address still signs in
    assert token_request(server, "sara", "secret-pass-1").status_code == 200
    # names that do not exist cost the same and count against the address: 20 failures in 5 minutes
    for n in range(15):
        assert token_request(server, f"ghost{n}", "whatever-pass").status_code == 401
    refused = token_request(server, "sara", "secret-pass-1")
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_attempts"
    rows = server.flask("audit", "verify")
    assert "intact" in rows


def test_a_signed_out_session_and_a_revoked_token_stop_working(live_server: LiveServer) -> None:
    server = live_server
    server.add_user("lead", "supervisor", "test")
    landing = browser_sign_in(server, "lead")
    browser: requests.Session = landing.browser  # type: ignore[attr-defined]
    assert browser.get(server.url + "/account").status_code == 200
    stolen = dict(browser.cookies)  # a copy of the cookie, taken before signing out
    csrf = CSRF.search(browser.get(server.url + "/account").text).group(1)  # type: ignore[union-attr]
    assert browser.post(server.url + "/logout", data={"csrf_token": csrf}).status_code == 200
    replay = requests.get(server.url + "/account", cookies=stolen, allow_redirects=False)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]

    token = server.token("lead")
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{server.url}/api/v1/centres/test/notifications", headers=headers).status_code == 200
    assert requests.delete(f"{server.url}/api/v1/auth/token", headers=headers).status_code == 204
    gone = requests.get(f"{server.url}/api/v1/centres/test/notifications", headers=headers)
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "token_expired"


def test_a_password_change_ends_the_other_sessions(live_server: LiveServer) -> None:
    server = live_server
    server.add_user("omar", "clerk", "test")
    token = server.token("omar")
    here = browser_sign_in(server, "omar").browser  # type: ignore[attr-defined]
    page = here.get(server.url + "/account?lang=en")
    csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf, "current": "secret-pass-1", "new": "omar", "again": "omar"}
    short = here.post(server.url + "/account/password?lang=en", data=form)
    assert short.status_code == 400 and 'data-code="password_too_short"' in short.text
    form.update(new="a-new-long-pass-2", again="a-new-long-pass-3")
    assert 'data-code="passwords_differ"' in here.post(server.url + "/account/password", data=form).text
    form.update(again="a-new-long-pass-2")
    changed = here.post(server.url + "/account/password", data=form)
    assert changed.status_code == 200 and "flash-info" in changed.text
    # this browser stays signed in; the API token from before is ended; the old password is refused
    assert here.get(server.url + "/account", allow_redirects=False).status_code == 200
    ended = requests.get(
        f"{server.url}/api/v1/centres/test/notifications", headers={"Authorization": f"Bearer {token}"}
    )
    assert ended.status_code in (401, 403)
    assert token_request(server, "omar", "secret-pass-1").status_code == 401
    assert token_request(server, "omar", "a-new-long-pass-2").status_code == 200


def test_the_api_takes_a_session_cookie_only_with_the_csrf_header(live_server: LiveServer) -> None:
    server = live_server
    server.add_user("desk", "clerk", "test")
    browser = browser_sign_in(server, "desk").browser  # type: ignore[attr-defined]
    url = f"{server.url}/api/v1/centres/test/tickets"
    forged = browser.post(url, json={"service": "traffic"})  # what a page of another site could make it send
    assert forged.status_code == 400 and forged.json()["error"]["code"] == "csrf_failed"
    csrf = CSRF.search(browser.get(server.url + "/account").text).group(1)  # type: ignore[union-attr]
    made = browser.post(url, json={"service": "traffic"}, headers={"X-CSRFToken": csrf})
    assert made.status_code == 201, made.text


def test_every_response_carries_the_security_headers(live_server: LiveServer) -> None:
    for path in ("/", "/login", "/api/v1/centres", "/join/test", "/no-such-page"):
        headers = requests.get(live_server.url + path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    # behind a TLS proxy the cookie is Secure (tests/test_cluster.py runs the proxy; here the header check)
    assert "Strict-Transport-Security" not in requests.get(live_server.url + "/login").headers


def test_a_civil_id_in_arabic_digits_is_the_same_person(tmp_path: Path) -> None:
    server = LiveServer(instance=tmp_path / "instance", config=VISITOR_CONFIG).start()
    try:
        url = f"{server.url}/api/v1/centres/test/remote-tickets"
        for _ in range(3):
            assert requests.post(url, json={"service": "traffic", "civil_id": "290010112345"}).status_code == 201
        for written in ("٢٩٠٠١٠١١٢٣٤٥", "۲۹۰۰۱۰۱۱۲۳۴۵", "290010112345\n"):
            refused = requests.post(url, json={"service": "traffic", "civil_id": written})
            assert refused.status_code == 429 and refused.json()["error"]["code"] == "remote_limit_person", written
        bad = requests.post(
            url, json={"service": "traffic", "civil_id": "２９００１０１１２３４５"}
        )  # fullwidth: not a civil ID
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_civil_id"
    finally:
        server.stop()


def test_two_step_is_required_for_supervisors_and_checked_at_sign_in(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    text = (ROOT / "tests" / "fixtures" / "small_config.yaml").read_text(encoding="utf-8")
    config.write_text(re.sub(r"security:\n  two_step_roles: \[\]\n", "", text), encoding="utf-8")
    server = LiveServer(instance=tmp_path / "instance", config=config).start()
    try:
        server.add_user("chief", "supervisor", "test")
        server.add_user("desk", "clerk", "test")
        # a clerk needs none; a supervisor without it gets no token and, on the site, only the set-up page
        assert token_request(server, "desk", "secret-pass-1").status_code == 200
        refused = token_request(server, "chief", "secret-pass-1")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "two_step_enrolment_required"
        landing = browser_sign_in(server, "chief")
        assert landing.url.endswith("/account/two-step")
        held = landing.browser.get(server.url + "/supervisor/test", allow_redirects=False)  # type: ignore[attr-defined]
        assert held.status_code == 302 and held.headers["Location"].endswith("/account/two-step")
        server.enrol_two_step("chief")
        # now the password alone is not enough; the code is, once; a wrong or reused code counts as a failure
        assert token_request(server, "chief", "secret-pass-1").json()["error"]["code"] == "two_step_required"
        wrong = token_request(server, "chief", "secret-pass-1", code="000000")
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_code"
        code = server.next_code("chief")
        assert token_request(server, "chief", "secret-pass-1", code=code).status_code == 200
        replayed = token_request(server, "chief", "secret-pass-1", code=code)
        assert replayed.status_code == 401 and replayed.json()["error"]["code"] == "bad_code"
        # on the site: password, then the code page; the phone is at home, a recovery code works once
        page = browser_sign_in(server, "chief")
        assert page.url.endswith("/login/code")
        browser: requests.Session = page.browser  # type: ignore[attr-defined]
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        recovery = server.recovery_codes["chief"][0]
        board = browser.post(server.url + "/login/code", data={"code": recovery, "csrf_token": csrf})
        assert board.status_code == 200 and board.url.endswith("/supervisor/test")
        again = browser_sign_in(server, "chief")
        csrf = CSRF.search(again.text).group(1)  # type: ignore[union-attr]
        spent = again.browser.post(server.url + "/login/code", data={"code": recovery, "csrf_token": csrf})  # type: ignore[attr-defined]
        assert spent.status_code == 401 and 'data-code="bad_code"' in spent.text
        audit = server.flask("audit", "verify")
        assert "intact" in audit
    finally:
        server.stop()


def test_an_administrator_manages_accounts(live_server: LiveServer) -> None:
    server = live_server
    server.add_user("root2", "admin")
    admin: requests.Session = browser_sign_in(server, "root2").browser  # type: ignore[attr-defined]
    page = admin.get(server.url + "/admin/users?lang=en")
    assert page.status_code == 200, page.url
    csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    added = admin.post(
        server.url + "/admin/users?lang=en",
        data={"csrf_token": csrf, "username": "hala", "role": "clerk", "centre": "test"},
    )
    password = re.search(r"data-once-password>([^<]+)<", added.text).group(1)  # type: ignore[union-attr]
    # the new clerk signs in with it and is asked to choose their own; the API refuses until then
    assert token_request(server, "hala", password).json()["error"]["code"] == "password_change_required"
    first = browser_sign_in(server, "hala", password)
    assert first.url.endswith("/account")
    browser: requests.Session = first.browser  # type: ignore[attr-defined]
    csrf_h = CSRF.search(first.text).group(1)  # type: ignore[union-attr]
    form = {"csrf_token": csrf_h, "current": password, "new": "my-own-secret-7", "again": "my-own-secret-7"}
    assert browser.post(server.url + "/account/password", data=form).status_code == 200
    hala_token = server.token("hala", "my-own-secret-7")
    # deactivated: every session ends, the token within the few seconds identities are cached
    row = re.search(r'data-user="hala".*?/admin/users/(\d+)/active', added.text, re.S).group(1)  # type: ignore[union-attr]
    off = admin.post(f"{server.url}/admin/users/{row}/active?lang=en", data={"csrf_token": csrf, "active": "0"})
    assert off.status_code == 200 and "deactivated" in off.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = requests.get(
            f"{server.url}/api/v1/centres/test/notifications", headers={"Authorization": f"Bearer {hala_token}"}
        )
        if answer.status_code == 401:
            break
        time.sleep(0.5)
    assert answer.status_code == 401
    assert browser.get(server.url + "/account", allow_redirects=False).status_code == 302
    # the trail shows who did it; it can be searched and exported
    trail = admin.get(server.url + "/admin/audit?action=user_deactivated&lang=en")
    assert "user:hala" in trail.text and "root2" in trail.text
    exported = admin.get(server.url + "/admin/audit.csv?person=root2")
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert {"user_added", "user_deactivated"} <= {line.split(",")[3] for line in exported.text.splitlines()[1:]}
    assert browser_sign_in(server, "hala", "my-own-secret-7").status_code == 401
    # a clerk may not open the administration
    server.add_user("clerk9", "clerk", "test")
    desk = browser_sign_in(server, "clerk9").browser  # type: ignore[attr-defined]
    assert desk.get(server.url + "/admin/users").status_code == 403


def test_an_administrator_sees_devices_pairs_again_and_unpairs(live_server: LiveServer) -> None:
    server = live_server
    server.add_user("root3", "admin")
    admin: requests.Session = browser_sign_in(server, "root3").browser  # type: ignore[attr-defined]
    kiosk = server.device("kiosk", "k1")
    ticket = requests.post(f"{server.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=kiosk)
    assert ticket.status_code == 201
    page = admin.get(server.url + "/admin/devices?lang=en")
    assert 'data-device="kiosk:k1"' in page.text
    row = page.text.split('data-device="kiosk:k1"', 1)[1].split("</tr>", 1)[0]
    assert 'data-online="yes"' in row  # it just issued a ticket
    csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
    again = admin.post(server.url + "/admin/devices/test/kiosk/k1/pair?lang=en", data={"csrf_token": csrf})
    link = re.search(r"data-pairing-link>([^<]+)<", again.text).group(1)  # type: ignore[union-attr]
    assert link.startswith(server.url + "/pair/")
    # the old token stops working within the few seconds identities are cached; the new link works
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        old = requests.post(f"{server.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=kiosk)
        if old.status_code == 401:
            break
        time.sleep(0.5)
    assert old.status_code == 401
    new = {"Authorization": "Bearer " + link.rsplit("/", 1)[1]}
    assert (
        requests.post(f"{server.url}/api/v1/centres/test/tickets", json={"service": "traffic"}, headers=new).status_code
        == 201
    )
    gone = admin.post(server.url + "/admin/devices/test/kiosk/k1/unpair?lang=en", data={"csrf_token": csrf})
    assert "unpaired" in gone.text
    unknown = admin.post(server.url + "/admin/devices/test/kiosk/nope/pair?lang=en", data={"csrf_token": csrf})
    assert unknown.status_code == 400 and 'data-code="unknown_device"' in unknown.text
    trail = admin.get(server.url + "/admin/audit.csv?person=root3").text
    assert "device_paired" in trail and "device_unpaired" in trail and "kiosk:k1" in trail


def test_a_supervisor_of_one_body_sees_and_changes_only_its_services(live_server: LiveServer) -> None:
    server = live_server
    server.flask(
        "users",
        "add",
        "moi-lead",
        "--role",
        "supervisor",
        "--centre",
        "test",
        "--bodies",
        "interior",
        stdin="secret-pass-1\n",
    )
    refused_bodies = server.flask_result(
        "users", "add", "desk-x", "--role", "clerk", "--centre", "test", "--bodies", "interior"
    )
    assert refused_bodies.returncode == 1 and "supervisor" in (refused_bodies.stderr + refused_bodies.stdout)
    page = browser_sign_in(server, "moi-lead")
    browser: requests.Session = page.browser  # type: ignore[attr-defined]
    board = browser.get(server.url + "/supervisor/test?lang=en")
    data = json.loads(re.search(r'id="board-data">(.*?)</script>', board.text, re.S).group(1))  # type: ignore[union-attr]
    assert data["scope"] == ["traffic", "residency"]
    assert [s["code"] for s in data["services"]] == ["traffic", "residency"]
    csrf = CSRF.search(board.text).group(1)  # type: ignore[union-attr]
    json_headers = {"Accept": "application/json"}
    mine = browser.post(
        f"{server.url}/supervisor/test/services/traffic/intake",
        data={"csrf_token": csrf, "open": "0"},
        headers=json_headers,
    )
    assert mine.status_code == 200, mine.text
    other = browser.post(
        f"{server.url}/supervisor/test/services/medical/intake",
        data={"csrf_token": csrf, "open": "0"},
        headers=json_headers,
    )
    assert other.status_code == 403 and other.json()["error"]["code"] == "other_body"
    # centre-wide changes are for supervisors of the whole centre; reports show their own services only
    headers = {"Authorization": f"Bearer {server.token('moi-lead')}"}
    closing = requests.post(
        f"{server.url}/api/v1/centres/test/calendar", json={"from": "2030-01-05", "reason": "x"}, headers=headers
    )
    assert closing.status_code == 403 and closing.json()["error"]["code"] == "centre_wide"
    report = requests.get(
        f"{server.url}/api/v1/centres/test/reports/summary?from=2026-01-01&to=2026-01-02", headers=headers
    )
    assert {row["service"] for row in report.json()["services"]} <= {"traffic", "residency"}
