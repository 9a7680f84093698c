"""Fixtures for the end-to-end keep-alive race proof (real nginx, real Tomcat).

One lab per session: Tomcat's JVM starts once. The two phases are session fixtures so
the order is fixed by dependency, not by test order: `race_phase` measures the config
as shipped in samples/e2e-race, `fixed_phase` (which requests `race_phase` first) runs
`nglint check --fix` on the same files, reloads nginx and measures again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from . import racelab
from .raceproof import (
    DELAY_MS,
    GET_REQUESTS,
    POST_REQUESTS,
    Phase,
    keepalive_gap,
    require_lab,
    run_nglint,
)

LAB_KEY = pytest.StashKey["racelab.RaceLab"]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: end-to-end proof with real nginx and Tomcat in network namespaces (root, ~1 min)",
    )


@pytest.fixture(scope="session")
def race_lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    require_lab()
    lab = racelab.RaceLab(tmp_path_factory.mktemp("e2e-race"), delay_ms=DELAY_MS)
    lab.start()
    request.config.stash[LAB_KEY] = lab
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture(scope="session")
def race_phase(race_lab: racelab.RaceLab) -> Phase:
    """The shipped config: nglint's verdict, then POST and GET load spaced at the idle timeout."""
    gap = keepalive_gap(race_lab)
    phase = Phase(check=run_nglint(race_lab, "config", "--format", "json"))
    phase.nginx_conf_before = race_lab.nginx_conf.read_text()
    phase.post = race_lab.load("race config, POST", "POST", POST_REQUESTS, gap)
    phase.get = race_lab.load("race config, GET", "GET", GET_REQUESTS, gap)
    return phase


@pytest.fixture(scope="session")
def fixed_phase(race_lab: racelab.RaceLab, race_phase: Phase) -> Phase:
    """`nglint check --fix` on the same files, nginx reloaded, the same POST load again."""
    before = race_lab.nginx_conf.read_text()
    fix = run_nglint(race_lab, "--fix", "config")
    after = race_lab.nginx_conf.read_text()
    if after == before:
        raise AssertionError(
            f"`nglint check --fix` left nginx.conf unchanged (exit {fix.returncode}):\n{fix.stdout}\n{fix.stderr}"
        )
    race_lab.reload_nginx()
    phase = Phase(
        check=run_nglint(race_lab, "config", "--format", "json"),
        fix=fix,
        nginx_conf_before=before,
        nginx_conf_after=after,
    )
    phase.post = race_lab.load("fixed config, POST", "POST", POST_REQUESTS, keepalive_gap(race_lab))
    return phase


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print the measured numbers: the README's Proof section quotes them."""
    lab = config.stash.get(LAB_KEY, None)
    if lab is None or not lab.runs:
        return
    terminalreporter.section("e2e keep-alive race: measured")
    terminalreporter.write_line(f"link one-way delay {lab.delay_ms:.0f} ms")
    for run in lab.runs:
        s = run.summary()
        terminalreporter.write_line(
            f"{s['label']:<20} {s['requests']} requests, gap {s['gap_s']}s: "
            f"{s['status_200']} x 200, {s['status_502']} x 502, {s['other']} other; "
            f"{s['race_log_lines']} race lines in error.log ({s['seconds']}s)"
        )
    target = os.environ.get("NGLINT_E2E_REPORT")
    if target:
        Path(target).write_text(json.dumps([r.summary() for r in lab.runs], indent=2) + "\n")


