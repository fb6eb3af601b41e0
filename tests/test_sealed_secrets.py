"""Two-step keys sealed at rest (services/sealed.py), through the real server: the database holds no key
an authenticator app could use; a key stored in clear before this is sealed at the next start; after a
rotation of the secret key the old one (TABOUR_OLD_SECRET_KEYS) still opens it and it is sealed again
under the new; a server with neither leaves it alone, and a recovery code still signs in."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.server import ROOT, LiveServer


@dataclass
class KeyedServer(LiveServer):
    old_keys: list[str] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = super().env()
        if self.old_keys:
            env["TABOUR_OLD_SECRET_KEYS"] = ",".join(self.old_keys)
        return env


def stored_key(server: LiveServer, username: str) -> str:
    with sqlite3.connect(server.instance / "tabour.db") as db:
        (value,) = db.execute("SELECT totp_secret FROM users WHERE username = ?", (username,)).fetchone()
    return str(value)


def test_two_step_keys_are_sealed_at_rest_and_survive_a_key_rotation(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    text = (ROOT / "tests" / "fixtures" / "small_config.yaml").read_text(encoding="utf-8")
    config.write_text(re.sub(r"security:\n  two_step_roles: \[\]\n", "", text), encoding="utf-8")  # the default
    server = KeyedServer(instance=tmp_path / "instance", config=config, secret_key="first-key-for-this-test")
    server.start()
    try:
        server.add_user("huda", "supervisor", "test")
        assert server.token("huda")  # enrols (the account page's key), then signs in with a code
        key = server.totp_keys["huda"]
        sealed = stored_key(server, "huda")
        assert sealed.startswith("sealed:") and key not in sealed

        # A key stored in clear (before sealing existed) is sealed at the next start.
        with sqlite3.connect(server.instance / "tabour.db") as db:
            db.execute("UPDATE users SET totp_secret = ? WHERE username = 'huda'", (key,))
        server.restart()
        assert stored_key(server, "huda").startswith("sealed:")

        # A new secret key, the old one kept for opening: sealed again under the new key, and the app's
        # next code signs in.
        before = stored_key(server, "huda")
        server.stop()
        server.secret_key, server.old_keys = "second-key-for-this-test", ["first-key-for-this-test"]
        server.start()
        resealed = stored_key(server, "huda")
        assert resealed != before and resealed.startswith("sealed:")
        assert server.token("huda")

        # Neither key known: the key is left as it is (nothing to open it with), and the account still
        # gets in with a recovery code, as with a lost phone; an administrator then turns two-step off.
        server.stop()
        server.secret_key, server.old_keys = "third-key-for-this-test", []
        server.start()
        assert stored_key(server, "huda") == resealed
        body = {"username": "huda", "password": "secret-pass-1", "code": server.recovery_codes["huda"][0]}
        assert requests.post(server.url + "/api/v1/auth/token", json=body).status_code == 200
    finally:
        server.stop()
