"""A throwaway lab with real nginx and real Tomcat joined by a slow link.

Topology (everything lives in two network namespaces this module creates and deletes):

    [ns <tag>-px]  loadgen -> nginx 127.0.0.1:8088 -> 10.77.7.1 --tun--+
                                                                      | delayline.py
    [ns <tag>-be]                    Tomcat 10.77.7.2:8087 <--tun-----+ (one-way delay)

Why two namespaces and a delay: on one loopback host Tomcat's FIN reaches nginx within
microseconds, so nginx almost never writes into a connection Tomcat has just closed. A
link with a few tens of milliseconds of latency (what real networks have) keeps the FIN
in flight long enough for the race to fire on demand. `tc netem` would do it too, but
is often missing from CI kernels; delayline.py only needs CONFIG_TUN.

The configs run are exactly the files of samples/e2e-race, copied to a temp dir: the
same files `nglint check` reads and `nglint check --fix` edits.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SAMPLE = REPO / "samples" / "e2e-race"
NGINX_CONF = Path("nginx") / "nginx.conf"
SERVER_XML = Path("tomcat") / "conf" / "server.xml"

TOMCAT_HOME = Path("/usr/share/tomcat10")
TOMCAT_WEB_XML = TOMCAT_HOME / "etc" / "web.xml"
NS_PREFIX = "nglint-e2e-"

PROXY_ADDR = "10.77.7.1"
BACKEND_ADDR = "10.77.7.2"
NGINX_PORT = 8088
BACKEND_PORT = 8087
PATH = "/pong.txt"
# A healthy request takes ~0.2-0.4 s over the slow link; 5 s means something hangs.
REQUEST_TIMEOUT = 5.0
BODY = b"pong\n"

# nginx's messages when it used a pooled connection the backend had already closed.
RACE_LOG = re.compile(
    r"upstream prematurely closed connection"
    r"|recv\(\) failed \(104: Connection reset by peer\)"
    r"|\(32: Broken pipe\) while sending request to upstream"
)


def missing_requirements() -> list[str]:
    """What this machine lacks to run the lab; empty when it can run."""
    missing = []
    if os.geteuid() != 0:
        missing.append("must run as root (ip netns, TUN devices)")
    for tool in ("ip", "nginx", "java"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            missing.append(f"`{tool}` not found (apt-get install iproute2 nginx-light tomcat10)")
    if not (TOMCAT_HOME / "bin" / "catalina.sh").exists() or not TOMCAT_WEB_XML.exists():
        missing.append(f"Debian Tomcat not found under {TOMCAT_HOME} (apt-get install tomcat10)")
    if not Path("/dev/net/tun").exists():
        missing.append("/dev/net/tun missing (kernel without CONFIG_TUN)")
    return missing


def _tool(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


def _run(*args: str, check: bool = True, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, check=check, timeout=timeout)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _delete_namespace(name: str) -> None:
    """Kill what still runs in our namespace, then delete it."""
    pids = _run(_tool("ip"), "netns", "pids", name, check=False).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    _run(_tool("ip"), "netns", "del", name, check=False)


def sweep_stale_namespaces() -> None:
    """Delete lab namespaces left by an earlier run that was killed before it cleaned up.

    Only names this module creates (nglint-e2e-<pid>-<n>-px|be) whose creating pid is gone.
    """
    listing = _run(_tool("ip"), "netns", "list", check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        match = re.fullmatch(rf"{NS_PREFIX}(\d+)-\d+-(px|be)", name)
        if match and not _pid_alive(int(match.group(1))):
            _delete_namespace(name)


_link_numbers = itertools.count(1)


@dataclass
class SlowLink:
    """Two network namespaces joined by delayline.py: `proxy` side and `backend` side.

    Each side sees a point-to-point TUN interface (PROXY_ADDR <-> BACKEND_ADDR) and its
    own loopback; nothing is added to the caller's namespace.
    """

    workdir: Path
    delay_ms: float
    tag: str = field(default_factory=lambda: f"{NS_PREFIX}{os.getpid()}-{next(_link_numbers)}")
    namespaces: list[str] = field(default_factory=list)
    _proc: subprocess.Popen | None = None
    _log: object = None

    @property
    def ns_proxy(self) -> str:
        return f"{self.tag}-px"

    @property
    def ns_backend(self) -> str:
        return f"{self.tag}-be"

    def start(self) -> "SlowLink":
        atexit.register(self.close)
        ip = _tool("ip")
        for ns in (self.ns_proxy, self.ns_backend):
            _run(ip, "netns", "add", ns)
            self.namespaces.append(ns)
            _run(ip, "-n", ns, "link", "set", "lo", "up")
        self._log = open(self.workdir / f"delayline-{self.tag}.err", "wb")
        self._proc = subprocess.Popen(
            [sys.executable, str(HERE / "delayline.py"), self.ns_proxy, "tunpx", self.ns_backend, "tunbe",
             "--delay-ms", str(self.delay_ms)],
            stdin=subprocess.PIPE,  # the delay line exits when this pipe closes, even if we die
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,
        )
        line = self._proc.stdout.readline().strip() if self._proc.stdout else ""
        if line != "ready":
            raise RuntimeError(f"delay line did not start: {line!r} {(self.workdir / f'delayline-{self.tag}.err').read_text()}")
        for ns, dev, local, peer in (
            (self.ns_proxy, "tunpx", PROXY_ADDR, BACKEND_ADDR),
            (self.ns_backend, "tunbe", BACKEND_ADDR, PROXY_ADDR),
        ):
            _run(ip, "-n", ns, "addr", "add", local, "peer", peer, "dev", dev)
            _run(ip, "-n", ns, "link", "set", dev, "up")
        return self

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def exec_in(self, namespace: str, argv: list[str]) -> list[str]:
        """argv run inside one of the link's namespaces (ip netns exec replaces itself with it)."""
        return [_tool("ip"), "netns", "exec", namespace, *argv]

    def close(self) -> None:
        """Stop the delay line, then delete both namespaces and whatever still runs in them."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        streams = [self._proc.stdin, self._proc.stdout] if self._proc else []
        for handle in [*streams, self._log]:
            if handle is not None:
                handle.close()
        for name in self.namespaces:
            _delete_namespace(name)
        self.namespaces.clear()
        atexit.unregister(self.close)


@dataclass
class LoadRun:
    """One loadgen run plus the nginx error.log lines it caused."""

    label: str
    method: str
    gap: float
    statuses: list[int | None]
    client_errors: list[str]
    error_log: list[str]
    seconds: float
    bodies: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.statuses)

    @property
    def bad_gateway(self) -> int:
        return sum(1 for status in self.statuses if status == 502)

    @property
    def ok(self) -> int:
        return sum(1 for status in self.statuses if status == 200)

    @property
    def race_log_lines(self) -> list[str]:
        return [line for line in self.error_log if RACE_LOG.search(line)]

    def summary(self) -> dict:
        return {
            "label": self.label,
            "method": self.method,
            "gap_s": self.gap,
            "requests": self.requests,
            "status_200": self.ok,
            "status_502": self.bad_gateway,
            "other": self.requests - self.ok - self.bad_gateway,
            "race_log_lines": len(self.race_log_lines),
            "seconds": round(self.seconds, 1),
        }


@dataclass
class RaceLab:
    """Namespaces, delay line, Tomcat and nginx; `start()` builds, `close()` tears down."""

    workdir: Path
    delay_ms: float = 100.0
    link: SlowLink | None = None
    _procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    _logs: list = field(default_factory=list)
    _closed: bool = False
    _old_sigterm: object = None
    runs: list[LoadRun] = field(default_factory=list)

    # -- layout ---------------------------------------------------------------------
    @property
    def config_dir(self) -> Path:
        """The copy of samples/e2e-race that both servers run and nglint checks/fixes."""
        return self.workdir / "config"

    @property
    def nginx_conf(self) -> Path:
        return self.config_dir / NGINX_CONF

    @property
    def server_xml(self) -> Path:
        return self.config_dir / SERVER_XML

    @property
    def nginx_prefix(self) -> Path:
        return self.workdir / "nginx-prefix"

    @property
    def catalina_base(self) -> Path:
        return self.workdir / "catalina-base"

    @property
    def error_log(self) -> Path:
        return self.nginx_prefix / "logs" / "error.log"

    @property
    def ns_proxy(self) -> str:
        return self.link.ns_proxy

    @property
    def ns_backend(self) -> str:
        return self.link.ns_backend

    @property
    def ns_nginx(self) -> str:
        """Where nginx runs: the proxy side here; the backend side when a load balancer fronts it."""
        return self.ns_proxy

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> "RaceLab":
        atexit.register(self.close)
        self._trap_sigterm()
        try:
            sweep_stale_namespaces()
            self._copy_sample()
            self.link = SlowLink(self.workdir, self.delay_ms).start()
            self._start_tomcat()
            self._start_nginx()
            self._wait_chain_ready()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Stop everything we started, on every exit path; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for name, sig in (("nginx", signal.SIGQUIT), ("tomcat", signal.SIGTERM)):
            proc = self._procs.get(name)
            if proc is None or proc.poll() is not None:
                continue
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        if self.link is not None:
            self.link.close()
        for handle in self._logs:
            handle.close()
        atexit.unregister(self.close)
        if self._old_sigterm is not None:
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None

    def _trap_sigterm(self) -> None:
        """Turn SIGTERM (CI timeout, `kill`) into KeyboardInterrupt so teardown still runs.

        Python's default SIGTERM action exits without atexit handlers or finally blocks,
        which would leave Tomcat, nginx and both namespaces behind.
        """
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:

            def interrupt(signum, frame):
                raise KeyboardInterrupt(f"signal {signum}")

            self._old_sigterm = signal.signal(signal.SIGTERM, interrupt)

    # -- setup steps ----------------------------------------------------------------
    def _copy_sample(self) -> None:
        shutil.copytree(SAMPLE, self.config_dir)
        conf = self.nginx_conf.read_text()
        xml = self.server_xml.read_text()
        if (
            f"server {BACKEND_ADDR}:{BACKEND_PORT};" not in conf
            or f"listen 127.0.0.1:{NGINX_PORT};" not in conf
            or f'port="{BACKEND_PORT}" address="{BACKEND_ADDR}"' not in xml
        ):
            raise RuntimeError("samples/e2e-race no longer uses the lab's addresses; update racelab.py")

    def _start_tomcat(self) -> None:
        base = self.catalina_base
        for sub in ("conf", "logs", "temp", "work", "webapps/ROOT"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        shutil.copy(TOMCAT_WEB_XML, base / "conf" / "web.xml")  # DefaultServlet mapping
        (base / "webapps" / "ROOT" / PATH.lstrip("/")).write_bytes(BODY)
        env = dict(os.environ)
        env.update(
            CATALINA_HOME=str(TOMCAT_HOME),
            CATALINA_BASE=str(base),
            CATALINA_TMPDIR=str(base / "temp"),
            CATALINA_PID="",
            # -UsePerfData: no hsperfdata files in the shared /tmp; the rest is a faster start.
            JAVA_OPTS="-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Djava.awt.headless=true",
        )
        self._spawn(
            "tomcat",
            self.link.exec_in(self.ns_backend, [str(TOMCAT_HOME / "bin" / "catalina.sh"), "run", "-config", str(self.server_xml)]),
            env=env,
        )
        self._wait_for(lambda: "Server startup in" in self._tail("tomcat", 20000), 60, "Tomcat startup")

    def _start_nginx(self) -> None:
        (self.nginx_prefix / "logs").mkdir(parents=True, exist_ok=True)
        self.error_log.touch()
        self._spawn("nginx", self.link.exec_in(self.ns_nginx, self._nginx_args("daemon off;")))
        pid_file = self.nginx_prefix / "logs" / "nginx.pid"
        self._wait_for(lambda: pid_file.exists() and self._nginx_workers(), 15, "nginx startup")

    def _nginx_args(self, *globals_: str) -> list[str]:
        """nginx with our prefix; pid and error log given here so the sample stays minimal."""
        return [_tool("nginx"), "-p", f"{self.nginx_prefix}/", "-e", str(self.error_log), "-c", str(self.nginx_conf),
                "-g", " ".join(("pid logs/nginx.pid;", *globals_))]

    def _wait_chain_ready(self) -> None:
        """One request through nginx to Tomcat, so the first measured request is not a cold start."""
        deadline = time.monotonic() + 30
        while True:
            statuses = self._loadgen("GET", 1, 0.0)["requests"]
            if statuses[0]["status"] == 200:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx -> Tomcat never answered 200: {statuses} {self.error_log.read_text()[-2000:]}")
            time.sleep(0.5)
        self._loadgen("POST", 1, 0.0)

    # -- operations used by the tests -----------------------------------------------
    def nginx_test_config(self) -> subprocess.CompletedProcess:
        return _run(*self.link.exec_in(self.ns_nginx, [*self._nginx_args(), "-t"]), check=False)

    def reload_nginx(self) -> None:
        """SIGHUP the master and wait until only workers started with the new config remain.

        Old workers drop their pooled upstream connections when they exit, so after this
        no request can reuse a connection opened under the old config.
        """
        check = self.nginx_test_config()
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed after the change:\n{check.stderr}")
        old = set(self._nginx_workers())
        master = self._procs["nginx"].pid
        os.kill(master, signal.SIGHUP)
        self._wait_for(lambda: (now := set(self._nginx_workers())) and not (now & old), 20, "nginx reload")

    def load(self, label: str, method: str, count: int, gap: float, path: str = PATH, keep_alive: bool = False) -> LoadRun:
        """Run loadgen in the proxy namespace and collect the error.log lines it caused.

        An unmeasured GET goes first: whatever the pool held before (a connection at any
        idle age) is replaced by one that is fresh, so every run starts the same way and
        only the gaps inside the run can hit the race.
        """
        self._loadgen("GET", 1, 0.0, path=path)
        offset = self.error_log.stat().st_size
        started = time.monotonic()
        result = self._loadgen(method, count, gap, timeout=count * (gap + REQUEST_TIMEOUT) + 15, path=path,
                               keep_alive=keep_alive)
        time.sleep(0.3)  # let nginx flush the last error line
        with self.error_log.open("rb") as handle:
            handle.seek(offset)
            new_lines = handle.read().decode("utf-8", "replace").splitlines()
        run = LoadRun(
            label=label,
            method=method,
            gap=gap,
            statuses=[r["status"] for r in result["requests"]],
            bodies=[r.get("body", "") for r in result["requests"]],
            client_errors=[r["error"] for r in result["requests"] if r["error"]],
            error_log=new_lines,
            seconds=time.monotonic() - started,
        )
        self.runs.append(run)
        return run

    # -- helpers --------------------------------------------------------------------
    def _loadgen(self, method: str, count: int, gap: float, timeout: float = 60, path: str = PATH,
                 keep_alive: bool = False) -> dict:
        cmd = self.link.exec_in(self.ns_proxy, [
            sys.executable, str(HERE / "loadgen.py"), "--port", str(NGINX_PORT), "--path", path, "--method", method,
            "--count", str(count), "--gap", str(gap), "--timeout", str(REQUEST_TIMEOUT),
            *(["--keep-alive"] if keep_alive else []),
        ])
        done = _run(*cmd, timeout=timeout)
        return json.loads(done.stdout)

    def _spawn(self, name: str, argv: list[str], **kwargs) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.out", "wb")
        self._logs.append(log)
        kwargs.setdefault("stdout", log)
        proc = subprocess.Popen(argv, stderr=log, start_new_session=True, **kwargs)
        self._procs[name] = proc
        return proc

    def _tail(self, name: str, size: int = 2000) -> str:
        path = self.workdir / f"{name}.out"
        try:
            return path.read_bytes()[-size:].decode("utf-8", "replace")
        except OSError:
            return ""

    def _nginx_workers(self) -> list[int]:
        proc = self._procs.get("nginx")
        if proc is None or proc.poll() is not None:
            return []
        try:
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        except OSError:
            return []
        return [int(pid) for pid in children]

    def _wait_for(self, condition, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            for name, proc in self._procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited ({proc.returncode}) during {what}: {self._tail(name)}")
            if self.link is not None and not self.link.alive:
                raise RuntimeError(f"the delay line died during {what}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    """Measure by hand, e.g. the no-latency control:  sudo python3 tests/e2e/racelab.py --delay-ms 0"""
    import argparse
    import tempfile
    import xml.etree.ElementTree as ET

    parser = argparse.ArgumentParser(description="run samples/e2e-race under real nginx + Tomcat and count 502s")
    parser.add_argument("--delay-ms", type=float, default=100.0, help="one-way link delay (default 100)")
    parser.add_argument("--gap", type=float, help="idle seconds between requests (default keepAliveTimeout - delay)")
    parser.add_argument("--post", type=int, default=9, help="POST requests (default 9)")
    parser.add_argument("--get", type=int, default=5, help="GET requests (default 5)")
    args = parser.parse_args(argv)
    missing = missing_requirements()
    if missing:
        print("cannot run: " + "; ".join(missing), file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="nglint-e2e-") as tmp:
        lab = RaceLab(Path(tmp), delay_ms=args.delay_ms).start()
        try:
            if args.gap is None:
                connector = ET.parse(lab.server_xml).getroot().find(".//Connector")
                args.gap = (float(connector.get("keepAliveTimeout")) - args.delay_ms) / 1000.0
            for method, count in (("POST", args.post), ("GET", args.get)):
                if count:
                    print(json.dumps(lab.load(method, method, count, args.gap).summary()), flush=True)
        finally:
            lab.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
