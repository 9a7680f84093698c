"""The race lab with other backends: real gunicorn, Node.js or uWSGI instead of Tomcat.

Same namespaces, delay line, nginx and load generator as racelab.py (subclassed), with
its own namespace prefix so runs of both labs never collide, and the configs of
samples/e2e-gunicorn, samples/e2e-node or samples/e2e-uwsgi: the files nglint checks and fixes.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from . import racelab

NS_PREFIX = "nglint-e2s-"
BACKEND_PORTS = {"gunicorn": 8089, "node": 8090, "uwsgi": 8101}  # distinct, so `nglint check samples` links each to its own
_numbers = itertools.count(1)
KINDS = {
    "gunicorn": (["{python}", "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"], "gunicorn"),
    "node": (["node", "server.js"], "node"),
    "uwsgi": (["{uwsgi}", "--ini", "uwsgi.ini"], "uwsgi"),
}


def uwsgi_program() -> str | None:
    """The `uwsgi` script the pyuwsgi wheel installs beside this interpreter, if any."""
    import sysconfig

    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        if (folder / "uwsgi").is_file():
            return str(folder / "uwsgi")
    return None


def missing_for(kind: str) -> list[str]:
    missing = [m for m in racelab.missing_requirements() if "tomcat" not in m.lower() and "java" not in m]
    if kind == "node" and shutil.which("node") is None:
        missing.append("`node` not found (apt-get install nodejs)")
    if kind == "gunicorn":
        try:
            import gunicorn  # noqa: F401
        except ImportError:
            missing.append("gunicorn is not installed (pip install -e '.[test]')")
    if kind == "uwsgi" and uwsgi_program() is None:
        missing.append("uWSGI is not installed (pip install -e '.[test]' brings the pyuwsgi wheel)")
    return missing


def sweep_stale_namespaces() -> None:
    listing = racelab._run(racelab._tool("ip"), "netns", "list", check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.fullmatch(rf"{NS_PREFIX}(\d+)-\d+-(px|be)", name)
        if match and not racelab._pid_alive(int(match.group(1))):
            racelab._delete_namespace(name)


@dataclass
class ServerLab(racelab.RaceLab):
    kind: str = "gunicorn"

    @property
    def sample(self) -> Path:
        return racelab.REPO / "samples" / f"e2e-{self.kind}"

    @property
    def app_dir(self) -> Path:
        return self.config_dir / "app"

    def start(self) -> "ServerLab":
        import atexit

        atexit.register(self.close)
        self._trap_sigterm()
        try:
            sweep_stale_namespaces()
            shutil.copytree(self.sample, self.config_dir)
            if f"server {racelab.BACKEND_ADDR}:{BACKEND_PORTS[self.kind]};" not in self.nginx_conf.read_text():
                raise RuntimeError(f"samples/e2e-{self.kind} no longer uses the lab's addresses; update serverlab.py")
            tag = f"{NS_PREFIX}{os.getpid()}-{next(_numbers)}"
            self.link = racelab.SlowLink(self.workdir, self.delay_ms, tag=tag).start()
            programs = {"{python}": sys.executable, "{uwsgi}": uwsgi_program()}
            argv = [programs.get(word, word) for word in KINDS[self.kind][0]]
            self._spawn("backend", self.link.exec_in(self.ns_backend, argv), cwd=self.app_dir)
            self._start_nginx()
            self._wait_chain_ready()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        proc = self._procs.get("backend")
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except (ProcessLookupError, OSError):
                pass
            except Exception:  # noqa: BLE001 - a stuck backend is killed below, never left running
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        super().close()

    def idle_timeout_s(self) -> float:
        """When the backend really closes an idle connection: the sample's value, plus, for
        Node.js, the keepAliveTimeoutBuffer nglint's defaults table says the installed
        version adds (so the race fires only if that table is right)."""
        if self.kind == "gunicorn":
            text = (self.app_dir / "gunicorn.conf.py").read_text()
            return float(re.search(r"^keepalive\s*=\s*(\d+)", text, re.M).group(1))
        if self.kind == "uwsgi":
            text = (self.app_dir / "uwsgi.ini").read_text()
            return float(re.search(r"^socket-timeout\s*=\s*(\d+)", text, re.M).group(1))
        import subprocess

        from nglint.sources.node.reader import NodeJs

        text = (self.app_dir / "server.js").read_text()
        ms = float(re.search(r"keepAliveTimeout\s*=\s*(\d+)", text).group(1))
        raw = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30).stdout.strip().lstrip("v")
        version = tuple(int(part) for part in raw.split(".")[:3] if part.isdigit())
        return (ms + NodeJs()._buffer(version)) / 1000.0
