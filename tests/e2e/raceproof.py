"""The two phases of the proof and the nglint calls they make (shared by conftest and tests).

Kept out of conftest.py so test modules can import it by a unique name.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from . import racelab

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# One-way latency of the emulated link. 100 ms makes the window in which nginx's write
# and Tomcat's FIN cross on the wire about 200 ms wide (2 x delay), wide enough that
# scheduler jitter on a busy CI box cannot push a request out of it.
DELAY_MS = 100.0
POST_REQUESTS = 9
GET_REQUESTS = 5


def require_lab() -> None:
    """Skip (outside CI) or fail (CI=true) when this machine cannot host the lab."""
    missing = racelab.missing_requirements()
    if missing:
        reason = "e2e race lab cannot run: " + "; ".join(missing)
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


@dataclass
class NglintRun:
    """One `nglint check` subprocess and its parsed JSON report."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    report: dict | None = None

    @property
    def rules(self) -> list[str]:
        return [f["rule"] for f in (self.report or {}).get("findings", [])]


@dataclass
class Phase:
    """What one configuration did under load, plus nglint's view of it."""

    check: NglintRun
    post: racelab.LoadRun | None = None
    get: racelab.LoadRun | None = None
    fix: NglintRun | None = None
    nginx_conf_before: str = ""
    nginx_conf_after: str = ""


def run_nglint(lab: racelab.RaceLab, *args: str) -> NglintRun:
    """The real CLI (`python -m nglint`, same interpreter as pytest) on the lab's config copy."""
    argv = [sys.executable, "-m", "nglint", "check", *args]
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    done = subprocess.run(argv, cwd=lab.workdir, env=env, capture_output=True, text=True, timeout=120)
    run = NglintRun(argv, done.returncode, done.stdout, done.stderr)
    if "--format" in args and done.stdout.strip().startswith("{"):
        run.report = json.loads(done.stdout)
    return run


def run_explain(lab: racelab.RaceLab, lines: list[str], name: str) -> tuple[subprocess.CompletedProcess, dict]:
    """`nglint explain` (the real CLI) on error-log lines the lab's nginx wrote, saved as
    `name` in the lab's workdir, with the lab's config copy: what a user would run."""
    log = lab.workdir / name
    log.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    done = subprocess.run(
        [sys.executable, "-m", "nglint", "explain", str(log), "--config-path", "config", "--format", "json"],
        cwd=lab.workdir, env=env, capture_output=True, text=True, timeout=120,
    )
    report = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    return done, report


def race_cause(report: dict) -> dict | None:
    return next((c for c in report.get("causes", []) if c["id"] == "upstream-keepalive-race"), None)


def keepalive_gap(lab: racelab.RaceLab) -> float:
    """Idle gap between requests: Tomcat's keepAliveTimeout minus one link delay.

    nginx writes the next request `gap` after the previous response reached the client;
    Tomcat's idle clock started one link delay earlier, when it read the request. With
    gap = keepAliveTimeout - delay, nginx's write leaves just as Tomcat's FIN does, so
    the two cross on the wire: the race, aimed at the middle of its window.
    """
    connector = ET.parse(lab.server_xml).getroot().find(".//Connector")
    assert connector is not None, "samples/e2e-race server.xml lost its Connector"
    timeout_ms = float(connector.get("keepAliveTimeout") or connector.get("connectionTimeout") or 60000)
    return round((timeout_ms - lab.delay_ms) / 1000.0, 3)


def upstream_block(conf: str) -> str:
    """Text of the `upstream tomcat { ... }` block (the sample has no nested braces in it)."""
    match = re.search(r"upstream\s+tomcat\s*\{(.*?)\}", conf, re.S)
    assert match, "no upstream tomcat block"
    return match.group(1)
