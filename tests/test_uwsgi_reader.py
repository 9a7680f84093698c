"""uWSGI: ini/YAML/JSON files and command lines, each listener's idle policy as uWSGI 2.0
implements it (router keep-alive off by default, http11-socket's socket-timeout, one
request per connection on http-socket and the uwsgi protocol); odd input never crashes."""

from __future__ import annotations

import pytest

from conftest import found, write_tree
from nglint.findings import Location
from nglint.sources.process import Process, backends_for
from nglint.sources.uwsgi.reader import Uwsgi


def _process(tmp_path, argv, env=None, files=None):
    write_tree(tmp_path, files or {})
    mapped = {f"/app/{name}": str(tmp_path / name) for name in (files or {})}
    where = Location(str(tmp_path / "Procfile"), 3)
    process = Process("web", where, None, argv, where, env or {}, {k: where for k in (env or {})}, mapped, [], str(tmp_path))
    return backends_for(process, [str(tmp_path)], 1_000_000)


@pytest.mark.parametrize("argv, port, expected", [
    (["uwsgi", "--http", ":8000", "--module", "app:app"], 8000,
     "no keep-alive (uWSGI's HTTP router closes after each response (http-keepalive is off by default))"),
    (["uwsgi", "--http", "0.0.0.0:8000", "--http-keepalive"], 8000,
     "60s (uWSGI's default http-timeout 60s (the idle timer of http-keepalive without a number))"),
    (["uwsgi", "--http", ":8000", "--http-keepalive", "--http-timeout", "20"], 8000, "20s (http-timeout 20)"),
    (["uwsgi", "--http=:8000", "--http-keepalive=75"], 8000, "75s (http-keepalive 75)"),
    (["uwsgi", "--http", ":8000", "--http-keepalive=0"], 8000, "no keep-alive (http-keepalive 0: closes after each response)"),
    (["uwsgi", "--http11-socket", ":8001"], 8001,
     "4s (uWSGI's default socket-timeout 4s (an http11-socket waits for the next request))"),
    (["uwsgi", "--http11-socket", ":8001", "-z", "30"], 8001, "30s (socket-timeout 30)"),
    (["uwsgi", "--http-socket", ":8002", "--add-header", "Connection: Keep-Alive"], 8002,
     "no keep-alive (http-socket :8002: one request per connection (its Connection: Keep-Alive header does not keep it open))"),
    (["sh", "-c", "python manage.py migrate && exec uwsgi --http :8003 --http-keepalive=${KA}"], 8003,
     "unknown (http-keepalive ${KA} is not a number nglint can read)"),
    (["uwsgi", "--socket", ":8004", "--protocol=http"], 8004,
     "no keep-alive (socket :8004 (protocol=http): one request per connection)"),
])
def test_command_lines(tmp_path, argv, port, expected):
    (backend,) = _process(tmp_path, argv)
    assert backend.kind == "uwsgi"
    assert (backend.port, backend.idle_policy.describe()) == (port, expected)


@pytest.mark.parametrize("name, text, expected", [
    ("uwsgi.ini", "[uwsgi]\nhttp = :8000\nhttp-keepalive = true\n",
     "no keep-alive (http-keepalive true, which uWSGI reads as the number 0: closes after each response)"),
    ("uwsgi.ini", "[uwsgi]\nhttp = :8000\nhttp-keepalive\n",
     "no keep-alive (http-keepalive (no value), which uWSGI reads as the number 0: closes after each response)"),
    ("uwsgi.json", '{"uwsgi": {"http": ":8000", "http-keepalive": true}}',
     "60s (uWSGI's default http-timeout 60s (the idle timer of http-keepalive without a number))"),
    ("uwsgi.xml", "<uwsgi><http>:8000</http><http-keepalive/></uwsgi>",
     "60s (uWSGI's default http-timeout 60s (the idle timer of http-keepalive without a number))"),
    ("uwsgi.yaml", "uwsgi:\n  http: ':8000'\n  http-keepalive: true\n",
     "no keep-alive (http-keepalive true, which uWSGI reads as the number 0: closes after each response)"),
])
def test_http_keepalive_is_an_int_as_uwsgi_reads_each_format(tmp_path, name, text, expected):
    write_tree(tmp_path, {name: text})
    (backend,) = Uwsgi().parse(str(tmp_path / name), [str(tmp_path)], 10**6).backends
    assert backend.idle_policy.describe() == expected


def test_uwsgi_protocol_socket_is_not_http_and_keeps_its_unix_path(tmp_path):
    (backend,) = _process(tmp_path, ["uwsgi", "-s", "/run/uwsgi/app.sock", "--so-keepalive"])
    assert (backend.protocol, backend.speaks_http, backend.port) == ("uwsgi", False, None)
    assert backend.attributes["socket"] == "/run/uwsgi/app.sock"
    assert backend.attributes["so_keepalive"] is True
    assert not backend.idle_policy.keepalive


def test_environment_options_and_an_ini_file_the_command_names(tmp_path):
    files = {"uwsgi.ini": """
        [uwsgi]
        base = :9000
        http = %(base)
        http-keepalive = 1

        [other]
        http = :7000
        """}
    (backend,) = _process(tmp_path, ["uwsgi", "--ini", "/app/uwsgi.ini"], {"UWSGI_HTTP_TIMEOUT": "15"}, files)
    assert (backend.port, backend.idle_policy.describe()) == (9000, "15s (http-timeout 15)")
    (backend,) = _process(tmp_path, ["uwsgi", "uwsgi.ini:other"], {}, files)
    assert backend.port == 7000


@pytest.mark.parametrize("name, text", [
    ("uwsgi.yaml", "uwsgi:\n  http: ':8000'\n  http-keepalive: 30\n"),
    ("uwsgi.json", '{"uwsgi": {"http": ":8000", "http-keepalive": 30}}'),
    ("app.ini", "; deployment\n[uwsgi]\nhttp = :8000\nhttp-keepalive = 30\n"),
    ("uwsgi.xml", "<uwsgi>\n  <http>:8000</http>\n  <http-keepalive>30</http-keepalive>\n</uwsgi>\n"),
])
def test_config_files_on_their_own(tmp_path, name, text):
    write_tree(tmp_path, {name: text})
    reader = Uwsgi()
    assert reader.claims(str(tmp_path / name))
    (backend,) = reader.parse(str(tmp_path / name), [str(tmp_path)], 10**6).backends
    assert (backend.port, backend.idle_policy.timeout_ms) == (8000, 30_000)
    assert backend.idle_policy.provenance.location.line == {"uwsgi.yaml": 3, "app.ini": 4, "uwsgi.xml": 3}.get(name, 1)


def test_other_ini_files_are_not_claimed(tmp_path):
    write_tree(tmp_path, {"setup.ini": "[metadata]\nname = x\n", "tox.ini": "[tox]\nenvlist = py3\n"})
    assert not Uwsgi().claims(str(tmp_path / "setup.ini"))
    assert not Uwsgi().claims(str(tmp_path / "tox.ini"))


@pytest.mark.parametrize("name, text", [
    ("uwsgi.yaml", "uwsgi: [unclosed\n"),
    ("uwsgi.json", "{not json"),
    ("uwsgi.ini", "\x00\xff[uwsgi\nhttp =\n=\n"),
    ("uwsgi.yaml", "- just\n- a list\n"),
    ("uwsgi.xml", "<!DOCTYPE uwsgi [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><uwsgi><http>&x;</http></uwsgi>"),
    ("uwsgi.xml", "<uwsgi><http>:8000</uwsgi>"),
])
def test_broken_files_are_problems_not_crashes(tmp_path, name, text):
    write_tree(tmp_path, {name: text.encode("latin-1")})
    result = Uwsgi().parse(str(tmp_path / name), [str(tmp_path)], 10**6)
    assert result.backends == []
    assert all(problem.line >= 1 for problem in result.problems)


def test_an_ini_include_loop_stays_bounded(tmp_path):
    write_tree(tmp_path, {"uwsgi.ini": "[uwsgi]\nini = uwsgi.ini\nhttp11-socket = :8000\n"})
    backends = Uwsgi().parse(str(tmp_path / "uwsgi.ini"), [str(tmp_path)], 10**6).backends
    assert {b.port for b in backends} == {8000}


def test_sample_race_and_its_fix(lint):
    report = lint({
        "docker-compose.yml": """
            services:
              web:
                image: nginx:1.30-alpine
                volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
              app:
                image: python:3.12
                command: uwsgi --http11-socket :8000 --module app:app
            """,
        "nginx.conf": """
            events {}
            http {
                upstream app { server app:8000; }
                server { listen 80; location / { proxy_pass http://app; } }
            }
            """,
    })
    assert found(report) == [("KA001", "nginx.conf", 3)]
    assert "uWSGI" in " ".join(r.message for r in report.findings[0].related)


def test_uwsgi_pass_upstream_links_to_the_uwsgi_protocol_socket(lint):
    report = lint({
        "docker-compose.yml": """
            services:
              web:
                image: nginx:1.30-alpine
                volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
              app:
                image: python:3.12
                command: uwsgi --socket :3031 --module app:app
            """,
        "nginx.conf": """
            events {}
            http {
                upstream app { server app:3031; }
                server { listen 80; location / { uwsgi_pass app; } }
            }
            """,
    })
    # linked (no P005 gap), and the uwsgi protocol carries one request per connection: no race
    assert found(report) == []
