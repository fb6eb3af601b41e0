"""The kiosk print agent end to end: `python -m printers.agent` against a real server over Socket.IO."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import requests
import socketio

from tests.printing.escpos_decode import decode
from tests.support.print_server import job_status, start_print_server, wait_for
from tests.support.server import ROOT


def start_agent(url: str, token: str, out: Path, state: Path, log: Path) -> subprocess.Popen[bytes]:
    printer = json.dumps({"backend": "file", "path": str(out)})
    command = [sys.executable, "-m", "printers.agent", "--server", url, "--token", token]
    return subprocess.Popen(
        [*command, "--printer-config", printer, "--state", str(state)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_agent_prints_and_gets_missed_jobs_after_reconnect(tmp_path: Path) -> None:
    server = start_print_server(tmp_path)
    out, state, log = tmp_path / "printer.bin", tmp_path / "printed.json", tmp_path / "agent.log"
    token = server.tokens[("test", "kiosk", "k2")]
    kiosk = server.device("kiosk", "k2")
    url = f"{server.url}/api/v1/centres/test/tickets"
    try:
        # Only a kiosk configured `backend: agent` may connect (k1 prints over the network).
        for wrong in (
            "not-a-token",
            server.tokens[("test", "kiosk", "k1")],
            server.tokens[("test", "display", "hall")],
        ):
            client = socketio.Client(reconnection=False)
            try:
                client.connect(
                    server.url, namespaces=["/print"], transports=["websocket"], auth={"token": wrong}, wait_timeout=2
                )
                refused = False
            except socketio.exceptions.ConnectionError:
                refused = True
            finally:
                client.disconnect()
            assert refused, wrong
    except BaseException:
        server.stop()
        raise
    agent = start_agent(server.url, token, out, state, log)
    try:
        first = requests.post(url, json={"service": "residency"}, headers=kiosk).json()
        job = first["print"]["job"]
        # the agent is a new process that connects first: wide margins on a busy machine
        wait_for(lambda: job_status(server, job, "k2")["status"] == "printed", timeout=60)
        printed = decode(out.read_bytes())
        assert [qr.payload for qr in printed.qrcodes] == [first["tracking_url"]]
        assert job in json.loads(state.read_text())["printed"]

        stop(agent)  # the kiosk PC reboots: the job waits on the server
        second = requests.post(url, json={"service": "residency"}, headers=kiosk).json()
        job2 = second["print"]["job"]
        waiting = wait_for(lambda: (s := job_status(server, job2, "k2"))["problem"] and s)
        assert waiting["status"] == "pending" and "no print agent" in waiting["last_error"]

        agent = start_agent(server.url, token, out, state, log)  # back: the missed job is sent on connect
        wait_for(lambda: job_status(server, job2, "k2")["status"] == "printed", timeout=60)
        printed = decode(out.read_bytes())
        assert [qr.payload for qr in printed.qrcodes] == [first["tracking_url"], second["tracking_url"]]
        assert len(printed.cuts) == 2  # each ticket once
    finally:
        stop(agent)
        server.stop()
