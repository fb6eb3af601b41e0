"""The admin commands (`flask --app queue_app users add`, `devices pair`) against a live server's database."""

from __future__ import annotations

import re
import subprocess
import sys

import requests

from queue_app import create_app
from queue_app.settings import Settings
from tests.support.server import ROOT, LiveServer


def flask(server: LiveServer, *commands: tuple[list[str], str]) -> list[subprocess.CompletedProcess[str]]:
    """Run CLI commands (args, stdin) with the server's environment, side by side (each one spends
    seconds importing); stdin "" means nothing is piped in."""
    processes = [
        (
            args,
            stdin,
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "queue_app", *args],
                cwd=ROOT,
                env=server.env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for args, stdin in commands
    ]
    results = []
    for args, stdin, process in processes:
        out, err = process.communicate(stdin, timeout=60)
        results.append(subprocess.CompletedProcess(args, process.returncode, out, err))
    return results


def login(server: LiveServer, username: str, password: str) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/auth/token", json={"username": username, "password": password})


def test_users_add_and_devices_pair(live_server: LiveServer) -> None:
    old_token = live_server.tokens[("test", "display", "hall")]
    added, generated, paired = flask(
        live_server,
        (["users", "add", "mona", "--role", "clerk", "--centre", "test"], "a-good-pass-1\n"),  # password on stdin
        (["users", "add", "sami", "--role", "supervisor", "--centre", "test"], ""),  # nothing on stdin
        (["devices", "pair", "display", "hall", "--centre", "test"], ""),
    )
    assert added.returncode == 0, added.stderr
    assert "user mona (clerk) added" in added.stdout and "password" not in added.stdout
    token = login(live_server, "mona", "a-good-pass-1")
    assert token.status_code == 200 and token.json()["role"] == "clerk"
    assert login(live_server, "mona", "wrong-pass-1").json()["error"]["code"] == "bad_credentials"
    clerk = {"Authorization": f"Bearer {token.json()['token']}"}
    assert requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/sign-in", headers=clerk).ok
    assert (
        requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk).status_code == 204
    )
    assert (
        requests.post(f"{live_server.url}/api/v1/centres/other/counters/1/call-next", headers=clerk).status_code == 403
    )

    # nothing on stdin: a password is generated and printed once
    assert generated.returncode == 0, generated.stderr
    match = re.search(r"password \(shown once\): (\S+)", generated.stdout)
    assert match, generated.stdout
    assert len(match.group(1)) >= 12
    assert login(live_server, "sami", match.group(1)).json()["role"] == "supervisor"

    # pairing a display: a token and a pairing URL that works on the live server
    assert paired.returncode == 0, paired.stderr
    token_line = re.search(r"^token: (\S+)$", paired.stdout, re.M)
    url_line = re.search(r"^pairing URL: (\S+)$", paired.stdout, re.M)
    assert token_line and url_line, paired.stdout
    device_token = token_line.group(1)
    assert url_line.group(1) == f"{live_server.url}/pair/{device_token}"  # TABOUR_PUBLIC_URL is honoured
    assert len(device_token) >= 32

    response = requests.get(f"{live_server.url}/pair/{device_token}", allow_redirects=False)
    assert response.status_code in (302, 303), response.text
    assert response.headers["Location"].endswith("/display/test/hall")
    cookie = response.cookies.get("tabour_device")
    assert cookie == device_token
    set_cookie = response.headers["Set-Cookie"].lower()
    assert "httponly" in set_cookie and "max-age=" in set_cookie
    # the new pairing replaces the one printed at the first start
    replaced = requests.get(f"{live_server.url}/pair/{old_token}", allow_redirects=False)
    assert replaced.status_code == 401
    assert requests.get(f"{live_server.url}/pair/not-a-token", allow_redirects=False).status_code == 401


def test_refusals_and_a_kiosk_pairing(settings: Settings) -> None:
    """The same commands run in-process (Flask's CLI runner) on a real SQLite file: each `flask`
    subprocess costs seconds of imports, and these cases only need the exit codes and messages."""
    app = create_app(settings)
    runner = app.test_cli_runner()
    try:
        with app.app_context():
            add = ["users", "add", "mona", "--role", "clerk", "--centre", "test"]
            assert runner.invoke(args=add, input="a-good-pass-1\n").exit_code == 0
            duplicate = runner.invoke(args=add, input="x-pass-123\n")
            # a refusal is one readable line and exit status 1, not a traceback
            assert duplicate.exit_code == 1 and "The user mona already exists." in duplicate.output
            assert "Traceback" not in duplicate.output
            short = runner.invoke(args=["users", "add", "omar", "--role", "admin"], input="short\n")
            assert short.exit_code == 1 and "at least 10 characters" in short.output
            elsewhere = runner.invoke(args=["devices", "pair", "kiosk", "k1", "--centre", "nowhere"])
            assert elsewhere.exit_code == 1 and "There is no centre 'nowhere'." in elsewhere.output
            no_centre = runner.invoke(args=["users", "add", "nadia", "--role", "clerk"], input="a-good-pass-1\n")
            assert no_centre.exit_code == 2 and "--centre" in no_centre.output
            bad_role = runner.invoke(args=["users", "add", "nadia", "--role", "boss"], input="a-good-pass-1\n")
            assert bad_role.exit_code == 2 and "boss" in bad_role.output
            unknown = runner.invoke(args=["devices", "pair", "kiosk", "k9", "--centre", "test"])
            assert unknown.exit_code == 2 and "k9" in unknown.output
            assert runner.invoke(args=["devices", "pair", "printer", "k1", "--centre", "test"]).exit_code == 2
            kiosk = runner.invoke(args=["devices", "pair", "kiosk", "k2", "--centre", "test"])
            assert kiosk.exit_code == 0 and "/pair/" in kiosk.output
        token = re.search(r"^token: (\S+)$", kiosk.output, re.M)
        assert token
        issued = app.test_client().post(
            "/api/v1/centres/test/tickets",
            json={"service": "traffic"},
            headers={"Authorization": f"Bearer {token.group(1)}"},
        )
        assert issued.status_code == 201, issued.get_data(as_text=True)
        assert issued.get_json()["number"] == "A001"
    finally:
        app.extensions["tabour"].db.dispose()
