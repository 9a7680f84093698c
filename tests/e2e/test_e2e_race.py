"""Proof, with real servers, that KA001 is a real bug and that nglint's fix removes it.

samples/e2e-race runs under Debian's nginx and Tomcat 10 (see racelab.py for the
namespaces and the delayed link). Requests are sent one at a time with an idle gap at
Tomcat's keepAliveTimeout, like the `curl; sleep N` loops of the original bug reports.
"""

from __future__ import annotations

import re

import pytest

from .raceproof import GET_REQUESTS, POST_REQUESTS, Phase, upstream_block

pytestmark = pytest.mark.e2e


def _describe(phase_run) -> str:
    return f"{phase_run.summary()}\nstatuses={phase_run.statuses}\nerror.log:\n" + "\n".join(phase_run.error_log)


def test_nglint_reports_ka001_on_the_race_config(race_phase: Phase) -> None:
    check = race_phase.check
    assert check.returncode == 1, check.stderr
    assert check.rules == ["KA001"], check.stdout
    finding = check.report["findings"][0]
    assert finding["path"].endswith("nginx/nginx.conf")
    assert "keepalive_timeout 1s" in finding["message"]
    assert finding["related"][0]["path"].endswith("tomcat/conf/server.xml")


def test_post_on_the_race_config_gets_502_and_the_matching_error_log_lines(race_phase: Phase) -> None:
    post = race_phase.post
    detail = _describe(post)
    assert post.requests == POST_REQUESTS and not post.client_errors, detail
    assert post.bad_gateway >= 1, detail
    assert post.ok + post.bad_gateway == post.requests, detail  # nothing but 200 and 502
    # One "upstream prematurely closed" / "recv() failed (104...)" line per 502, for a POST.
    race_lines = post.race_log_lines
    assert len(race_lines) >= post.bad_gateway, detail
    assert all('request: "POST ' in line for line in race_lines), detail


def test_get_on_the_race_config_hides_it_behind_a_retry(race_phase: Phase) -> None:
    """nginx retries an idempotent request once when a reused connection fails.

    So GET users see 200s while error.log shows the same race: the reason the bug is
    reported as "only POST gets 502".
    """
    get = race_phase.get
    detail = _describe(get)
    assert get.requests == GET_REQUESTS and not get.client_errors, detail
    assert get.ok == get.requests, detail
    assert len(get.race_log_lines) >= 1, detail
    assert all('request: "GET ' in line for line in get.race_log_lines), detail


def test_nglint_fix_sets_keepalive_timeout_in_the_upstream(fixed_phase: Phase) -> None:
    assert fixed_phase.fix is not None
    assert fixed_phase.fix.returncode == 0, fixed_phase.fix.stdout + fixed_phase.fix.stderr
    before = upstream_block(fixed_phase.nginx_conf_before)
    after = upstream_block(fixed_phase.nginx_conf_after)
    assert "keepalive_timeout" not in before
    assert re.search(r"^\s*keepalive_timeout 1s;\s*(#.*)?$", after, re.M), after  # a trailing comment is fine


def test_post_after_the_fix_gets_no_502_and_no_race_in_error_log(fixed_phase: Phase) -> None:
    post = fixed_phase.post
    detail = _describe(post)
    assert post.requests == POST_REQUESTS and not post.client_errors, detail
    assert post.bad_gateway == 0, detail
    assert post.ok == post.requests, detail
    assert post.race_log_lines == [], detail


def test_same_load_before_and_after(race_phase: Phase, fixed_phase: Phase) -> None:
    """The comparison is fair: same method, count and gap; only the nginx config changed."""
    before, after = race_phase.post, fixed_phase.post
    assert (before.method, before.requests, before.gap) == (after.method, after.requests, after.gap)
    assert before.bad_gateway > after.bad_gateway == 0


def test_nglint_is_clean_after_the_fix(fixed_phase: Phase) -> None:
    check = fixed_phase.check
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.rules == []
