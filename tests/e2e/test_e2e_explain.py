"""`nglint explain` on the error.log that real nginx wrote while real Tomcat raced it.

The race phase (conftest.race_phase) runs POST and GET load with idle gaps at Tomcat's
keepAliveTimeout against samples/e2e-race as shipped; the error-log lines nginx wrote
during that load are what a user would paste. explain must call them a keep-alive race
and point at KA001 on the upstream they went through.
"""

from __future__ import annotations

import pytest

from .racelab import RACE_LOG
from .raceproof import Phase, race_cause, run_explain

pytestmark = pytest.mark.e2e


def test_explain_calls_the_race_log_a_keepalive_race_and_points_at_ka001(race_phase: Phase, race_lab) -> None:
    lines = race_phase.post.error_log + race_phase.get.error_log
    race_lines = [line for line in lines if RACE_LOG.search(line)]
    assert race_lines, "the race phase produced no race lines to explain:\n" + "\n".join(lines)
    done, report = run_explain(race_lab, lines, "race-phase-error.log")
    assert done.returncode == 1, done.stdout + done.stderr
    race = race_cause(report)
    assert race is not None, done.stdout
    assert race["count"] == len(race_lines), done.stdout
    assert race["methods"].get("POST", 0) == len(race_phase.post.race_log_lines)
    assert race["methods"].get("GET", 0) == len(race_phase.get.race_log_lines)
    (row,) = race["upstreams"]
    assert row["address"] == "http://10.77.7.2:8087"
    assert row["upstream"] == "tomcat" and row["at"] == "config/nginx/nginx.conf:25" and row["pooled"] is True
    assert [f["rule"] for f in race["findings"]] == ["KA001"]
    assert race["findings"][0]["path"] == "config/nginx/nginx.conf"
    explanation = " ".join(race["explanations"])
    assert "this is KA001 at config/nginx/nginx.conf" in explanation and "set keepalive_timeout 1s" in explanation
    assert "config/tomcat/conf/server.xml" in explanation
