"""Helpers for the hostile-input suites: a canary listener, a secret file, bounded runs.

Each hostile case asserts the same guarantees (see SECURITY.md): the run ends with a
finding or a clear message, never a traceback; nothing outside the input is read
(a secret file's text never reaches the output); nothing on the network is contacted
(a listening socket on 127.0.0.1 stays unconnected); memory stays bounded.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SECRET = "NGLINT-CANARY-5f1e0c7a-do-not-read"


class Canary:
    """A TCP listener on 127.0.0.1 that records whether anyone connected to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connections(self) -> int:
        """Connections accepted so far (the kernel queues them even if nobody accepts)."""
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def findings(self) -> list[dict]:
        return json.loads(self.stdout)["findings"]

    def rules(self) -> list[str]:
        return [f["rule"] for f in self.findings]

    def messages(self, rule: str | None = None) -> list[str]:
        return [f["message"] for f in self.findings if rule is None or f["rule"] == rule]


def check_in_process(*args: str) -> Outcome:
    """`nglint check ARGS --format json` in this process; an exception fails the test with its traceback."""
    from nglint.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", *args, "--format", "json"])
    return Outcome(code, out.getvalue(), err.getvalue(), time.monotonic() - start)


def all_formats_in_process(*args: str) -> str:
    """Every output format concatenated, so a leak in any reporter (SARIF snippets) is seen."""
    from nglint.cli import main
    from nglint.commands.check import FORMATS

    chunks = []
    for fmt in FORMATS:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", *args, "--format", fmt])
        assert code in (0, 1), (fmt, err.getvalue())
        chunks += [out.getvalue(), err.getvalue()]
    return "\n".join(chunks)


@dataclass
class Measured:
    code: int
    stdout: str
    stderr: str
    max_rss_mb: float
    seconds: float


_MEASURE = """
import resource, sys
from nglint.cli import main
code = main(sys.argv[1:])
sys.stdout.flush()
sys.stderr.write("\\nMAXRSS_KB=%d\\n" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
raise SystemExit(code)
"""


def check_measured(*args: str, memory_cap_mb: int = 2048, timeout: float = 120) -> Measured:
    """Run the CLI in a child with an address-space cap; report its peak RSS.

    The cap turns a runaway allocation into a failure of this test instead of a dead CI
    machine; the peak RSS (getrusage in the child) is what the tests bound."""
    cap = memory_cap_mb * 1024 * 1024

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, "check", *args, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        env={**os.environ, "NO_COLOR": "1"},
    )
    seconds = time.monotonic() - start
    rss_kb = 0
    stderr = proc.stderr
    if "MAXRSS_KB=" in stderr:
        stderr, _, tail = stderr.rpartition("MAXRSS_KB=")
        rss_kb = int(tail.strip())
    return Measured(proc.returncode, proc.stdout, stderr.strip(), rss_kb / 1024, seconds)


def make_secret(directory: Path) -> Path:
    """A file outside the checked tree whose content must never be read into output."""
    directory.mkdir(parents=True, exist_ok=True)
    secret = directory / "secret.txt"
    secret.write_text(f"{SECRET}\n<Connector port=\"1\" connectionTimeout=\"{SECRET}\"/>\n")
    return secret


def assert_clean(outcome: Outcome) -> None:
    """No internal error: exit 0 or 1, no traceback, no secret."""
    assert outcome.code in (0, 1), outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert SECRET not in outcome.stdout and SECRET not in outcome.stderr
