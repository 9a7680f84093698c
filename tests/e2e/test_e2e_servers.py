"""Proof with real gunicorn (gthread, keepalive 2s), real Node.js (keepAliveTimeout 2s) and
real uWSGI (http11-socket, socket-timeout 2s) behind real nginx over a delayed link: POSTs get 502s on the shipped configs, and
none after `nglint check --fix` (KA001's keepalive_timeout in the upstream)."""

from __future__ import annotations

import re

import pytest

from . import serverlab
from .raceproof import IN_CI, run_nglint

pytestmark = pytest.mark.e2e
DELAY_MS = 100.0
POSTS = 9


@pytest.fixture(scope="module", params=sorted(serverlab.KINDS))
def lab(request, tmp_path_factory):
    missing = serverlab.missing_for(request.param)
    if missing:
        reason = f"e2e {request.param} lab cannot run: " + "; ".join(missing)
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    lab = serverlab.ServerLab(tmp_path_factory.mktemp(f"e2e-{request.param}"), delay_ms=DELAY_MS, kind=request.param)
    lab.start()
    try:
        yield lab
    finally:
        lab.close()


def _detail(run) -> str:
    return f"{run.summary()}\nstatuses={run.statuses}\nerror.log:\n" + "\n".join(run.error_log)


def test_race_then_fix_then_no_502(lab):
    gap = round(lab.idle_timeout_s() - lab.delay_ms / 1000.0, 3)
    check = run_nglint(lab, "config", "--format", "json")
    assert check.rules == ["KA001"], check.stdout + check.stderr
    before = lab.load(f"{lab.kind} race, POST", "POST", POSTS, gap)
    print(before.summary())
    assert not before.client_errors and before.bad_gateway >= 1, _detail(before)
    assert before.ok + before.bad_gateway == before.requests, _detail(before)
    assert all('request: "POST ' in line for line in before.race_log_lines) and before.race_log_lines, _detail(before)

    fix = run_nglint(lab, "--fix", "config")
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert re.search(r"^\s*keepalive_timeout 1s;", lab.nginx_conf.read_text(), re.M)
    lab.reload_nginx()
    after = lab.load(f"{lab.kind} fixed, POST", "POST", POSTS, gap)
    print(after.summary())
    assert after.bad_gateway == 0 and after.ok == after.requests and after.race_log_lines == [], _detail(after)
    assert run_nglint(lab, "config", "--format", "json").rules == []
