"""The race lab one hop earlier: real HAProxy in front of real nginx, over the slow link.

    [ns <tag>-px]  loadgen, wsidle.py -> HAProxy 127.0.0.1:8088 -> 10.77.7.1 --tun--+
                                                                                   | delayline.py
    [ns <tag>-be]  nginx 10.77.7.2:8104 -> websocket echo 127.0.0.1:9104 <--tun----+

Same namespaces, delay line, nginx, load generator and teardown as racelab.py (subclassed),
with nginx moved to the backend side and HAProxy where nginx was. The configs run are the
files of samples/e2e-haproxy: the ones `nglint check` reads and `nglint check --fix` edits.
HAProxy logs each request (option httplog) to stdout, which the lab keeps in haproxy.out.
"""

from __future__ import annotations

import atexit
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import racelab
from .serverlab import sweep_stale_namespaces

NS_PREFIX = "nglint-e2s-"  # serverlab's prefix: its sweep removes our leftovers too
SAMPLE = racelab.REPO / "samples" / "e2e-haproxy"
NGINX_PORT = 8104
WS_PORT = 9104
_numbers = itertools.count(1)
# HAProxy's termination state (httplog): S = the server aborted, H/D = while waiting for
# the response headers / transferring data. A reused connection nginx closed shows as SH--.
SERVER_ABORT = re.compile(r"\s(S[HD]--)\s")


def missing_requirements() -> list[str]:
    missing = [m for m in racelab.missing_requirements() if "tomcat" not in m.lower() and "java" not in m]
    if shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists():
        missing.append("`haproxy` not found (apt-get install haproxy)")
    try:
        import websockets  # noqa: F401
    except ImportError:
        missing.append("the websockets package (pip install -e '.[test]')")
    return missing


@dataclass
class FrontLab(racelab.RaceLab):
    """Namespaces, delay line, nginx and a websocket echo server behind, HAProxy in front."""

    @property
    def ns_nginx(self) -> str:
        return self.ns_backend

    @property
    def haproxy_cfg(self) -> Path:
        return self.config_dir / "haproxy" / "haproxy.cfg"

    @property
    def haproxy_log(self) -> Path:
        return self.workdir / "haproxy.out"

    def start(self) -> "FrontLab":
        atexit.register(self.close)
        self._trap_sigterm()
        try:
            sweep_stale_namespaces()
            shutil.copytree(SAMPLE, self.config_dir)
            if (f"listen {NGINX_PORT};" not in self.nginx_conf.read_text()
                    or f"server web1 {racelab.BACKEND_ADDR}:{NGINX_PORT}" not in self.haproxy_cfg.read_text()):
                raise RuntimeError("samples/e2e-haproxy no longer uses the lab's addresses; update frontlab.py")
            tag = f"{NS_PREFIX}{os.getpid()}-{next(_numbers)}"
            self.link = racelab.SlowLink(self.workdir, self.delay_ms, tag=tag).start()
            self._spawn("wsserver", self.link.exec_in(self.ns_backend, [sys.executable, str(racelab.HERE / "wsserver.py"), str(WS_PORT)]))
            self._wait_for(lambda: "ready" in self._tail("wsserver"), 15, "websocket server startup")
            self._start_nginx()
            self._start_haproxy()
            self._wait_chain_ready()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        for name in ("haproxy", "wsserver"):
            proc = self._procs.get(name)
            if proc is not None and proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        super().close()

    def _start_haproxy(self) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        self._spawn("haproxy", self.link.exec_in(self.ns_proxy, [haproxy, "-db", "-f", str(self.haproxy_cfg)]))
        self._wait_for(lambda: self._listening(self.ns_proxy, racelab.NGINX_PORT), 15, "HAProxy startup")

    def _listening(self, namespace: str, port: int) -> bool:
        out = racelab._run(*self.link.exec_in(namespace, ["ss", "-Hltn", f"( sport = :{port} )"]), check=False).stdout
        return bool(out.strip())

    def restart_haproxy(self) -> None:
        """A new HAProxy with the config as it is now (no idle server connection survives)."""
        proc = self._procs.pop("haproxy")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        self._start_haproxy()

    def haproxy_lines(self, offset: int) -> list[str]:
        with self.haproxy_log.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace").splitlines()

    def server_connections(self) -> int:
        """Established connections to nginx, counted on nginx's side of the link."""
        out = racelab._run(*self.link.exec_in(self.ns_backend, ["ss", "-Htn", "state", "established", f"( sport = :{NGINX_PORT} )"]),
                           check=False).stdout
        return len(out.strip().splitlines())

    def idle_keep_s(self, limit: float = 20.0) -> float:
        """How long HAProxy keeps the server connection of one request open once idle: one
        GET, then `ss` polled on nginx's side until no connection to nginx is left."""
        if self.server_connections():
            raise RuntimeError("a server connection is already open; measure from an empty pool")
        self._loadgen("GET", 1, 0.0)
        idle_since = time.monotonic()
        while self.server_connections():
            if time.monotonic() - idle_since > limit:
                raise RuntimeError(f"HAProxy kept the idle connection more than {limit}s")
            time.sleep(0.05)
        return time.monotonic() - idle_since

    def idle_websocket(self, idle_s: float) -> dict:
        """wsidle.py in the client namespace: a socket.io-shaped websocket through HAProxy and nginx."""
        import json

        url = f"ws://127.0.0.1:{racelab.NGINX_PORT}/socket.io/?EIO=4&transport=websocket"
        done = racelab._run(*self.link.exec_in(self.ns_proxy, [sys.executable, str(racelab.HERE / "wsidle.py"), url, str(idle_s)]),
                            timeout=idle_s + 20)
        return json.loads(done.stdout)
