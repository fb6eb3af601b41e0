"""The hall screens: page templates, script, styles, vendored Socket.IO client, and the announcer
(server-side speech with espeak-ng or a centre's recorded voice pack).

This package never imports `queue_app`: the server's `display` blueprint imports from here."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
SOCKET_IO_CLIENT = "vendor/socket.io.min.js"
