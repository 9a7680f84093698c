"""Proof with real gunicorn (gthread, keepalive 2s), real Node.js (keepAliveTimeout 2s) and
real uWSGI (http11-socket, socket-timeout 2s) behind real nginx over a delayed link: POSTs
get 502s on the shipped configs, and none after `nglint check --fix` (KA001's
keepalive_timeout in the upstream). The error.log nginx wrote during the race is what a
user would paste into `nglint explain`: it must be called a keep-alive race and matched to
KA001 on the upstream."""

from __future__ import annotations

import re

import pytest

from . import serverlab
from .raceproof import IN_CI, race_cause, run_explain, run_nglint

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
    _explain_points_at_ka001(lab, before)

    fix = run_nglint(lab, "--fix", "config")
    assert fix.returncode == 0, fix.stdout + fix.stderr
    assert re.search(r"^\s*keepalive_timeout 1s;", lab.nginx_conf.read_text(), re.M)
    lab.reload_nginx()
    after = lab.load(f"{lab.kind} fixed, POST", "POST", POSTS, gap)
    print(after.summary())
    assert after.bad_gateway == 0 and after.ok == after.requests and after.race_log_lines == [], _detail(after)
    assert run_nglint(lab, "config", "--format", "json").rules == []


BACKEND_FILES = {"gunicorn": "config/app/gunicorn.conf.py", "node": "config/app/server.js", "uwsgi": "config/app/uwsgi.ini"}
RACING_UPSTREAM = {"gunicorn": "app", "node": "app", "uwsgi": "http11"}  # each at config/nginx/nginx.conf:21


def _explain_points_at_ka001(lab, run) -> None:
    """The race run's own error.log lines through `nglint explain --config-path config`."""
    done, report = run_explain(lab, run.error_log, f"{lab.kind}-race-error.log")
    assert done.returncode == 1, done.stdout + done.stderr
    race = race_cause(report)
    assert race is not None, done.stdout
    assert race["count"] == len(run.race_log_lines), done.stdout
    assert race["methods"] == {"POST": len(run.race_log_lines)}, done.stdout
    (row,) = race["upstreams"]
    assert row["address"] == f"http://10.77.7.2:{serverlab.BACKEND_PORTS[lab.kind]}", done.stdout
    upstream = RACING_UPSTREAM[lab.kind]
    assert row["upstream"] == upstream and row["at"] == "config/nginx/nginx.conf:21" and row["pooled"] is True, row
    assert [f["rule"] for f in race["findings"]] == ["KA001"], done.stdout
    assert race["findings"][0]["path"] == "config/nginx/nginx.conf"
    explanation = " ".join(race["explanations"])
    assert f"on upstream `{upstream}` at config/nginx/nginx.conf:21" in explanation, explanation
    assert "this is KA001 at config/nginx/nginx.conf" in explanation and "set keepalive_timeout 1s" in explanation
    assert BACKEND_FILES[lab.kind] in explanation, explanation
