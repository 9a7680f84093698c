"""The Jetty reader: start.ini and start.d/*.ini of a jetty base, the jetty image's defaults."""

from __future__ import annotations

from conftest import write_tree
from nglint.findings import Location
from nglint.sources.process import Process, backends_for


def test_jetty_base(tmp_path):
    from nglint.sources.jetty.reader import Jetty

    write_tree(tmp_path, {"start.d/http.ini": "--module=http\n# jetty.http.idleTimeout=30000\njetty.http.idleTimeout=15000\njetty.http.port=8090\n",
                          "start.d/ssl.ini": "--module=ssl\n"})
    (backend,) = Jetty().parse(str(tmp_path / "start.d/http.ini"), [str(tmp_path)], 10**6).backends
    assert (backend.port, backend.idle_policy.describe()) == (8090, "15s (jetty.http.idleTimeout=15000)")
    assert Jetty().parse(str(tmp_path / "start.d/ssl.ini"), [str(tmp_path)], 10**6).backends == []


def test_jetty_image(tmp_path):
    where = Location(str(tmp_path / "docker-compose.yml"), 2)
    (backend,) = backends_for(Process("web", where, "jetty:12-jre21", None, None), [str(tmp_path)], 10**6)
    assert (backend.port, backend.idle_policy.timeout_ms) == (8080, 30000)
    write_tree(tmp_path, {"http.ini": "jetty.http.idleTimeout=${IDLE}\n"})
    process = Process("web", where, "jetty:12", None, None, files={"/var/lib/jetty/start.d/http.ini": str(tmp_path / "http.ini")})
    (backend,) = backends_for(process, [str(tmp_path)], 10**6)
    assert "cannot be read" in backend.idle_policy.unknown_reason
