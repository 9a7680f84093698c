"""WS002 end to end: real nginx and a real websocket server on loopback.

The shipped config (samples/e2e-websocket) proxies a socket.io route with
proxy_read_timeout 2s, shorter than socket.io's 25s heartbeat: nglint reports WS002, and
an idle websocket through real nginx is closed after ~2s with `110: Connection timed out
... while proxying upgraded connection` in error.log. With proxy_read_timeout raised above
the heartbeat, nglint is clean and the same idle websocket is still open after 4s.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import IN_CI, PROJECT_ROOT, run_cli

pytestmark = pytest.mark.e2e

SAMPLE = PROJECT_ROOT / "samples" / "e2e-websocket" / "nginx" / "nginx.conf"
IDLE_S = 4.0  # twice the scaled-down proxy_read_timeout
TIMED_OUT = "110: Connection timed out"
UPGRADED = "while proxying upgraded connection"


def _require():
    missing = []
    if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
        missing.append("nginx")
    try:
        import websockets  # noqa: F401
    except ImportError:
        missing.append("the websockets package (pip install -e '.[test]')")
    if missing:
        if IN_CI:
            pytest.fail("missing for the websocket proof: " + ", ".join(missing))
        pytest.skip("missing: " + ", ".join(missing))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Lab:
    """nginx and the echo server on loopback ports, in a temporary prefix."""

    def __init__(self, root: Path, read_timeout: str) -> None:
        self.root = root
        self.nginx_port, self.ws_port = _free_port(), _free_port()
        conf = SAMPLE.read_text().replace("127.0.0.1:8199", f"127.0.0.1:{self.nginx_port}")
        conf = conf.replace("127.0.0.1:9399", f"127.0.0.1:{self.ws_port}")
        conf = conf.replace("proxy_read_timeout 2s;", f"proxy_read_timeout {read_timeout};")
        (root / "conf").mkdir(parents=True)
        (root / "logs").mkdir()
        self.conf = root / "conf" / "nginx.conf"
        self.conf.write_text(conf)
        self.error_log = root / "logs" / "error.log"
        self.processes: list[subprocess.Popen] = []

    def start(self) -> "Lab":
        server = subprocess.Popen([sys.executable, str(Path(__file__).with_name("wsserver.py")), str(self.ws_port)],
                                  stdout=subprocess.PIPE, text=True)
        self.processes.append(server)
        assert server.stdout.readline().strip() == "ready"
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.processes.append(subprocess.Popen(
            [nginx, "-p", str(self.root), "-c", str(self.conf), "-e", str(self.error_log),
             "-g", f"daemon off; pid {self.root}/nginx.pid; error_log {self.error_log} info;"]))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.nginx_port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not start:\n" + (self.error_log.read_text() if self.error_log.exists() else ""))

    def close(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def idle_websocket(self) -> tuple[bool, float]:
        """(still open after IDLE_S of silence, seconds until the close when it closed)."""
        from .wsidle import idle_websocket

        return idle_websocket(f"ws://127.0.0.1:{self.nginx_port}/socket.io/?EIO=4&transport=websocket", IDLE_S)


@pytest.fixture
def lab(tmp_path, request):
    _require()
    made = Lab(tmp_path / "lab", request.param).start()
    yield made
    made.close()


def test_nglint_reports_ws002_on_the_scaled_down_sample():
    result = run_cli("check", str(SAMPLE.parent.parent), "--format", "json")
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [("WS002", 16)]
    assert "2s" in findings[0]["message"] and "socket.io heartbeat of 25s" in findings[0]["message"]


@pytest.mark.parametrize("lab", ["2s"], indirect=True)
def test_idle_websocket_is_closed_at_proxy_read_timeout(lab):
    still_open, closed_after = lab.idle_websocket()
    assert not still_open
    assert 1.5 <= closed_after <= IDLE_S
    log = lab.error_log.read_text()
    assert TIMED_OUT in log and UPGRADED in log, log


@pytest.mark.parametrize("lab", ["60s"], indirect=True)
def test_idle_websocket_stays_open_after_the_fix_and_nglint_is_clean(lab):
    assert run_cli("check", str(lab.conf), "--format", "json").returncode == 0
    assert json.loads(run_cli("check", str(lab.conf), "--format", "json").stdout)["findings"] == []
    still_open, _ = lab.idle_websocket()
    assert still_open
    assert TIMED_OUT not in lab.error_log.read_text()
