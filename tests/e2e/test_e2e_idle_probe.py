"""HC001's close-style table against real servers: what each does with a TCP probe.

nginx_upstream_check_module's TCP check connects and sends nothing, then keeps the
connection for the next probe; how the backend ends such a connection is the table's
value (`nglint.sources.closing`). Here a real Node.js and a real gunicorn (sync and
gthread workers) get exactly that connection, with their timers scaled down to seconds,
and the observed ending must be the table's: Node answers 408 and closes with FIN;
gunicorn's sync worker is killed at `timeout` (WORKER TIMEOUT) after answering 500;
the gthread worker closes it with FIN and keeps its worker.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import IN_CI

pytestmark = pytest.mark.e2e

APP = "def app(environ, start_response):\n    start_response('200 OK', [('Content-Type', 'text/plain')])\n    return [b'ok']\n"
NODE = ("const s = require('http').createServer({connectionsCheckingInterval: 200}, (q, r) => r.end('ok'));\n"
        "s.headersTimeout = 1000; s.requestTimeout = 2000;\n"
        "s.listen(+process.argv[2], '127.0.0.1', () => console.log('listening'));\n")


def _require(kind: str) -> None:
    missing = None
    if kind == "node" and shutil.which("node") is None:
        missing = "`node` (apt-get install nodejs)"
    if kind == "gunicorn":
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            missing = "gunicorn (pip install -e '.[test]')"
    if missing:
        if IN_CI:
            pytest.fail(f"missing for the idle-probe proof: {missing}")
        pytest.skip(f"missing: {missing}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            time.sleep(0.3)  # let the accepted test connection be dropped before the real probe
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"server never listened: {log.read_text()[-2000:]}")


def _probe(port: int, within: float) -> tuple[str, bytes]:
    """Connect, send nothing, and say how the server ended it: ("fin", bytes it sent first),
    ("rst", ...), or ("open", b"") when nothing happened within `within` seconds."""
    received = b""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(within)
        try:
            while True:
                data = sock.recv(4096)
                if not data:
                    return "fin", received
                received += data
        except ConnectionResetError:
            return "rst", received
        except socket.timeout:
            return "open", received


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _style(kind: str) -> str:
    from nglint.sources.closing import close_style

    return close_style(kind)


def test_node_answers_408_and_closes_with_fin(tmp_path):
    _require("node")
    (tmp_path / "server.js").write_text(NODE)
    port, log = _free_port(), tmp_path / "node.log"
    with log.open("w") as out:
        process = subprocess.Popen(["node", "server.js", str(port)], cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, process, log)
        ending, sent = _probe(port, within=8)
    finally:
        _stop(process)
    assert (ending, sent.split(b"\r\n", 1)[0]) == ("fin", b"HTTP/1.1 408 Request Timeout")
    assert _style("node") == "fin"


@pytest.mark.parametrize("worker, expected", [("sync", "worker-timeout"), ("gthread", "fin")])
def test_gunicorn_sync_worker_dies_on_an_idle_probe_gthread_closes_it(tmp_path, worker, expected):
    _require("gunicorn")
    from nglint.sources.closing import close_entry_for

    (tmp_path / "app.py").write_text(APP)
    port, log = _free_port(), tmp_path / "gunicorn.log"
    argv = [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "2", "--keep-alive", "1",
            "-k", worker, "--threads", "2" if worker == "gthread" else "1", "app:app"]
    with log.open("w") as out:
        process = subprocess.Popen(argv, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_listening(port, process, log)
        ending, sent = _probe(port, within=12)
        time.sleep(0.5)
    finally:
        _stop(process)
    text = log.read_text()
    row = close_entry_for("gunicorn", {"worker_class": worker})
    assert row is not None and row.value == expected
    if expected == "worker-timeout":
        assert (ending, sent.split(b"\r\n", 1)[0]) == ("fin", b"HTTP/1.1 500 Internal Server Error")
        assert "WORKER TIMEOUT" in text, text[-2000:]
    else:
        assert (ending, sent) == ("fin", b"")
        assert "WORKER TIMEOUT" not in text, text[-2000:]
