"""A real Tabour server for tests: `run.py` in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import requests

ROOT = Path(__file__).resolve().parents[2]
SMALL_CONFIG = ROOT / "tests" / "fixtures" / "small_config.yaml"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """One server process. `tokens[(centre, kind, code)]` holds the device tokens printed at first run."""

    instance: Path
    config: Path = SMALL_CONFIG
    database_url: str | None = None
    redis_url: str | None = None
    port: int = field(default_factory=free_port)
    secret_key: str = "test-secret-key-not-for-production"
    process: subprocess.Popen[str] | None = None
    output: list[str] = field(default_factory=list)
    tokens: dict[tuple[str, str, str], str] = field(default_factory=dict)
    admin_password: str | None = None
    totp_keys: dict[str, str] = field(default_factory=dict)  # two-step keys of the accounts enrolled
    totp_steps: dict[str, int] = field(default_factory=dict)  # the 30-s step of each account's last code
    recovery_codes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_")}
        env.update(
            TABOUR_INSTANCE=str(self.instance),
            TABOUR_CONFIG=str(self.config),
            TABOUR_SECRET_KEY=self.secret_key,
            TABOUR_DATABASE_URL=self.database_url or f"sqlite:///{self.instance / 'tabour.db'}",
            TABOUR_PUBLIC_URL=self.url,
            PYTHONUNBUFFERED="1",
        )
        if self.redis_url:
            env["TABOUR_REDIS_URL"] = self.redis_url
        return env

    def start(self, timeout: float = 30.0) -> LiveServer:
        self.instance.mkdir(parents=True, exist_ok=True)
        log = open(self.instance / f"server-{self.port}.log", "a")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "run.py"),
                "--config",
                str(self.config),
                "--port",
                str(self.port),
                "--public-url",
                self.url,
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited: see {log.name}")
                continue
            self.output.append(line.rstrip())
            self._parse(line)
            if line.startswith("Tabour is serving on"):
                break
        self._wait_ready(deadline)
        return self

    def _parse(self, line: str) -> None:
        paired = re.match(r"\s+(\S+) (kiosk|display) (\S+): \S+/pair/(\S+)", line)
        if paired:
            centre, kind, code, token = paired.groups()
            self.tokens[(centre, kind, code)] = token
        password = re.match(r"\s+password: (\S+)", line)
        if password:
            self.admin_password = password.group(1)

    def _wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("server did not answer /healthz")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def flask_result(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run a Flask CLI command against this server's database."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "queue_app", *args],
            cwd=ROOT,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def flask(self, *args: str, stdin: str | None = None) -> str:
        """Run a Flask CLI command that must succeed; returns its output."""
        result = self.flask_result(*args, stdin=stdin)
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    def add_user(self, username: str, role: str, centre: str | None = None, password: str = "secret-pass-1") -> str:
        args = ["users", "add", username, "--role", role] + (["--centre", centre] if centre else [])
        self.flask(*args, stdin=password + "\n")
        return password

    def token(self, username: str, password: str = "secret-pass-1") -> str:
        """An API token; an account whose role needs two-step verification enrols first, as its owner
        would (the account page's QR key, then the app's code: tests/support keeps the key)."""
        body = {"username": username, "password": password}
        if username in self.totp_keys:
            body["code"] = self.next_code(username)
        response = requests.post(self.url + "/api/v1/auth/token", json=body)
        if response.status_code == 403 and response.json()["error"]["code"] == "two_step_enrolment_required":
            self.enrol_two_step(username, password)
            return self.token(username, password)
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    def enrol_two_step(self, username: str, password: str = "secret-pass-1") -> requests.Session:
        """Sign in on the site, which sends the account to its two-step set-up page; read the key there and
        answer with the code an authenticator app would show. Returns the signed-in browser session."""
        browser = requests.Session()
        token = CSRF.search(browser.get(self.url + "/login").text).group(1)  # type: ignore[union-attr]
        page = browser.post(self.url + "/login", data={"username": username, "password": password, "csrf_token": token})
        assert page.url.endswith("/account/two-step"), page.url
        key = re.search(r"data-secret>([A-Z2-7]+)<", page.text).group(1)  # type: ignore[union-attr]
        token = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        step = pyotp.TOTP(key).timecode(time.time())
        code = pyotp.TOTP(key).generate_otp(step)
        done = browser.post(self.url + "/account/two-step", data={"code": code, "csrf_token": token})
        assert done.status_code == 200 and 'class="codes"' in done.text, done.text
        self.totp_keys[username] = key
        self.totp_steps[username] = step
        self.recovery_codes[username] = re.findall(r"<li><code>([0-9-]+)</code></li>", done.text)
        return browser

    def next_code(self, username: str) -> str:
        """The code an authenticator app shows next: the server accepts a code from 30 s before to 30 s
        after its clock, and each only once, so take the step after the last one used (waiting for it to
        come within the window when a test signs in many times)."""
        totp = pyotp.TOTP(self.totp_keys[username])
        step = max(self.totp_steps[username] + 1, totp.timecode(time.time()))  # never one already used
        while totp.timecode(time.time()) + 1 < step:
            time.sleep(1)
        self.totp_steps[username] = step
        return totp.generate_otp(step)

    def staff(self, username: str, role: str = "clerk", centre: str | None = "test") -> dict[str, str]:
        """Create a user and return the Authorization header of a fresh API token."""
        password = self.add_user(username, role, centre)
        return {"Authorization": f"Bearer {self.token(username, password)}"}

    def clerk_at(self, counter: str, username: str, centre: str = "test", role: str = "clerk") -> dict[str, str]:
        """A new member of staff signed in at a counter (actions need the counter's own clerk, or a
        supervisor on an open counter): the Authorization header of their token."""
        headers = self.staff(username, role, centre)
        signed_in = requests.post(f"{self.url}/api/v1/centres/{centre}/counters/{counter}/sign-in", headers=headers)
        assert signed_in.status_code == 200, signed_in.text
        return headers

    def device(self, kind: str, code: str, centre: str = "test") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[(centre, kind, code)]}"}
