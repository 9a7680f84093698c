"""HAProxy in front of real nginx (samples/e2e-haproxy, timers scaled down): LB001 and WS002.

HAProxy keeps an idle server connection until its purge task closes it (a lone one on the
third round of pool-purge-delay 1s: about 3s), longer than nginx's keepalive_timeout 1s.
A request HAProxy sends on a connection nginx is closing fails:
- with `http-reuse safe` (the default) only a client connection's later requests reuse an
  idle server connection, and when that fails HAProxy closes the client connection without
  a response and logs nothing (the manual: so that the browser can retry);
- with `http-reuse always` a fresh client's request reuses it too and gets a 502, logged
  with termination state SH--.
After `nglint check --fix` (keepalive_timeout 4s) neither happens, and HAProxy (not nginx)
is seen closing the idle connection within 3 x pool-purge-delay: the reader's model.
An idle websocket is closed at `timeout tunnel` 2s (WS002 names that timer), and stays
open once it is raised.
"""

from __future__ import annotations

import re

import pytest

from . import frontlab
from .raceproof import IN_CI, run_nglint

pytestmark = pytest.mark.e2e
DELAY_MS = 100.0
POSTS = 7
CLOSED_EMPTY = "Remote end closed connection without response"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    missing = frontlab.missing_requirements()
    if missing:
        reason = "e2e HAProxy lab cannot run: " + "; ".join(missing)
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    made = frontlab.FrontLab(tmp_path_factory.mktemp("e2e-haproxy"), delay_ms=DELAY_MS)
    made.start()
    try:
        yield made
    finally:
        made.close()


def _seconds(pattern: str, text: str) -> float:
    return float(re.search(pattern, text, re.M).group(1))


def _gap(lab) -> float:
    """nginx's keepalive_timeout minus one link delay: HAProxy's write meets nginx's FIN."""
    return round(_seconds(r"^\s*keepalive_timeout (\d+)s;", lab.nginx_conf.read_text()) - lab.delay_ms / 1000.0, 3)


def _set_reuse(lab, mode: str) -> None:
    cfg = lab.haproxy_cfg.read_text()
    lab.haproxy_cfg.write_text(re.sub(r"http-reuse \w+", f"http-reuse {mode}", cfg))
    lab.restart_haproxy()


def _run(lab, label: str, keep_alive: bool, gap: float):
    offset = lab.haproxy_log.stat().st_size
    run = lab.load(label, "POST", POSTS, gap, keep_alive=keep_alive)
    logged = [line for line in lab.haproxy_lines(offset) if '"POST ' in line]
    return run, logged


def _detail(run, logged) -> str:
    return f"{run.summary()} {run.statuses} {run.client_errors}\nHAProxy:\n" + "\n".join(logged)


def test_lb001_race_then_fix(lab):
    check = run_nglint(lab, "config", "--format", "json")
    assert sorted(check.rules) == ["LB001", "WS002"], check.stdout + check.stderr
    lb001 = next(f for f in check.report["findings"] if f["rule"] == "LB001")
    assert "keeps idle connections 3s, nginx closes them at 1s" in lb001["message"]
    gap = _gap(lab)

    safe, logged = _run(lab, "safe, client keep-alive", True, gap)
    assert safe.bad_gateway == 0 and len(safe.client_errors) >= 1, _detail(safe, logged)
    assert all(CLOSED_EMPTY in error for error in safe.client_errors), _detail(safe, logged)
    print("race, http-reuse safe:", _detail(safe, []))
    assert len(logged) == safe.ok, "HAProxy logged a request the client got no answer to:\n" + _detail(safe, logged)

    _set_reuse(lab, "always")
    always, logged = _run(lab, "always, fresh clients", False, gap)
    print("race, http-reuse always:", _detail(always, []))
    assert always.bad_gateway >= 1 and not always.client_errors, _detail(always, logged)
    assert len([line for line in logged if " 502 " in line and " SH-- " in line]) == always.bad_gateway, _detail(always, logged)

    fix = run_nglint(lab, "--fix", "config")
    assert fix.returncode in (0, 1), fix.stdout + fix.stderr
    assert re.search(r"^\s*keepalive_timeout 4s;", lab.nginx_conf.read_text(), re.M), lab.nginx_conf.read_text()
    lab.reload_nginx()
    after = run_nglint(lab, "config", "--format", "json")
    assert after.rules == ["WS002"], after.stdout
    fixed_always, logged = _run(lab, "fixed, always", False, gap)
    assert fixed_always.ok == fixed_always.requests, _detail(fixed_always, logged)
    _set_reuse(lab, "safe")
    fixed_safe, logged = _run(lab, "fixed, safe, keep-alive", True, gap)
    print("fixed:", _detail(fixed_always, []), _detail(fixed_safe, []))
    assert fixed_safe.ok == fixed_safe.requests and not fixed_safe.client_errors, _detail(fixed_safe, logged)


def test_haproxy_closes_a_lone_idle_connection_within_three_purge_rounds(lab):
    """Measured on nginx's side of the link, with nginx's keepalive_timeout (4s after the
    fix) above the model's 3s: whoever closes first is HAProxy, at most one link delay
    (the FIN's trip) and a poll after 3 x pool-purge-delay."""
    purge = _seconds(r"pool-purge-delay (\d+)s", lab.haproxy_cfg.read_text())
    nginx_keep = _seconds(r"^\s*keepalive_timeout (\d+)s;", lab.nginx_conf.read_text())
    assert nginx_keep > 3 * purge + 0.5, "needs nginx's fixed keepalive_timeout: run after test_lb001_race_then_fix"
    lab.restart_haproxy()
    kept = [lab.idle_keep_s() for _ in range(3)]
    print(f"pool-purge-delay {purge}s: idle server connection closed after {kept}")
    upper = 3 * purge + lab.delay_ms / 1000.0 + 0.3
    assert all(1.5 * purge <= seconds <= upper < nginx_keep for seconds in kept), kept


def test_ws002_idle_websocket_cut_at_timeout_tunnel_then_fixed(lab):
    before = run_nglint(lab, "config", "--format", "json")
    ws002 = [f for f in before.report["findings"] if f["rule"] == "WS002"]
    assert ws002 and "HAProxy backend nginx server web1 closes idle websockets here after 2s" in ws002[0]["message"]
    cut = lab.idle_websocket(4.0)
    print("timeout tunnel 2s:", cut)
    assert not cut["open"] and 1.5 <= cut["closed_after"] <= 3.0, cut

    cfg = lab.haproxy_cfg.read_text()
    lab.haproxy_cfg.write_text(cfg.replace("timeout tunnel 2s", "timeout tunnel 60s"))
    lab.restart_haproxy()
    assert "WS002" not in run_nglint(lab, "config", "--format", "json").rules
    assert lab.idle_websocket(4.0)["open"]
