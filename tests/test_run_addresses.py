"""run.py on another port with the sample config (public_url http://127.0.0.1:8000): the links it prints
follow the port it serves; before, `make run PORT=8100` printed pairing links on port 8000, shown once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support.server import ROOT, free_port


def test_printed_links_follow_the_served_port(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABOUR_")}
    env.update(TABOUR_INSTANCE=str(tmp_path / "instance"), PYTHONUNBUFFERED="1")
    command = [sys.executable, str(ROOT / "run.py"), "--config", str(ROOT / "config.yaml"), "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(line.startswith("Tabour is serving on") for line in lines):
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
    finally:
        process.terminate()  # at once: a stop asked for while it still starts up must stop it too
        process.wait(timeout=30)
    served = f"http://127.0.0.1:{port}"
    assert f"Tabour is serving on {served}/" in lines, lines
    links = [line for line in lines if "/pair/" in line]
    assert links and all(served + "/pair/" in line for line in links)
