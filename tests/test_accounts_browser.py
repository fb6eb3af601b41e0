"""Accounts in Chromium, as their owners use them: a supervisor whose role needs two-step verification
enrols (the QR page in Arabic), signs in again with a code, changes the password; an administrator adds
a clerk and reads the audit trail (in Urdu)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tests.support.screenshots import save_screenshot
from tests.support.server import ROOT, LiveServer


@pytest.fixture
def two_step_server(tmp_path: Path):
    """The small config with the default two-step rule (admins and supervisors must enrol)."""
    config = tmp_path / "config.yaml"
    text = (ROOT / "tests" / "fixtures" / "small_config.yaml").read_text(encoding="utf-8")
    config.write_text(re.sub(r"security:\n  two_step_roles: \[\]\n", "", text), encoding="utf-8")
    server = LiveServer(instance=tmp_path / "instance", config=config).start()
    yield server
    server.stop()


def sign_in(page: Any, server: LiveServer, username: str, password: str) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.mark.browser
def test_two_step_enrolment_sign_in_and_password_change(
    two_step_server: LiveServer, browser: Any, artifacts: Path
) -> None:
    server = two_step_server
    server.add_user("khaled", "supervisor", "test")
    context = browser.new_context(locale="ar", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url + "/?lang=ar")
        sign_in(page, server, "khaled", "secret-pass-1")
        page.wait_for_url("**/account/two-step")
        assert page.get_attribute("html", "dir") == "rtl"
        assert page.locator("figure.enrol-qr svg").count() == 1
        save_screenshot(page, artifacts, "two-step-enrol")
        key = page.inner_text("[data-secret]").strip()
        # the board is out of reach until the set-up is done
        page.goto(server.url + "/supervisor/test")
        page.wait_for_url("**/account/two-step")
        key = page.inner_text("[data-secret]").strip()
        page.fill("input[name=code]", "123456" if pyotp.TOTP(key).now() != "123456" else "654321")
        page.click("button[type=submit]")
        expect(page.locator("[data-code=bad_code]")).to_be_visible()  # a form post: wait for the answer
        page.fill("input[name=code]", pyotp.TOTP(key).now())
        page.click("button[type=submit]")
        expect(page.locator("ul.codes code")).to_have_count(10)
        codes = page.locator("ul.codes code").all_inner_texts()
        page.click("a.btn-primary")
        page.wait_for_url("**/account")
        expect(page.locator("[data-two-step=on]")).to_be_visible()

        # sign out, then in again: password, then a recovery code (the phone is at home)
        page.click("form[action$='/logout'] button")
        page.wait_for_url("**/login")
        sign_in(page, server, "khaled", "secret-pass-1")
        page.wait_for_url("**/login/code")
        page.fill("input[name=code]", codes[0])
        page.click("button[type=submit]")
        page.wait_for_url("**/supervisor/test")

        # a new password: the old one no longer works
        page.goto(server.url + "/account")
        page.fill("input[name=current]", "secret-pass-1")
        page.fill("input[name=new]", "a-better-pass-42")
        page.fill("input[name=again]", "a-better-pass-42")
        page.click("#password-heading ~ form button[type=submit]")
        expect(page.locator(".flash-info")).to_be_visible()
        assert page.locator("[data-two-step=on]").inner_text().count("9") == 1  # one recovery code spent
        save_screenshot(page, artifacts, "account", full_page=True)
    finally:
        context.close()
    assert "intact" in server.flask("audit", "verify")


@pytest.mark.browser
def test_an_administrator_adds_a_clerk_and_reads_the_trail(
    live_server: LiveServer, browser: Any, artifacts: Path
) -> None:
    server = live_server
    server.add_user("noura", "admin")
    context = browser.new_context(locale="ur", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server.url + "/?lang=ur")
        sign_in(page, server, "noura", "secret-pass-1")
        page.goto(server.url + "/admin/users")
        assert page.get_attribute("html", "dir") == "rtl"
        page.fill("input[name=username]", "fahad")
        page.select_option("select[name=role]", "clerk")
        page.select_option("select[name=centre]", "test")
        page.click("#add-heading ~ form button[type=submit]")
        password = page.inner_text("[data-once-password]").strip()
        assert len(password) >= 10
        expect(page.locator("tr[data-user=fahad]")).to_be_visible()
        save_screenshot(page, artifacts, "admin-users", readme=False)
        page.goto(server.url + "/admin/audit")
        page.select_option("select[name=action]", "user_added")
        page.click("form[role=search] button[type=submit]")
        rows = page.locator("tbody tr[data-action=user_added]")
        rows.first.wait_for()
        assert "user:fahad" in rows.first.inner_text()
        save_screenshot(page, artifacts, "admin-audit")
    finally:
        context.close()
