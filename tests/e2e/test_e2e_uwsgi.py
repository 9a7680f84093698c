"""uWSGI's listeners that close after every response, proven with real uWSGI behind real nginx.

nglint's uWSGI reader says an `http-socket` and the uwsgi protocol (`socket`, nginx's
`uwsgi_pass`) carry one request per connection, so a pooled upstream in front of them never
reuses a connection and cannot race. The app in samples/e2e-uwsgi answers with the source
port of the connection nginx used: on the `http11-socket` (the control) requests 0.5 s apart
share one port, on the other two every request comes from a new port, and POSTs spaced at
the http11-socket's race gap get no 502. The race itself and KA001's fix on the
http11-socket run in test_e2e_servers.py with the same lab.
"""

from __future__ import annotations

import pytest

from . import serverlab
from .raceproof import IN_CI, run_nglint

pytestmark = pytest.mark.e2e
DELAY_MS = 100.0
ROUTES = {"http11-socket": "/pong.txt", "http-socket": "/http-socket/pong.txt", "uwsgi protocol": "/uwsgi/pong.txt"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    missing = serverlab.missing_for("uwsgi")
    if missing:
        reason = "e2e uwsgi lab cannot run: " + "; ".join(missing)
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    made = serverlab.ServerLab(tmp_path_factory.mktemp("e2e-uwsgi-close"), delay_ms=DELAY_MS, kind="uwsgi")
    made.start()
    try:
        yield made
    finally:
        made.close()


def _ports(run) -> list[int]:
    assert run.ok == run.requests and not run.client_errors, f"{run.summary()} {run.bodies} {run.error_log}"
    return [int(body.strip()) for body in run.bodies]


def test_nglint_reports_only_the_http11_socket(lab):
    check = run_nglint(lab, "config", "--format", "json")
    findings = check.report["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [("KA001", 23)], check.stdout
    assert "uWSGI closes them after 2s" in findings[0]["message"]


def test_closing_listeners_are_never_reused(lab):
    control = _ports(lab.load("http11-socket, 0.5s apart", "POST", 3, 0.5, path=ROUTES["http11-socket"]))
    assert len(set(control)) == 1, f"nginx did not reuse the http11-socket connection: {control}"
    gap = round(lab.idle_timeout_s() - lab.delay_ms / 1000.0, 3)
    for listener in ("http-socket", "uwsgi protocol"):
        closing = _ports(lab.load(f"{listener}, 0.5s apart", "POST", 3, 0.5, path=ROUTES[listener]))
        print(listener, "source ports 0.5s apart:", closing, "control (http11-socket):", control)
        assert len(set(closing)) == len(closing), f"a {listener} connection was reused: {closing}"
        at_race_gap = lab.load(f"{listener}, race gap", "POST", 3, gap, path=ROUTES[listener])
        assert at_race_gap.bad_gateway == 0 and at_race_gap.race_log_lines == [], at_race_gap.summary()
        assert len(set(_ports(at_race_gap))) == at_race_gap.requests
