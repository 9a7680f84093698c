"""The emulated slow link does what the proof relies on: real TCP, a fixed delay, no leaks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from . import racelab
from .raceproof import require_lab

pytestmark = pytest.mark.e2e

ECHO_SERVER = """
import socket, sys
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 9000)); srv.listen(); srv.settimeout(20)
print("listening", flush=True)
conn, _ = srv.accept()
while data := conn.recv(64):
    conn.sendall(data)
"""

PING_CLIENT = """
import json, socket, sys, time
start = time.monotonic(); conn = socket.create_connection((sys.argv[1], 9000), timeout=10)
connect = time.monotonic() - start
rtts = []
for _ in range(3):
    start = time.monotonic(); conn.sendall(b"x"); conn.recv(1); rtts.append(time.monotonic() - start)
print(json.dumps({"connect": connect, "rtts": rtts}))
"""


def _namespaces() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def _root_interfaces() -> str:
    return subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout


def test_slow_link_delays_each_direction_and_leaves_nothing_behind(tmp_path) -> None:
    require_lab()
    interfaces_before = _root_interfaces()
    link = racelab.SlowLink(tmp_path, delay_ms=50).start()
    try:
        assert {link.ns_proxy, link.ns_backend} <= _namespaces()
        assert _root_interfaces() == interfaces_before  # the TUN ends live only in the link's namespaces
        server = subprocess.Popen(
            link.exec_in(link.ns_backend, [sys.executable, "-c", ECHO_SERVER, racelab.BACKEND_ADDR]),
            stdout=subprocess.PIPE, text=True,
        )
        try:
            assert server.stdout.readline().strip() == "listening"
            client = subprocess.run(
                link.exec_in(link.ns_proxy, [sys.executable, "-c", PING_CLIENT, racelab.BACKEND_ADDR]),
                capture_output=True, text=True, timeout=30, check=True,
            )
        finally:
            server.kill()
            server.wait(timeout=5)
            server.stdout.close()
        timing = json.loads(client.stdout)
        # 50 ms each way: a handshake and every round trip take ~100 ms, never less.
        for seconds in [timing["connect"], *timing["rtts"]]:
            assert 0.099 <= seconds < 0.2, timing
    finally:
        link.close()
    assert not {link.ns_proxy, link.ns_backend} & _namespaces()
    assert not link.alive
